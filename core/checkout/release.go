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
	"github.com/acp-sidecar/acp/sdk/acp"
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

// Buyer-facing messages of the failure paths. A SharedPaymentToken is
// single use, so each tells the agent a new one is needed.
const (
	msgOrderRefused  = "The seller's order system refused this order, so the payment was not taken: the authorization was released (or, if it had been captured, refunded in full). Payment tokens are single use: complete again with a new payment token."
	msgOutOfStock    = "An item went out of stock before the order could be placed, so the payment was not taken: the authorization was released (or, if it had been captured, refunded in full). Review the cart; payment tokens are single use, so complete again with a new payment token."
	msgDeadline      = "The seller's order system could not record this order in time, so the payment was not taken: the authorization was released (or, if it had been captured, refunded in full). Payment tokens are single use: complete again with a new payment token."
	msgReleaseStuck  = "The order could not be placed and releasing the payment failed; the seller has been alerted and will release it. This checkout session is canceled so that it cannot be paid twice: start a new session to buy again."
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
}

// MoneyReporter hears every MoneyOutcome.
type MoneyReporter interface {
	ReportMoney(ctx context.Context, o MoneyOutcome)
}

// release gives back the money of an attempt whose order will not be
// placed (p.Release says why): it voids an authorization or refunds a
// payment captured at once, then returns the session to the agent,
// payable again with a new token. A release whose outcome is unknown
// keeps the attempt open; the next complete or the reconciler repeats it.
// A release the processor refuses leaves the money where it is, raised to
// the seller, and cancels the session: paid again, it would be charged
// twice.
func (s *Service) release(ctx context.Context, sess *model.Session, h payment.Handler, rec Recorder) (*model.Session, error) {
	p := sess.Payment
	var err error
	var to model.PaymentState
	switch p.State {
	case model.PaymentAuthorized:
		err, to = h.Void(ctx, settleRequest(sess, p.Release)), model.PaymentVoided
	case model.PaymentCaptured:
		err, to = h.Refund(ctx, settleRequest(sess, p.Release)), model.PaymentRefunded
	default:
		to = p.State // already released
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
	if err != nil {
		// The processor refuses to give the money back: raise it.
		outcome.Err = err
		msg = msgReleaseStuck
	} else {
		p.State = to
	}
	p.Token, p.AuthenticationOutcome, p.AuthenticationDetails = "", "", nil
	sess.AuthenticationMetadata = nil
	sess.Status = model.StatusReadyForPayment
	code := acp.CodePaymentDeclined
	switch {
	case outcome.Err != nil:
		sess.Status = model.StatusCanceled
	case p.Release == ReleaseOutOfStock:
		sess.Status, code = model.StatusNotReadyForPayment, acp.CodeOutOfStock
	}
	sess.Messages.AddError(code, "$.payment_data", msg, acp.ResolutionBuyerInput)
	if err := s.save(ctx, sess, rec); err != nil {
		return nil, err
	}
	outcome.State = p.State
	s.report(ctx, sess, outcome)
	return sess, nil
}

// cancelUnpaid cancels the stored order of an attempt whose capture was
// refused, and reports it.
func (s *Service) cancelUnpaid(ctx context.Context, sess *model.Session) {
	outcome := MoneyOutcome{Cause: "capture_refused", State: model.PaymentCaptureFailed}
	if s.opts.OrderCanceler == nil {
		outcome.Err = errors.New("no order canceler is configured: cancel the order by hand")
	} else if err := s.opts.OrderCanceler.CancelUnpaid(ctx, orderIDFor(sess.ID), msgCaptureFailed); err != nil {
		outcome.Err = fmt.Errorf("cancel order %s: %w", orderIDFor(sess.ID), err)
	}
	s.report(ctx, sess, outcome)
}

// report logs a money outcome and passes it to the reporter.
func (s *Service) report(ctx context.Context, sess *model.Session, o MoneyOutcome) {
	p := sess.Payment
	o.SessionID, o.OrderID, o.HandlerID, o.PaymentID = sess.ID, orderIDFor(sess.ID), p.HandlerID, p.PaymentID
	o.Amount = payment.Money{Amount: p.Amount, Currency: sess.Currency}
	attrs := []any{"session", o.SessionID, "order", o.OrderID, "handler", o.HandlerID, "payment", o.PaymentID,
		"amount", o.Amount.String(), "money", string(o.State), "cause", o.Cause}
	if o.Err != nil {
		s.logger().Error("payment needs the seller's attention", append(attrs, "error", o.Err.Error())...)
	} else {
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
