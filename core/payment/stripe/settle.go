package stripe

import (
	"context"
	"errors"
	"fmt"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/acp-sidecar/acp/core/payment"
)

// Capture captures the attempt's authorized PaymentIntent under
// key+CaptureKeySuffix (STRIPE-NOTES §1.10). A PaymentIntent that is
// already captured is success; one that was canceled (or whose
// authorization expired) is a *payment.Refusal.
func (h *Handler) Capture(ctx context.Context, req *payment.SettleRequest) error {
	p := &stripego.PaymentIntentCaptureParams{}
	p.Context = ctx
	p.SetIdempotencyKey(req.IdempotencyKey + CaptureKeySuffix)
	h.setVersion(&p.Params)
	_, err := h.sc.V1PaymentIntents.Capture(ctx, req.PaymentID, p)
	return h.settled(ctx, "capture", req, err, stripego.PaymentIntentStatusSucceeded)
}

// Void cancels the attempt's PaymentIntent under key+VoidKeySuffix,
// releasing the authorization. One already canceled is success; a
// captured one is a *payment.Refusal.
func (h *Handler) Void(ctx context.Context, req *payment.SettleRequest) error {
	p := &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String(string(stripego.PaymentIntentCancellationReasonAbandoned))}
	p.Context = ctx
	p.SetIdempotencyKey(req.IdempotencyKey + VoidKeySuffix)
	h.setVersion(&p.Params)
	_, err := h.sc.V1PaymentIntents.Cancel(ctx, req.PaymentID, p)
	return h.settled(ctx, "void", req, err, stripego.PaymentIntentStatusCanceled)
}

// Refund refunds the attempt's captured PaymentIntent in full under
// key+RefundKeySuffix. A charge already refunded is success.
func (h *Handler) Refund(ctx context.Context, req *payment.SettleRequest) error {
	p := &stripego.RefundCreateParams{PaymentIntent: stripego.String(req.PaymentID)}
	p.Context = ctx
	p.AddMetadata(MetadataSessionID, req.SessionID)
	p.AddMetadata(MetadataIdempotencyKey, req.IdempotencyKey)
	p.SetIdempotencyKey(req.IdempotencyKey + RefundKeySuffix)
	h.setVersion(&p.Params)
	_, err := h.sc.V1Refunds.Create(ctx, p)
	var se *stripego.Error
	if errors.As(err, &se) && se.Code == stripego.ErrorCodeChargeAlreadyRefunded {
		return nil
	}
	return h.settled(ctx, "refund", req, err, "")
}

// settled maps the error of a capture, void or refund call: nil is done;
// a PaymentIntent in an unexpected state is done when it is already in
// want, else refused; any other 4xx is refused; anything else leaves the
// outcome unknown.
func (h *Handler) settled(ctx context.Context, op string, req *payment.SettleRequest, err error, want stripego.PaymentIntentStatus) error {
	if err == nil {
		return nil
	}
	var se *stripego.Error
	if !errors.As(err, &se) || se.HTTPStatusCode >= 500 || se.HTTPStatusCode == 409 || se.HTTPStatusCode == 429 ||
		se.HTTPStatusCode == 401 || se.HTTPStatusCode == 403 || se.Type == stripego.ErrorTypeIdempotency {
		return &chargeError{msg: fmt.Sprintf("stripe %s of %s for session %s: %s", op, req.PaymentID, req.SessionID, err), cause: contextCause(err)}
	}
	if se.Code == stripego.ErrorCodePaymentIntentUnexpectedState && want != "" {
		rp := &stripego.PaymentIntentRetrieveParams{}
		rp.Context = ctx
		h.setVersion(&rp.Params)
		pi, rerr := h.sc.V1PaymentIntents.Retrieve(ctx, req.PaymentID, rp)
		if rerr != nil {
			return &chargeError{msg: fmt.Sprintf("stripe %s of %s for session %s: look the payment intent up: %s", op, req.PaymentID, req.SessionID, rerr), cause: contextCause(rerr)}
		}
		if pi.Status == want {
			return nil
		}
		return &payment.Refusal{Op: op, Reason: fmt.Sprintf("payment intent %s is %s", pi.ID, pi.Status)}
	}
	return &payment.Refusal{Op: op, Reason: fmt.Sprintf("Stripe answered %d %s: %s", se.HTTPStatusCode, se.Code, se.Msg)}
}
