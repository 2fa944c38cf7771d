package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"

	"github.com/acp-sidecar/acp/core/internal/text"
	"github.com/acp-sidecar/acp/core/payment"
)

// Token suffixes that choose an outcome.
const (
	DeclineSuffix = "_decline"
	ThreeDSSuffix = "_3ds"
)

// Config configures a sandbox handler.
type Config struct {
	// ID is the handler id agents send as payment_data.handler_id.
	ID string
	// DisplayName is shown to buyers.
	DisplayName string
	// MerchantID is advertised as config.merchant_id.
	MerchantID string
	// AcceptedBrands are advertised as config.accepted_brands.
	AcceptedBrands []string
	// MerchantName is used in the 3DS authentication metadata.
	MerchantName string
}

// Handler is the sandbox payment handler.
type Handler struct {
	cfg Config

	mu     sync.Mutex
	ledger map[string]*payment.ChargeResult
	// charges counts successful charges, for tests.
	charges int
}

// Interface guard.
var _ payment.Handler = (*Handler)(nil)

// New returns a sandbox handler.
func New(cfg Config) *Handler {
	return &Handler{cfg: cfg, ledger: map[string]*payment.ChargeResult{}}
}

// Descriptor advertises the handler in the dev.acp.tokenized.card shape
// with psp and environment "sandbox".
func (h *Handler) Descriptor() payment.Descriptor {
	return payment.TokenizedCard(h.cfg.ID, h.cfg.DisplayName, "sandbox", map[string]any{
		"merchant_id":     h.cfg.MerchantID,
		"psp":             "sandbox",
		"accepted_brands": h.cfg.AcceptedBrands,
		"supports_3ds":    true,
		"environment":     "sandbox",
	})
}

// Charge decides the outcome from the token and records it by key.
func (h *Handler) Charge(_ context.Context, req *payment.ChargeRequest) (*payment.ChargeResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	prev := h.ledger[req.IdempotencyKey]
	if prev != nil && prev.Outcome != payment.RequiresAuthentication {
		return prev, nil
	}
	res := h.decide(req, prev != nil)
	h.ledger[req.IdempotencyKey] = res
	if res.Outcome == payment.Succeeded {
		h.charges++
	}
	return res, nil
}

// Charges returns how many charges succeeded.
func (h *Handler) Charges() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.charges
}

func (h *Handler) decide(req *payment.ChargeRequest, authRequested bool) *payment.ChargeResult {
	token := req.Instrument.Token
	switch {
	case token == "":
		return &payment.ChargeResult{Outcome: payment.Declined, Message: "The payment credential is empty."}
	case strings.HasSuffix(token, DeclineSuffix):
		return &payment.ChargeResult{Outcome: payment.Declined, Message: "The card was declined. Please use a different payment method."}
	case strings.HasSuffix(token, ThreeDSSuffix) && !authRequested:
		if !req.Supports3DS {
			return &payment.ChargeResult{Outcome: payment.Declined, Message: "The card issuer requires 3D Secure authentication, which this agent did not declare it supports."}
		}
		return &payment.ChargeResult{Outcome: payment.RequiresAuthentication, AuthenticationMetadata: h.authenticationMetadata()}
	case strings.HasSuffix(token, ThreeDSSuffix):
		if req.Authentication == nil {
			return &payment.ChargeResult{Outcome: payment.RequiresAuthentication, AuthenticationMetadata: h.authenticationMetadata()}
		}
		switch req.Authentication.Outcome {
		case "authenticated", "attempt_acknowledged":
		default:
			return &payment.ChargeResult{Outcome: payment.Declined, Message: "3D Secure authentication did not succeed (" + req.Authentication.Outcome + "). Please try again or use a different payment method."}
		}
	}
	return &payment.ChargeResult{Outcome: payment.Succeeded, PaymentID: paymentID(req.IdempotencyKey)}
}

// paymentID derives a stable, opaque payment reference from the key.
func paymentID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sbx_pay_" + hex.EncodeToString(sum[:12])
}

func (h *Handler) authenticationMetadata() json.RawMessage {
	md := map[string]any{
		"acquirer_details": map[string]any{
			"acquirer_bin":         "400000",
			"acquirer_country":     "US",
			"acquirer_merchant_id": text.Truncate(h.cfg.MerchantID, 35),
			"merchant_name":        text.Truncate(h.cfg.MerchantName, 40),
		},
		"directory_server": "visa",
		"flow_preference":  map[string]any{"type": "challenge", "challenge": map[string]any{"type": "preferred"}},
	}
	data, _ := json.Marshal(md) // a map of strings always marshals
	return data
}
