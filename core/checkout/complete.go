package checkout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// Complete pays for the session and creates its order.
//
// The cart is re-priced first: a price or stock change since the last
// response is reported (the session comes back unpaid with messages), never
// charged. Before the handler is called the attempt is recorded with status
// complete_in_progress; its idempotency key is derived from the session id
// and attempt number, so an attempt interrupted by a crash or an
// unreachable processor is resumed by the next complete with the same key
// and can never charge twice. rec, when set, records the request's outcome
// with the session's final state (never with an intermediate one); a
// KeyedRecorder's key is kept with the attempt, so that a retry of this
// request after the attempt was settled by another is answered with the
// session as it was left (settledRetry).
//
// The call holds the session's lease (leases.go); if it loses it midway,
// the call that took over decides, and this one answers with its outcome.
func (s *Service) Complete(ctx context.Context, agent, id string, in CompleteInput, rec Recorder) (*model.Session, error) {
	return s.underLease(ctx, id, func(ctx context.Context) (*model.Session, error) {
		return s.complete(ctx, agent, id, in, rec)
	}, s.storedOutcome)
}

func (s *Service) complete(ctx context.Context, agent, id string, in CompleteInput, rec Recorder) (*model.Session, error) {
	sess, err := s.Get(ctx, agent, id)
	if err != nil {
		return nil, err
	}
	if err := keyConflict(sess, rec); err != nil {
		return nil, err
	}
	if settledRetry(sess, rec) {
		return sess, s.answer(ctx, sess, rec)
	}
	switch sess.Status {
	case model.StatusCompleteInProgress:
		notify(sess, append(append(in.Notices, unusedAuthentication(in)...), unappliedOnResume(in)...))
		if addRequestKey(sess.Payment, requestKey(rec)) {
			// Kept before the attempt resumes: another may settle it.
			if err := s.checkpoint(ctx, sess); err != nil {
				return nil, err
			}
		}
		return s.charge(ctx, sess, resumption{resume: true}, rec)
	case model.StatusAuthenticationRequired:
		if in.Authentication == nil && sess.ContinueURL != "" {
			return s.resumeChallenge(ctx, sess, in, rec)
		}
		if in.Authentication == nil {
			return nil, apierr.Invalid(apierr.CodeRequires3DS, "$.authentication_result",
				"This checkout session requires issuer authentication. The request must include 'authentication_result' as provided by the issuer authentication flow.")
		}
		// The confirmation is recorded before the handler is called, like
		// a first attempt, so an unknown outcome is resumed, never redone.
		notify(sess, append(in.Notices, unappliedOnResume(in)...))
		sess.Payment.AuthenticationOutcome = in.Authentication.Outcome
		sess.Payment.AuthenticationDetails = in.Authentication.Details
		addRequestKey(sess.Payment, requestKey(rec))
		sess.Status = model.StatusCompleteInProgress
		if err := s.checkpoint(ctx, sess); err != nil {
			return nil, err
		}
		return s.charge(ctx, sess, resumption{}, rec)
	case model.StatusNotReadyForPayment:
		return nil, notReady(sess)
	case model.StatusRequiresEscalation:
		return nil, s.escalated(sess)
	}
	if err := refuseChange(sess, "completed"); err != nil {
		return nil, err
	}
	handler, err := s.handlerFor(in.Payment)
	if err != nil {
		return nil, err
	}
	applyCompleteInputs(sess, in)
	before := sess.Totals.Total
	if err := s.price(ctx, sess, nil); err != nil {
		return nil, err
	}
	notify(sess, append(in.Notices, unusedAuthentication(in)...))
	if sess.Totals.Total != before {
		sess.Messages.AddWarning(acp.CodePriceChange, "$.totals",
			fmt.Sprintf("The total changed from %s to %s since the session was last returned; review it and complete again.", s.formatAmount(before), s.formatAmount(sess.Totals.Total)))
	}
	if sess.Totals.Total != before || sess.Status != model.StatusReadyForPayment {
		return sess, s.save(ctx, sess, rec)
	}
	attempt := 1
	if sess.Payment != nil {
		attempt = sess.Payment.Attempt + 1
	}
	sess.Payment = &model.Payment{
		HandlerID:      handler.Descriptor().ID,
		CaptureMethod:  string(s.captureMethodOf(handler)),
		Attempt:        attempt,
		Amount:         sess.Totals.Total,
		Token:          in.Payment.Token,
		InstrumentType: in.Payment.InstrumentType,
		CredentialType: in.Payment.CredentialType,
		BillingAddress: in.Payment.BillingAddress,
	}
	addRequestKey(sess.Payment, requestKey(rec))
	sess.Status = model.StatusCompleteInProgress
	// Stock hook: the attempt is recorded together with its reservation;
	// when the units do not fit, nothing is charged.
	held, err := s.checkpointAttempt(ctx, sess)
	if err != nil {
		return nil, err
	}
	if !held {
		return sess, s.save(ctx, sess, rec)
	}
	return s.charge(ctx, sess, resumption{}, rec)
}

// resumeChallenge answers a complete of a session whose buyer was sent to
// the issuer's challenge page (UCP's requires_3ds escalation): the
// platform completes again once the buyer finished it, with no
// authentication result. The attempt resumes with the same idempotency
// key and the payment that waits for the challenge, so the handler reads
// its outcome and never charges again: authorized, declined, or still
// waiting (the same page is answered again). The resumption is recorded
// before the handler is called, like a first attempt.
func (s *Service) resumeChallenge(ctx context.Context, sess *model.Session, in CompleteInput, rec Recorder) (*model.Session, error) {
	notify(sess, append(in.Notices, unappliedOnResume(in)...))
	addRequestKey(sess.Payment, requestKey(rec))
	sess.Status = model.StatusCompleteInProgress
	if err := s.checkpoint(ctx, sess); err != nil {
		return nil, err
	}
	return s.charge(ctx, sess, resumption{paymentID: sess.Payment.PaymentID}, rec)
}

// resumption says how a charge call relates to its attempt.
type resumption struct {
	// resume: the attempt was started before and its outcome is unknown.
	resume bool
	// paymentID is the processor's reference for the attempt, when it
	// reported one.
	paymentID string
}

// handlerFor checks payment_data against the advertised handlers.
func (s *Service) handlerFor(p PaymentInput) (payment.Handler, error) {
	if p.HandlerID == "" {
		return nil, apierr.Invalid(apierr.CodeUnsupported, "$.payment_data",
			"Only payment handlers are accepted by this seller; purchase orders are not.")
	}
	h, ok := s.handlers[p.HandlerID]
	if !ok {
		return nil, apierr.Invalid(apierr.CodeUnknownHandler, "$.payment_data.handler_id",
			"Payment handler %q is not one this seller advertises in capabilities.payment.handlers.", p.HandlerID)
	}
	return h, nil
}

func applyCompleteInputs(sess *model.Session, in CompleteInput) {
	if in.Buyer != nil {
		sess.Buyer = in.Buyer
	}
	if in.OrderNotes != "" {
		sess.OrderNotes = in.OrderNotes
	}
	applyCompleteWriteOnly(sess, in)
}

// charge runs (or resumes) the session's recorded payment attempt, in
// the order money must move: authorize (Charge), place the order
// (fulfil), capture, then store the completed session. A refused or
// unplaceable order releases the money instead (release). Each step is
// checkpointed before the next, so a resumed attempt (the agent's next
// complete, the processor's webhook, the reconciler) picks up where the
// last one stopped and never authorizes or captures twice.
func (s *Service) charge(ctx context.Context, sess *model.Session, r resumption, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	h, ok := s.handlers[p.HandlerID]
	if !ok {
		return nil, fmt.Errorf("session %s: payment handler %q is no longer configured", sess.ID, p.HandlerID)
	}
	switch {
	case p.Release != "":
		return s.release(ctx, sess, h, rec)
	case p.State == model.PaymentCaptureFailed:
		return s.finishUnpaid(ctx, sess, rec)
	case p.State == model.PaymentAuthorized || p.State == model.PaymentCaptured:
		return s.fulfil(ctx, sess, h, rec)
	}
	// Stock hook: a catalog plugin holds the units before any money moves.
	if done, err := s.confirmPluginHold(ctx, sess, rec); done || err != nil {
		if err != nil {
			return nil, err
		}
		return sess, nil
	}
	res, err := h.Charge(ctx, s.chargeRequest(sess, r))
	if err != nil {
		// The outcome is unknown: the attempt stays open and the next
		// complete resumes it with the same idempotency key.
		return nil, apierr.Unavailable(apierr.CodePaymentUnavailable, fmt.Errorf("charge session %s: %w", sess.ID, err),
			"The payment could not be confirmed yet. Call complete again to finish it; it will not be charged twice.")
	}
	// A challenge page the buyer was sent to is done with, whatever the
	// outcome; one asked for again is set again below.
	sess.ContinueURL = ""
	switch res.Outcome {
	case payment.Succeeded, payment.Authorized:
		p.PaymentID, p.State = res.PaymentID, model.PaymentCaptured
		if res.Outcome == payment.Authorized {
			p.State = model.PaymentAuthorized
		}
		// The order must be placed by the deadline, counted from now (an
		// authentication may have taken a while), and before the token's
		// own expiry. Recorded before the order is placed, so that a
		// resumed attempt neither pays again nor moves the deadline.
		p.PlaceBy = s.now().UTC().Add(s.placementDeadline())
		if !res.CaptureBefore.IsZero() && res.CaptureBefore.Before(p.PlaceBy) {
			p.PlaceBy = res.CaptureBefore
		}
		if err := s.checkpoint(ctx, sess); err != nil {
			return nil, err
		}
		return s.fulfil(ctx, sess, h, rec)
	case payment.RequiresAuthentication:
		sess.Status = model.StatusAuthenticationRequired
		sess.AuthenticationMetadata = res.AuthenticationMetadata
		// A challenge page (asked for by redirect, UCP sessions only) is
		// where the buyer goes on: the session's continue_url until the
		// next complete reads the challenge's outcome.
		p.PaymentID = ""
		if res.ChallengeURL != "" && sess.UCP != nil {
			sess.ContinueURL, p.PaymentID = res.ChallengeURL, res.PaymentID
		}
	default:
		p.Token, p.AuthenticationOutcome, p.AuthenticationDetails = "", "", nil
		sess.Status = model.StatusReadyForPayment
		sess.AuthenticationMetadata = nil
		sess.Messages.AddError(acp.CodePaymentDeclined, "$.payment_data", res.Message, acp.ResolutionRecoverable)
	}
	return sess, s.save(ctx, sess, rec)
}

// chargeRequest is the handler's request for the session's attempt.
func (s *Service) chargeRequest(sess *model.Session, r resumption) *payment.ChargeRequest {
	p := sess.Payment
	req := &payment.ChargeRequest{
		SessionID:      sess.ID,
		OrderID:        orderIDFor(sess.ID),
		IdempotencyKey: attemptKey(sess),
		Resume:         r.resume,
		PaymentID:      r.paymentID,
		Amount:         payment.Money{Amount: p.Amount, Currency: sess.Currency},
		Instrument:     payment.Instrument{Type: p.InstrumentType, CredentialType: p.CredentialType, Token: p.Token},
		BillingAddress: p.BillingAddress,
		RiskSignals:    riskSignalsOf(sess),
		// ACP's authentication_result answers authentication_metadata;
		// UCP has no such member, its buyer goes to a challenge page.
		Supports3DS:       sess.UCP == nil && sess.Interventions.Supports("3ds"),
		ChallengeRedirect: sess.UCP != nil,
		Capture:           captureMethod(p),
	}
	if p.AuthenticationOutcome != "" {
		req.Authentication = &payment.AuthenticationResult{Outcome: p.AuthenticationOutcome, Details: p.AuthenticationDetails}
	}
	return req
}

// attemptKey is the idempotency key of the session's payment attempt.
func attemptKey(sess *model.Session) string {
	return sess.ID + ":attempt:" + strconv.Itoa(sess.Payment.Attempt)
}

// captureMethod is how the attempt takes the money. An attempt recorded
// before authorize-then-capture existed has none and was captured at once.
func captureMethod(p *model.Payment) payment.CaptureMethod {
	if p.CaptureMethod == string(payment.CaptureManual) {
		return payment.CaptureManual
	}
	return payment.CaptureImmediate
}

// fulfil places the order of a paid or authorized attempt, captures an
// authorization once the order is accepted, and stores the completed
// session with its order. A definitive refusal by the order system, or a
// placement still failing at the attempt's deadline, releases the money
// instead; a capture refused after the order was accepted cancels the
// order.
func (s *Service) fulfil(ctx context.Context, sess *model.Session, h payment.Handler, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	if !p.OrderAccepted {
		placed, err := s.opts.Capabilities.Fulfillment.PlaceOrder(ctx, s.placeOrderRequest(sess))
		if err != nil {
			return s.placementFailed(ctx, sess, h, err, rec)
		}
		p.OrderAccepted, p.OrderNumber, p.OrderPermalink = true, placed.OrderNumber, placed.PermalinkURL
		if p.State == model.PaymentAuthorized {
			// The capture comes next: a crash from here on resumes with
			// the capture, never with another placement or a void.
			if err := s.checkpoint(ctx, sess); err != nil {
				return nil, err
			}
		}
	}
	if p.State == model.PaymentAuthorized {
		err := h.Capture(ctx, settleRequest(sess, "order_accepted"))
		var refused *payment.Refusal
		switch {
		case errors.As(err, &refused):
			s.logger().Error("the capture was refused after the order was accepted; canceling the order", "session", sess.ID,
				"order", orderIDFor(sess.ID), "payment", p.PaymentID, "error", err.Error())
			p.State = model.PaymentCaptureFailed
			sess.Messages.AddError(acp.CodePaymentDeclined, "$.payment_data", msgCaptureFailed, acp.ResolutionBuyerInput)
		case err != nil:
			return nil, apierr.Unavailable(apierr.CodePaymentUnavailable, fmt.Errorf("capture session %s: %w", sess.ID, err),
				"The order was accepted but the payment could not be captured yet. Call complete again to finish it; it will not be charged twice.")
		default:
			p.State = model.PaymentCaptured
		}
	}
	return s.storeOrder(ctx, sess, rec)
}

// placementFailed answers a PlaceOrder error: a definitive refusal, or
// any failure at or after the attempt's deadline, releases the money; a
// failure that may pass keeps the attempt open for the next complete or
// the reconciler.
func (s *Service) placementFailed(ctx context.Context, sess *model.Session, h payment.Handler, err error, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	switch {
	case orderRefused(err):
		p.Release = ReleaseOrderRefused
		if reason := acp.AsError(err).Reason; reason == acp.CodeOutOfStock {
			p.Release = ReleaseOutOfStock
		}
	case !s.now().Before(p.PlaceBy):
		p.Release = ReleaseDeadline
	default:
		return nil, apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("place order %s: %w", orderIDFor(sess.ID), err),
			"The payment is held but the seller's order system could not record the order yet. Call complete again to finish it; it will not be charged twice.")
	}
	s.logger().Warn("the order was not placed; releasing the payment", "session", sess.ID, "order", orderIDFor(sess.ID),
		"release", p.Release, "error", err.Error())
	if err := s.checkpoint(ctx, sess); err != nil {
		return nil, err
	}
	return s.release(ctx, sess, h, rec)
}

// orderRefused reports whether a PlaceOrder error is the order system's
// definitive answer: a capability failure not marked retryable (the
// order-forward plugin marks so an intake's answer other than 2xx, 408,
// 425, 429 and 5xx), as opposed to a timeout, an unreachable plugin or a
// retryable failure.
func orderRefused(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var e *acp.Error
	return errors.As(err, &e) && !e.Retryable
}

func (s *Service) placementDeadline() time.Duration {
	if s.opts.PlacementDeadline > 0 {
		return s.opts.PlacementDeadline
	}
	return DefaultPlacementDeadline
}

// placeOrderRequest is the fulfillment capability's request for the
// session's order. The order id and key derive from the session id, so a
// resumed attempt places the same order.
func (s *Service) placeOrderRequest(sess *model.Session) *fulfillment.PlaceOrderRequest {
	orderID := orderIDFor(sess.ID)
	req := &fulfillment.PlaceOrderRequest{
		OrderID:           orderID,
		CheckoutSessionID: sess.ID,
		IdempotencyKey:    "place:" + orderID,
		Currency:          sess.Currency,
		Total:             sess.Payment.Amount,
		Destination:       orderDestination(sess),
		Groups:            orderGroups(sess),
		Discounts:         orderDiscounts(sess),
	}
	for _, l := range sess.Lines {
		req.Lines = append(req.Lines, fulfillment.Line{ID: l.ID, ItemID: l.ItemID, ProductID: l.ProductID, Title: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitAmount, Total: l.Total})
	}
	for _, sel := range sess.Selected {
		req.OptionIDs = append(req.OptionIDs, sel.OptionID)
	}
	if b := sess.Buyer; b != nil {
		first, last := b.Names()
		req.Buyer = &fulfillment.Buyer{FirstName: first, LastName: last, Email: b.Email, PhoneNumber: b.PhoneNumber}
	}
	if d := sess.FulfillmentDetails; d != nil {
		req.RecipientName, req.RecipientEmail, req.RecipientPhone = d.Name, d.Email, d.PhoneNumber
	}
	req.OrderNotes = sess.OrderNotes
	addOrderInsights(req, s.orderInsights(sess, s.now().UTC()))
	return req
}

// storeOrder stores the order the order system accepted with the
// completed session (and what rec records) in one transaction. An order
// whose capture was refused is stored with the session still in its
// attempt, then canceled (finishUnpaid), which tells the agent with an
// order event.
func (s *Service) storeOrder(ctx context.Context, sess *model.Session, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	orderID := orderIDFor(sess.ID)
	permalink := p.OrderPermalink
	if permalink == "" {
		permalink = strings.ReplaceAll(s.opts.OrderPermalinkTemplate, "{order_id}", orderID)
	}
	now := s.now().UTC()
	order := &model.Order{
		ID:                orderID,
		CheckoutSessionID: sess.ID,
		PermalinkURL:      permalink,
		Status:            model.OrderCreated,
		OrderNumber:       p.OrderNumber,
		Currency:          sess.Currency,
		Total:             p.Amount,
		Totals:            sess.Totals,
		PaymentID:         p.PaymentID,
		HandlerID:         p.HandlerID,
		PaymentState:      p.State,
		OrderNotes:        sess.OrderNotes,
		Insights:          s.orderInsights(sess, now),
		Agent:             sess.Agent,
		APIVersion:        sess.APIVersion,
		CreatedAt:         now,
		UpdatedAt:         now,
		UCP:               sess.UCP,
	}
	for _, l := range sess.Lines {
		ol := model.OrderLine{
			ID: l.ID, ProductID: l.ProductID, Title: l.Name, Ordered: l.Quantity, Current: l.Quantity,
			UnitPrice: l.UnitAmount, Subtotal: l.BaseAmount,
		}
		if len(l.Images) > 0 {
			ol.ImageURL = l.Images[0]
		}
		if sess.UCP != nil {
			// UCP's order names the item as the checkout did; an ACP
			// order's record stays in format 4 without it.
			ol.ItemID = l.ItemID
		}
		order.Lines = append(order.Lines, ol)
	}
	order.Fulfillments = plannedFulfillments(sess)
	if sess.Discounts != nil {
		order.Discounts = slices.Clone(sess.Discounts.Applied)
	}
	sess.Order = order.SessionCopy()
	p.Token, p.AuthenticationOutcome, p.AuthenticationDetails = "", "", nil
	sess.AuthenticationMetadata, sess.ContinueURL = nil, ""
	sess.UpdatedAt = now
	if p.State == model.PaymentCaptureFailed {
		// The order is stored (the agent hears of it and of its
		// cancellation) with a FailedOrder record, but the session stays
		// in its attempt until the order is canceled (finishUnpaid).
		failed := s.failedOrder(sess, MoneyOutcome{Cause: CauseCaptureRefused, State: p.State, Retrying: true}, orderID)
		clearWriteOnlyInsights(sess)
		err := s.storeSettled(ctx, sess, func(tx store.Tx) error {
			if err := s.opts.Orders.Placed(tx, order); err != nil {
				return err
			}
			if err := tx.PutFailedOrder(failed); err != nil {
				return err
			}
			return tx.PutSession(sess)
		})
		if err != nil {
			return nil, fmt.Errorf("store unpaid order of session %s: %w", sess.ID, err)
		}
		s.opts.Orders.Notify()
		return s.finishUnpaid(ctx, sess, rec)
	}
	sess.Status = model.StatusCompleted
	clearWriteOnlyInsights(sess)
	if err := s.commit(ctx, sess, rec, func(tx store.Tx) error { return s.opts.Orders.Placed(tx, order) }); err != nil {
		return nil, fmt.Errorf("store completed session %s: %w", sess.ID, err)
	}
	s.opts.Orders.Notify()
	s.reportAttributed(order)
	return sess, nil
}

// orderIDFor derives a session's order id, so that every attempt and
// resumption of the same payment names the same order.
func orderIDFor(sessionID string) string {
	return "ord_" + strings.TrimPrefix(sessionID, "cs_")
}

// notReady explains why a session cannot be paid yet, pointing at its
// first blocking message.
func notReady(sess *model.Session) *apierr.Error {
	for _, m := range sess.Messages {
		if m.Type == acp.MessageError {
			return apierr.Invalid(apierr.CodeSessionNotReady, m.Param, "Checkout session %s is not ready for payment: %s", sess.ID, m.Content)
		}
	}
	return apierr.Invalid(apierr.CodeSessionNotReady, "", "Checkout session %s is not ready for payment.", sess.ID)
}
