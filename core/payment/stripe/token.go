package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/acp-sidecar/acp/core/payment"
)

// GrantedTokenPath is the granted-token retrieve path (STRIPE-NOTES §1.8).
const GrantedTokenPath = "/v1/shared_payment/granted_tokens/%s"

// GrantedToken is the part of a shared_payment.granted_token this handler
// reads; stripe-go v82 has no type for it.
type GrantedToken struct {
	stripego.APIResource
	ID                string `json:"id"`
	DeactivatedAt     int64  `json:"deactivated_at"`
	DeactivatedReason string `json:"deactivated_reason"`
	UsageLimits       *struct {
		Currency  string `json:"currency"`
		ExpiresAt int64  `json:"expires_at"`
		MaxAmount int64  `json:"max_amount"`
	} `json:"usage_limits"`
}

// retrieveToken reads a granted token through the SDK's backend.
func (h *Handler) retrieveToken(ctx context.Context, id string) (*GrantedToken, error) {
	p := &stripego.Params{Context: ctx}
	h.setVersion(p)
	var t GrantedToken
	err := h.backend.Call(http.MethodGet, stripego.FormatURLPath(GrantedTokenPath, id), h.cfg.SecretKey, p, &t)
	return &t, err
}

// checkToken returns a decline when the token cannot pay req, or nil and
// the token's expiry (zero when it has none) when the charge should go
// ahead.
//
// A consumed token goes ahead: it may have been consumed by this very
// attempt (an earlier call whose response was lost), and the create call
// with the same idempotency key then returns that PaymentIntent; if it was
// consumed elsewhere Stripe refuses it and the charge is declined anyway.
func (h *Handler) checkToken(ctx context.Context, req *payment.ChargeRequest, red redactor) (*payment.ChargeResult, time.Time, error) {
	t, err := h.retrieveToken(ctx, req.Instrument.Token)
	if err != nil {
		var se *stripego.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return declined(msgTokenUnusable + ": Stripe does not recognise it. " + msgTokenRetryAdvice), time.Time{}, nil
		}
		res, err := h.classify(err, "retrieve granted token", req, red)
		return res, time.Time{}, err
	}
	var expires time.Time
	if t.UsageLimits != nil && t.UsageLimits.ExpiresAt != 0 {
		expires = time.Unix(t.UsageLimits.ExpiresAt, 0)
	}
	reason := ""
	switch {
	case t.DeactivatedReason == "consumed":
		return nil, expires, nil
	case t.DeactivatedReason != "" || t.DeactivatedAt != 0:
		switch t.DeactivatedReason {
		case "expired":
			reason = "it has expired"
		case "":
			reason = "it has been deactivated"
		default:
			reason = "it has been " + t.DeactivatedReason
		}
	case t.UsageLimits == nil:
	case t.UsageLimits.ExpiresAt != 0 && t.UsageLimits.ExpiresAt <= time.Now().Unix():
		reason = "it has expired"
	case t.UsageLimits.Currency != "" && !strings.EqualFold(t.UsageLimits.Currency, req.Amount.Currency):
		reason = fmt.Sprintf("it allows payments in %s, not %s", strings.ToUpper(t.UsageLimits.Currency), strings.ToUpper(req.Amount.Currency))
	case t.UsageLimits.MaxAmount > 0 && req.Amount.Amount > t.UsageLimits.MaxAmount:
		reason = fmt.Sprintf("the total %d exceeds its allowance of %d (minor units)", req.Amount.Amount, t.UsageLimits.MaxAmount)
	}
	if reason == "" {
		return nil, expires, nil
	}
	return declined(msgTokenUnusable + ": " + reason + ". " + msgTokenRetryAdvice), time.Time{}, nil
}
