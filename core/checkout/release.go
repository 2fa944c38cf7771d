package checkout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// DefaultPlacementDeadline is how long an authorized payment waits for the
// order system by default before it is released.
const DefaultPlacementDeadline = 15 * time.Minute

// Why an attempt's money is released (model.Payment.Release).
const (
	// ReleaseOrderRefused: the order system refused the order for good.
	ReleaseOrderRefused = "order_refused"
	// ReleaseOutOfStock: the order system refused it as out of stock.
	ReleaseOutOfStock = "out_of_stock"
	// ReleaseDeadline: the order could not be placed by the deadline.
	ReleaseDeadline = "placement_deadline"
)

// CauseCaptureRefused is the MoneyOutcome cause of an order accepted by
// the order system whose capture the processor refused.
const CauseCaptureRefused = "capture_refused"

// Buyer-facing messages of the failure paths. A SharedPaymentToken is
// single use, so each tells the agent a new one is needed.
const (
	msgOrderRefused  = "The seller's order system refused this order, so the payment was not taken: the authorization was released (or, if it had been captured, refunded in full). Payment tokens are single use: complete again with a new payment token."
	msgOutOfStock    = "An item went out of stock before the order could be placed, so the payment was not taken: the authorization was released (or, if it had been captured, refunded in full). Review the cart; payment tokens are single use, so complete again with a new payment token."
	msgDeadline      = "The seller's order system could not record this order in time, so the payment was not taken: the authorization was released (or, if it had been captured, refunded in full). Payment tokens are single use: complete again with a new payment token."
	msgReleaseStuck  = "The order could not be placed and releasing the payment failed; the seller has been alerted and will release it. This checkout session is canceled so that it cannot be paid twice: start a new session to buy again."
	msgCancelStuck   = "The seller's order system could not confirm this order in time and did not cancel it, so the payment is still held; the seller has been alerted and will settle it. This checkout session is canceled so that it cannot be paid twice: start a new session to buy again."
	msgCancelLost    = "The seller's order system could not confirm this order in time and could not be reached to cancel it, so the payment is still held; the seller has been alerted and will settle it. This checkout session is canceled so that it cannot be paid twice: start a new session to buy again."
	msgCaptureFailed = "The order was accepted, but the payment could not be captured (the authorization expired or was refused), so the order was canceled and nothing was charged."
)

// OrderCanceler cancels a stored order whose payment could not be
// captured, through the fulfillment capability, and records the
// cancellation with its order event.
type OrderCanceler interface {
	// CancelUnpaid cancels the order; description is for the agent.
	CancelUnpaid(ctx context.Context, orderID, description string) error
}

// MoneyOutcome is what happened to an attempt's money when its order did
// not complete normally: released (voided or refunded), or captured
// without a live order. Reporters log it, count it, and raise it to the
// seller.
type MoneyOutcome struct {
	SessionID, OrderID, HandlerID, PaymentID string
	Amount                                   payment.Money
	// State is where the money is now: voided, refunded, capture_failed,
	// or authorized/captured when releasing it failed.
	State model.PaymentState
	// Cause is why: one of the Release constants, or "capture_refused".
	Cause string
	// Err is set when the seller must act: the money could not be
	// released, or the order could not be canceled.
	Err error
	// Retrying is set when the outcome is not final: canceling the order
	// failed in a way that may pass (Err says how), and is repeated by
	// the next complete or the reconciler, the money held meanwhile.
	Retrying bool
	// CancelFailed is set when the order could not be canceled at the
	// order system, which may keep it (Err says how): one of the Cancel
	// constants. It tells such an outcome from a release the processor
	// refused.
	CancelFailed string
}

// Why an order could not be canceled at the order system
// (MoneyOutcome.CancelFailed).
const (
	// CancelRefused: the order system refused the cancel for good.
	CancelRefused = "refused"
	// CancelUnreachable: the cancel kept failing in ways that may pass
	// (an outage, a timeout) until its deadline, one placement deadline
	// after its first failure.
	CancelUnreachable = "unreachable"
	// CancelUnsupported: the fulfillment capability cannot cancel orders
	// (or no order canceler is configured).
	CancelUnsupported = "unsupported"
)

// MoneyReporter hears every MoneyOutcome.
type MoneyReporter interface {
	ReportMoney(ctx context.Context, o MoneyOutcome)
}

// release gives back the money of an attempt whose order will not be
// placed (p.Release says why): it voids an authorization or refunds a
// payment captured at once, then returns the session to the agent,
// payable again with a new token. An attempt given up at its placement
// deadline first cancels its order at the order system (cancelUnplaced),
// which may have stored it without answering. A release whose outcome is
// unknown keeps the attempt open; the next complete or the reconciler
// repeats it. A release the processor refuses, or an order the order
// system refuses to cancel, cannot cancel, or cannot be reached to cancel
// within the cancel's deadline (cancelRetry), leaves the money where it
// is, raised to the seller, and cancels the session: paid again, it would
// be charged twice.
// The outcome is stored with its FailedOrder record.
func (s *Service) release(ctx context.Context, sess *model.Session, h payment.Handler, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	raised, err := s.cancelUnplaced(ctx, sess)
	if err != nil {
		return nil, err
	}
	var to model.PaymentState
	if raised == nil {
		switch p.State {
		case model.PaymentAuthorized:
			err, to = h.Void(ctx, settleRequest(sess, p.Release)), model.PaymentVoided
		case model.PaymentCaptured:
			err, to = h.Refund(ctx, settleRequest(sess, p.Release)), model.PaymentRefunded
		default:
			to = p.State // already released
		}
	}
	var refused *payment.Refusal
	if err != nil && !errors.As(err, &refused) {
		return nil, apierr.Unavailable(apierr.CodePaymentUnavailable, fmt.Errorf("release the payment of session %s: %w", sess.ID, err),
			"The order could not be placed and the payment is being released. Call complete again shortly to see the outcome; nothing will be charged.")
	}
	msg := msgOrderRefused
	switch p.Release {
	case ReleaseOutOfStock:
		msg = msgOutOfStock
	case ReleaseDeadline:
		msg = msgDeadline
	}
	outcome := MoneyOutcome{Cause: p.Release}
	switch {
	case raised != nil:
		// The order system may keep the order: the money stays held, and
		// the units count as sold (unitsSold) while the seller decides.
		outcome.Err, outcome.CancelFailed = raised.err, raised.why
		msg = msgCancelStuck
		if raised.why == CancelUnreachable {
			msg = msgCancelLost
		}
	case err != nil:
		// The processor refuses to give the money back: raise it.
		outcome.Err = err
		msg = msgReleaseStuck
	default:
		p.State = to
	}
	p.Token, p.AuthenticationOutcome, p.AuthenticationDetails = "", "", nil
	sess.AuthenticationMetadata, sess.ContinueURL = nil, ""
	sess.Status = model.StatusReadyForPayment
	code := acp.CodePaymentDeclined
	switch {
	case outcome.Err != nil:
		sess.Status = model.StatusCanceled
	case p.Release == ReleaseOutOfStock:
		sess.Status, code = model.StatusNotReadyForPayment, acp.CodeOutOfStock
	}
	sess.Messages.AddError(code, "$.payment_data", msg, acp.ResolutionBuyerInput)
	outcome.State = p.State
	failed := s.failedOrder(sess, outcome, "")
	sess.UpdatedAt = s.now().UTC()
	if err := s.commit(ctx, sess, rec, func(tx store.Tx) error { return tx.PutFailedOrder(failed) }); err != nil {
		return nil, fmt.Errorf("store session %s: %w", sess.ID, err)
	}
	s.report(ctx, sess, outcome)
	return sess, nil
}

// cancelFailure is an order the order system may keep: why says how the
// cancel failed (a Cancel constant), err what it answered.
type cancelFailure struct {
	why string
	err error
}

// cancelUnplaced cancels, before its money is released, the order of an
// attempt given up at its placement deadline: the order system's last
// answer was unknown (a timeout, an outage), so it may have stored the
// order. The cancel names the order the placement named; an order system
// that never saw it answers not found (an error with reason
// acp.CodeNotFound), which counts as canceled. Other attempts, an attempt
// whose money is already released, and one whose order was canceled
// already (Payment.OrderCanceled, stored before the money is released, so
// that an attempt resumed after a crash does not cancel again) have
// nothing to cancel.
//
// A cancel that may pass (unreachable, retryable) returns retry, a 503
// for the caller: the attempt stays complete_in_progress, the money held,
// and the next complete or the reconciler (every
// payments.reconcile_after) tries again, for one placement deadline after
// its first failure (cancelRetry). A cancel the order system refuses for
// good, one that still fails then, or one the fulfillment capability
// cannot make returns raised: the order may be kept, so the money must
// not be released without the seller.
func (s *Service) cancelUnplaced(ctx context.Context, sess *model.Session) (raised *cancelFailure, retry error) {
	p := sess.Payment
	if p.Release != ReleaseDeadline || p.OrderCanceled || (p.State != model.PaymentAuthorized && p.State != model.PaymentCaptured) {
		return nil, nil
	}
	orderID := orderIDFor(sess.ID)
	err := s.opts.Capabilities.Fulfillment.CancelOrder(ctx, &fulfillment.CancelOrderRequest{OrderID: orderID, Reason: ReleaseDeadline})
	if err == nil || acp.IsFinal(err, acp.CodeNotFound) {
		p.OrderCanceled = true
		if err := s.checkpoint(ctx, sess); err != nil {
			return nil, err
		}
		return nil, nil
	}
	err = fmt.Errorf("cancel order %s at the order system: %w", orderID, err)
	switch {
	case cannotCancel(err):
		return &cancelFailure{why: CancelUnsupported, err: err}, nil
	case orderRefused(err):
		return &cancelFailure{why: CancelRefused, err: err}, nil
	}
	giveUp, retry := s.cancelRetry(ctx, sess, MoneyOutcome{Cause: p.Release, State: p.State, Err: err, Retrying: true}, "",
		"The seller's order system could not record this order in time and is being asked to cancel it; the payment is held until it answers. Call complete again shortly to see the outcome; nothing will be charged twice.")
	if giveUp != nil {
		return &cancelFailure{why: CancelUnreachable, err: giveUp}, nil
	}
	return nil, retry
}

// cancelRetry handles a cancel of the attempt's order that failed in a
// way that may pass (o.Err): it is retried, by the next complete or the
// reconciler, until one placement deadline after its first failure. The
// first failure stores the attempt's FailedOrder record as retrying (the
// seller sees the case at once), each is logged and counted, and the
// caller answers retry, a 503 whose text is unavailable. Once the cancel
// deadline has passed, giveUp says so instead: the caller raises the case
// to the seller as a cancel that could not be made.
func (s *Service) cancelRetry(ctx context.Context, sess *model.Session, o MoneyOutcome, orderID, unavailable string) (giveUp, retry error) {
	p := sess.Payment
	now := s.now().UTC()
	first := now
	err := s.update(ctx, func(tx store.Tx) error {
		first = now
		// A record exists from the first failure (storeOrder writes the
		// capture-refused one just before the first cancel).
		f, err := tx.FailedOrder(sess.ID, p.Attempt)
		switch {
		case err == nil:
			first = f.CreatedAt
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("read failed-order record: %w", err)
		}
		return tx.PutFailedOrder(s.failedOrder(sess, o, orderID))
	})
	if err != nil {
		return nil, fmt.Errorf("record the failed cancel of session %s: %w", sess.ID, err)
	}
	if by := first.Add(s.placementDeadline()); !now.Before(by) {
		return fmt.Errorf("the order system could not be reached to cancel the order by %s (the last try: %w)", by.Format(time.RFC3339), o.Err), nil
	}
	s.report(ctx, sess, o)
	return nil, apierr.Unavailable(apierr.CodeUpstreamUnavailable, o.Err, "%s", unavailable)
}

// cannotCancel reports whether a cancel failed because the fulfillment
// capability cannot cancel orders at all: repeating it cannot pass.
func cannotCancel(err error) bool {
	var e *acp.Error
	return errors.Is(err, fulfillment.ErrNotImplemented) || errors.Is(err, acp.ErrNotOffered) || errors.Is(err, errNoCanceler) ||
		(errors.As(err, &e) && e.Reason == "unimplemented")
}

// errNoCanceler is the cancel failure when Options.OrderCanceler is unset.
var errNoCanceler = errors.New("no order canceler is configured: cancel the order by hand")

// finishUnpaid cancels the stored order of an attempt whose capture was
// refused, then stores the session completed with its FailedOrder record.
// Until the cancel has an answer the session stays complete_in_progress:
// a cancel that may pass answers 503 and is repeated by the next complete
// or the reconciler, logged and counted each time, for one placement
// deadline after its first failure (cancelRetry). One the order system
// refuses for good, one still failing then, and one that cannot be made
// (no order canceler, or a fulfillment capability without cancels) are
// raised to the seller: the order may be kept, and its units count as
// sold (unitsSold); a canceled order's units go back.
func (s *Service) finishUnpaid(ctx context.Context, sess *model.Session, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	orderID := orderIDFor(sess.ID)
	outcome := MoneyOutcome{Cause: CauseCaptureRefused, State: model.PaymentCaptureFailed}
	err := errNoCanceler
	if s.opts.OrderCanceler != nil {
		err = s.opts.OrderCanceler.CancelUnpaid(ctx, orderID, msgCaptureFailed)
	}
	if err != nil {
		err = fmt.Errorf("cancel order %s: %w", orderID, err)
		outcome.Err, outcome.CancelFailed = err, CancelRefused
		switch {
		case cannotCancel(err):
			outcome.CancelFailed = CancelUnsupported
		case cancelMayPass(err):
			retrying := outcome
			retrying.Retrying, retrying.CancelFailed = true, ""
			giveUp, retry := s.cancelRetry(ctx, sess, retrying, orderID,
				"The order was accepted but the payment could not be captured, and the order is being canceled. Call complete again shortly to see the outcome; nothing was charged.")
			if giveUp == nil {
				return nil, retry
			}
			outcome.Err, outcome.CancelFailed = giveUp, CancelUnreachable
		}
	} else {
		p.OrderCanceled = true
	}
	// The cancel refreshed the stored session's copy of the order.
	if err := s.opts.Store.View(ctx, func(r store.Reader) error {
		stored, err := r.Session(sess.ID)
		if err == nil {
			sess.Order = stored.Order
		}
		return err
	}); err != nil {
		return nil, fmt.Errorf("reload session %s: %w", sess.ID, err)
	}
	sess.Status = model.StatusCompleted
	failed := s.failedOrder(sess, outcome, orderID)
	sess.UpdatedAt = s.now().UTC()
	if err := s.commit(ctx, sess, rec, func(tx store.Tx) error { return tx.PutFailedOrder(failed) }); err != nil {
		return nil, fmt.Errorf("store completed session %s: %w", sess.ID, err)
	}
	s.report(ctx, sess, outcome)
	return sess, nil
}

// cancelMayPass reports whether a failed cancel of an unpaid order may
// pass if repeated: anything but an answer of the merchant API's 4xx kind
// (the order system refused, or the order is fulfilled already).
func cancelMayPass(err error) bool {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Status >= 500
	}
	return !orderRefused(err)
}

// failedOrder is the record of an attempt that ended without a kept
// order, as outcome says; orderID is the accepted order, if there was one.
func (s *Service) failedOrder(sess *model.Session, o MoneyOutcome, orderID string) *model.FailedOrder {
	p := sess.Payment
	f := &model.FailedOrder{
		SessionID: sess.ID, Attempt: p.Attempt, Agent: sess.Agent, OrderID: orderID, HandlerID: p.HandlerID, PaymentID: p.PaymentID,
		Amount: p.Amount, Currency: sess.Currency, Reason: failureReason(o.Cause), Money: o.State, CreatedAt: s.now().UTC(),
	}
	f.Detail = failureDetail(o, orderIDFor(sess.ID))
	return f
}

// failureReason maps an outcome's cause to the FailedOrder reason.
func failureReason(cause string) model.FailureReason {
	switch cause {
	case ReleaseDeadline:
		return model.FailurePlacementDeadline
	case CauseCaptureRefused:
		return model.FailureCaptureRefused
	}
	return model.FailureOrderRefused
}

// failureDetail says in words what happened to the order and the money,
// without personal data or the processor's text.
func failureDetail(o MoneyOutcome, orderID string) string {
	var order, money string
	switch o.Cause {
	case ReleaseOutOfStock:
		order = "The order system refused the order: out of stock."
	case ReleaseOrderRefused:
		order = "The order system refused the order."
	case ReleaseDeadline:
		order = "The order system did not accept the order by the placement deadline; order " + orderID + " was canceled there in case it had been stored."
		switch {
		case o.Retrying:
			order = "The order system did not accept the order by the placement deadline, and canceling order " + orderID + " there failed; the cancel is retried until one placement deadline after its first failure, and the money released once it succeeds."
		case o.CancelFailed == CancelRefused:
			order = "The order system did not accept the order by the placement deadline and refused to cancel order " + orderID + ": it may keep it, and its units count as sold."
		case o.CancelFailed == CancelUnreachable:
			order = "The order system did not accept the order by the placement deadline and could not be reached to cancel order " + orderID + " in time: it may keep it, and its units count as sold."
		case o.CancelFailed == CancelUnsupported:
			order = "The order system did not accept the order by the placement deadline and order " + orderID + " cannot be canceled there automatically: it may keep it, and its units count as sold."
		case o.Err != nil:
			order += " The processor refused to release the money."
		}
	case CauseCaptureRefused:
		order = "The order system accepted order " + orderID + " but the processor refused the capture; the order was canceled."
		switch {
		case o.Retrying:
			order = "The order system accepted order " + orderID + " but the processor refused the capture; canceling the order."
		case o.CancelFailed == CancelUnreachable:
			order = "The order system accepted order " + orderID + " but the processor refused the capture, and the order system could not be reached to cancel the order in time: cancel it by hand. Its units count as sold."
		case o.Err != nil:
			order = "The order system accepted order " + orderID + " but the processor refused the capture, and canceling the order failed: cancel it by hand. Its units count as sold."
		}
	}
	switch o.State {
	case model.PaymentVoided:
		money = "The authorization was voided."
	case model.PaymentRefunded:
		money = "The payment was refunded in full."
	case model.PaymentCaptureFailed:
		money = "Nothing was charged."
	case model.PaymentAuthorized:
		money = "The payment is still authorized: void it or capture it by hand."
		if o.Retrying {
			money = "The payment is still authorized."
		} else if o.CancelFailed != "" {
			money = "The authorization was left for the seller to void or capture by hand."
		}
	case model.PaymentCaptured:
		money = "The payment is still captured: refund it by hand."
		if o.Retrying {
			money = "The payment is still captured."
		}
	}
	return order + " " + money
}

// report logs a money outcome and passes it to the reporter.
func (s *Service) report(ctx context.Context, sess *model.Session, o MoneyOutcome) {
	p := sess.Payment
	o.SessionID, o.OrderID, o.HandlerID, o.PaymentID = sess.ID, orderIDFor(sess.ID), p.HandlerID, p.PaymentID
	o.Amount = payment.Money{Amount: p.Amount, Currency: sess.Currency}
	attrs := []any{"session", o.SessionID, "order", o.OrderID, "handler", o.HandlerID, "payment", o.PaymentID,
		"amount", o.Amount.String(), "money", string(o.State), "cause", o.Cause}
	switch {
	case o.Retrying:
		s.logger().Error("canceling the order failed; the payment stays held and the cancel is retried", append(attrs, "error", o.Err.Error())...)
	case o.Err != nil:
		s.logger().Error("payment needs the seller's attention", append(attrs, "error", o.Err.Error())...)
	default:
		s.logger().Warn("payment released: the order was not completed", attrs...)
	}
	if s.opts.MoneyReporter != nil {
		s.opts.MoneyReporter.ReportMoney(ctx, o)
	}
}

// settleRequest is the handler's capture, void or refund request for the
// session's attempt.
func settleRequest(sess *model.Session, reason string) *payment.SettleRequest {
	p := sess.Payment
	return &payment.SettleRequest{
		SessionID:      sess.ID,
		IdempotencyKey: attemptKey(sess),
		PaymentID:      p.PaymentID,
		Amount:         payment.Money{Amount: p.Amount, Currency: sess.Currency},
		Reason:         reason,
	}
}

// captureMethodOf is how the handler's new attempts take the money:
// CaptureManual unless configured otherwise.
func (s *Service) captureMethodOf(h payment.Handler) payment.CaptureMethod {
	if m, ok := s.opts.CaptureMethods[h.Descriptor().ID]; ok && m != "" {
		return m
	}
	return payment.CaptureManual
}

func (s *Service) logger() *slog.Logger {
	if s.opts.Logger != nil {
		return s.opts.Logger
	}
	return discardLogger
}

var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))
