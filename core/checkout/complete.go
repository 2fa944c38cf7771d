package checkout

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
// with the session's final state (never with an intermediate one).
func (s *Service) Complete(ctx context.Context, agent, id string, in CompleteInput, rec Recorder) (*model.Session, error) {
	unlock := s.locks.lock(id)
	defer unlock()
	sess, err := s.Get(ctx, agent, id)
	if err != nil {
		return nil, err
	}
	switch sess.Status {
	case model.StatusCompleteInProgress:
		return s.charge(ctx, sess, resumption{resume: true}, rec)
	case model.StatusAuthenticationRequired:
		if in.Authentication == nil {
			return nil, apierr.Invalid(apierr.CodeRequires3DS, "$.authentication_result",
				"This checkout session requires issuer authentication. The request must include 'authentication_result' as provided by the issuer authentication flow.")
		}
		// The confirmation is recorded before the handler is called, like
		// a first attempt, so an unknown outcome is resumed, never redone.
		sess.Payment.AuthenticationOutcome = in.Authentication.Outcome
		sess.Payment.AuthenticationDetails = in.Authentication.Details
		sess.Status = model.StatusCompleteInProgress
		if err := s.checkpoint(ctx, sess); err != nil {
			return nil, err
		}
		return s.charge(ctx, sess, resumption{}, rec)
	case model.StatusNotReadyForPayment:
		return nil, notReady(sess)
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
	if sess.Totals.Total != before {
		sess.Messages.AddWarning(acp.CodePriceChange, "$.totals",
			fmt.Sprintf("The total changed from %d to %d since the session was last returned; review it and complete again.", before, sess.Totals.Total))
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
		Attempt:        attempt,
		Amount:         sess.Totals.Total,
		Token:          in.Payment.Token,
		InstrumentType: in.Payment.InstrumentType,
		CredentialType: in.Payment.CredentialType,
		BillingAddress: in.Payment.BillingAddress,
	}
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
	if in.Affiliate != nil {
		sess.WriteOnly.LastTouchAttribution = in.Affiliate
	}
	if in.MarketingConsents != nil {
		sess.WriteOnly.MarketingConsents = in.MarketingConsents
	}
	if in.RiskSignals != nil {
		sess.WriteOnly.RiskSignals = in.RiskSignals
	}
}

// charge runs (or resumes) the session's recorded payment attempt and
// stores its outcome with rec.
func (s *Service) charge(ctx context.Context, sess *model.Session, r resumption, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	h, ok := s.handlers[p.HandlerID]
	if !ok {
		return nil, fmt.Errorf("session %s: payment handler %q is no longer configured", sess.ID, p.HandlerID)
	}
	req := &payment.ChargeRequest{
		SessionID:      sess.ID,
		OrderID:        orderIDFor(sess.ID),
		IdempotencyKey: sess.ID + ":attempt:" + strconv.Itoa(p.Attempt),
		Resume:         r.resume,
		PaymentID:      r.paymentID,
		Amount:         payment.Money{Amount: p.Amount, Currency: sess.Currency},
		Instrument:     payment.Instrument{Type: p.InstrumentType, CredentialType: p.CredentialType, Token: p.Token},
		BillingAddress: p.BillingAddress,
		Supports3DS:    sess.Interventions.Supports("3ds"),
	}
	if p.AuthenticationOutcome != "" {
		req.Authentication = &payment.AuthenticationResult{Outcome: p.AuthenticationOutcome, Details: p.AuthenticationDetails}
	}
	res, err := h.Charge(ctx, req)
	if err != nil {
		// The outcome is unknown: the attempt stays open and the next
		// complete resumes it with the same idempotency key.
		return nil, apierr.Unavailable(apierr.CodePaymentUnavailable, fmt.Errorf("charge session %s: %w", sess.ID, err),
			"The payment could not be confirmed yet. Call complete again to finish it; it will not be charged twice.")
	}
	switch res.Outcome {
	case payment.Succeeded:
		return s.placeOrder(ctx, sess, res.PaymentID, rec)
	case payment.RequiresAuthentication:
		sess.Status = model.StatusAuthenticationRequired
		sess.AuthenticationMetadata = res.AuthenticationMetadata
	default:
		p.Token, p.AuthenticationOutcome, p.AuthenticationDetails = "", "", nil
		sess.Status = model.StatusReadyForPayment
		sess.AuthenticationMetadata = nil
		sess.Messages.AddError(acp.CodePaymentDeclined, "$.payment_data", res.Message, acp.ResolutionRecoverable)
	}
	return sess, s.save(ctx, sess, rec)
}

// placeOrder records the order with the fulfillment capability and stores
// it with the completed session (and what rec records) in one
// transaction. The order id is derived from the session id, so a resumed
// attempt places the same order.
func (s *Service) placeOrder(ctx context.Context, sess *model.Session, paymentID string, rec Recorder) (*model.Session, error) {
	orderID := orderIDFor(sess.ID)
	req := &fulfillment.PlaceOrderRequest{
		OrderID:           orderID,
		CheckoutSessionID: sess.ID,
		IdempotencyKey:    "place:" + orderID,
		Currency:          sess.Currency,
		Total:             sess.Payment.Amount,
		Destination:       destination(sess),
	}
	for _, l := range sess.Lines {
		req.Lines = append(req.Lines, fulfillment.Line{ID: l.ID, ItemID: l.ItemID, Title: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitAmount, Total: l.Total})
	}
	for _, sel := range sess.Selected {
		req.OptionIDs = append(req.OptionIDs, sel.OptionID)
	}
	if b := sess.Buyer; b != nil {
		first, last := b.Names()
		req.Buyer = &fulfillment.Buyer{FirstName: first, LastName: last, Email: b.Email, PhoneNumber: b.PhoneNumber}
	}
	placed, err := s.opts.Capabilities.Fulfillment.PlaceOrder(ctx, req)
	if err != nil {
		return nil, apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("place order %s: %w", orderID, err),
			"The payment succeeded but the order could not be recorded yet. Call complete again to finish it; it will not be charged twice.")
	}
	permalink := placed.PermalinkURL
	if permalink == "" {
		permalink = strings.ReplaceAll(s.opts.OrderPermalinkTemplate, "{order_id}", orderID)
	}
	now := s.now().UTC()
	order := &model.Order{
		ID:                orderID,
		CheckoutSessionID: sess.ID,
		PermalinkURL:      permalink,
		Status:            model.OrderCreated,
		OrderNumber:       placed.OrderNumber,
		Currency:          sess.Currency,
		Total:             sess.Payment.Amount,
		Totals:            sess.Totals,
		PaymentID:         paymentID,
		HandlerID:         sess.Payment.HandlerID,
		OrderNotes:        sess.OrderNotes,
		Agent:             sess.Agent,
		APIVersion:        sess.APIVersion,
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	for _, l := range sess.Lines {
		ol := model.OrderLine{
			ID: l.ID, ProductID: l.ItemID, Title: l.Name, Ordered: l.Quantity, Current: l.Quantity,
			UnitPrice: l.UnitAmount, Subtotal: l.BaseAmount,
		}
		if len(l.Images) > 0 {
			ol.ImageURL = l.Images[0]
		}
		order.Lines = append(order.Lines, ol)
	}
	sess.Status = model.StatusCompleted
	sess.Order = order
	sess.Payment.PaymentID = paymentID
	sess.Payment.Token, sess.Payment.AuthenticationOutcome, sess.Payment.AuthenticationDetails = "", "", nil
	sess.AuthenticationMetadata = nil
	sess.UpdatedAt = now
	if err := s.commit(ctx, sess, rec, func(tx store.Tx) error { return s.opts.Orders.Placed(tx, order) }); err != nil {
		return nil, fmt.Errorf("store completed session %s: %w", sess.ID, err)
	}
	s.opts.Orders.Notify()
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
