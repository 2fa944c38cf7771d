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
	// CaptureFailSuffix authorizes, but the capture is refused (as when
	// the authorization expired before the order was accepted).
	CaptureFailSuffix = "_capturefail"
)

// Steps the sandbox records per attempt (Steps).
const (
	StepAuthorize = "authorize"
	StepCharge    = "charge"
	StepCapture   = "capture"
	StepVoid      = "void"
	StepRefund    = "refund"
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
	// UCP, when set, offers the handler over UCP (UCPHandler); nil keeps
	// it to ACP.
	UCP *UCPConfig
}

// UCPConfig offers a sandbox handler over UCP as a processor tokenizer
// whose tokens are the sandbox's test tokens.
type UCPConfig struct {
	// Name is the handler's registry key; payment.UCPProcessorTokenizer
	// when empty.
	Name string
	// ChallengeReturnURL, when set, is where a UCP buyer is sent when a
	// token asks for 3DS (ThreeDSSuffix): with no issuer to challenge
	// them, straight to the page a challenge would return to. The session
	// answers requires_escalation with it, and the next complete
	// succeeds, the sandbox taking the challenge as passed. Empty: such a
	// token is declined over UCP.
	ChallengeReturnURL string
}

// Handler is the sandbox payment handler.
type Handler struct {
	cfg Config

	mu     sync.Mutex
	ledger map[string]*entry
	// charges counts successful charges, for tests.
	charges int
}

// entry is one attempt: its outcome, the token it was paid with, and
// the money steps that ran (authorize or charge, then capture, void or
// refund), for tests.
type entry struct {
	res   *payment.ChargeResult
	token string
	steps []string
}

// state is what the attempt's money is now: the last step.
func (e *entry) state() string {
	if len(e.steps) == 0 {
		return ""
	}
	return e.steps[len(e.steps)-1]
}

// Interface guard.
var _ payment.Handler = (*Handler)(nil)

// New returns a sandbox handler.
func New(cfg Config) *Handler {
	return &Handler{cfg: cfg, ledger: map[string]*entry{}}
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

// Interface guard.
var _ payment.UCPDescriber = (*Handler)(nil)

// UCPHandler describes the handler as a processor tokenizer when it is
// offered over UCP: card instruments of the accepted brands, and a config
// with environment and psp "sandbox", business_id (the merchant id) and
// supports_3ds (whether a challenge page is configured).
func (h *Handler) UCPHandler() (payment.UCPHandler, bool) {
	u := h.cfg.UCP
	if u == nil {
		return payment.UCPHandler{}, false
	}
	return payment.ProcessorTokenizer(u.Name, h.cfg.ID, h.cfg.AcceptedBrands, map[string]any{
		"environment":  "sandbox",
		"business_id":  h.cfg.MerchantID,
		"psp":          "sandbox",
		"supports_3ds": u.ChallengeReturnURL != "",
	}), true
}

// Charge decides the outcome from the token and records it by key. With
// payment.CaptureManual a success is an authorization.
func (h *Handler) Charge(_ context.Context, req *payment.ChargeRequest) (*payment.ChargeResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	prev := h.ledger[req.IdempotencyKey]
	if prev != nil && prev.res.Outcome != payment.RequiresAuthentication {
		res := *prev.res
		if res.Outcome == payment.Authorized && prev.state() == StepCapture {
			res.Outcome = payment.Succeeded
		}
		return &res, nil
	}
	res := h.decide(req, prev != nil)
	e := &entry{res: res, token: req.Instrument.Token}
	switch {
	case res.Outcome == payment.Succeeded && req.Capture == payment.CaptureManual:
		res.Outcome = payment.Authorized
		e.steps = append(e.steps, StepAuthorize)
	case res.Outcome == payment.Succeeded:
		e.steps = append(e.steps, StepCharge)
		h.charges++
	}
	h.ledger[req.IdempotencyKey] = e
	return res, nil
}

// Capture takes an authorization's money; a token ending in
// CaptureFailSuffix is refused, as is a voided authorization.
func (h *Handler) Capture(_ context.Context, req *payment.SettleRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, err := h.entryFor("capture", req)
	if err != nil {
		return err
	}
	switch e.state() {
	case StepCapture, StepCharge:
		return nil
	case StepVoid:
		return &payment.Refusal{Op: "capture", Reason: "the authorization was voided"}
	}
	if strings.HasSuffix(e.token, CaptureFailSuffix) {
		return &payment.Refusal{Op: "capture", Reason: "the authorization has expired"}
	}
	e.steps = append(e.steps, StepCapture)
	h.charges++
	return nil
}

// Void releases an authorization; a captured payment cannot be voided.
func (h *Handler) Void(_ context.Context, req *payment.SettleRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, err := h.entryFor("void", req)
	if err != nil {
		return err
	}
	switch e.state() {
	case StepVoid:
		return nil
	case StepCapture, StepCharge, StepRefund:
		return &payment.Refusal{Op: "void", Reason: "the payment was captured"}
	}
	e.steps = append(e.steps, StepVoid)
	return nil
}

// Refund gives back a captured payment.
func (h *Handler) Refund(_ context.Context, req *payment.SettleRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, err := h.entryFor("refund", req)
	if err != nil {
		return err
	}
	switch e.state() {
	case StepRefund:
		return nil
	case StepCapture, StepCharge:
		e.steps = append(e.steps, StepRefund)
		h.charges--
		return nil
	}
	return &payment.Refusal{Op: "refund", Reason: "nothing was captured"}
}

// entryFor finds the attempt a settle request is about; the caller holds
// h.mu.
func (h *Handler) entryFor(op string, req *payment.SettleRequest) (*entry, error) {
	e := h.ledger[req.IdempotencyKey]
	if e == nil || e.res.PaymentID != req.PaymentID || req.PaymentID == "" {
		return nil, &payment.Refusal{Op: op, Reason: "no such payment " + req.PaymentID}
	}
	return e, nil
}

// Charges returns how many payments hold captured money now: charged or
// captured, and not refunded.
func (h *Handler) Charges() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.charges
}

// Steps returns the money steps of the attempt with the idempotency key,
// in order: authorize or charge, then capture, void or refund.
func (h *Handler) Steps(key string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.ledger[key]; e != nil {
		return append([]string(nil), e.steps...)
	}
	return nil
}

func (h *Handler) decide(req *payment.ChargeRequest, authRequested bool) *payment.ChargeResult {
	token := req.Instrument.Token
	switch {
	case token == "":
		return &payment.ChargeResult{Outcome: payment.Declined, Message: "The payment credential is empty."}
	case strings.HasSuffix(token, DeclineSuffix):
		return &payment.ChargeResult{Outcome: payment.Declined, Message: "The card was declined. Please use a different payment method."}
	case strings.HasSuffix(token, ThreeDSSuffix) && req.ChallengeRedirect:
		switch {
		case authRequested:
			// The buyer was sent to the challenge page: taken as passed.
		case h.cfg.UCP == nil || h.cfg.UCP.ChallengeReturnURL == "":
			return &payment.ChargeResult{Outcome: payment.Declined, Message: "The card issuer requires 3D Secure authentication, which this seller does not offer for this handler."}
		default:
			return &payment.ChargeResult{Outcome: payment.RequiresAuthentication, ChallengeURL: h.cfg.UCP.ChallengeReturnURL, PaymentID: paymentID(req.IdempotencyKey)}
		}
	case strings.HasSuffix(token, ThreeDSSuffix) && !authRequested:
		if !req.Supports3DS {
			return &payment.ChargeResult{Outcome: payment.Declined, Message: "The card issuer requires 3D Secure authentication, which this checkout session cannot carry out."}
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
