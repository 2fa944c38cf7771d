package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/acp-sidecar/acp/core/payment"
)

// TokenParam is the PaymentIntent create parameter that carries the
// granted token (STRIPE-NOTES §1.3, §2.6: it moved once already, so it is
// named in this one place).
const TokenParam = "payment_method_data[shared_payment_granted_token]"

// Idempotency-key suffixes for the calls that follow the create call of an
// attempt, so that each is idempotent on its own.
const (
	// ConfirmKeySuffix marks the confirmation after 3DS.
	ConfirmKeySuffix = ":confirm"
	// CancelKeySuffix marks the cancellation of a PaymentIntent that asks
	// for 3DS the agent cannot perform.
	CancelKeySuffix = ":cancel"
	// CaptureKeySuffix, VoidKeySuffix and RefundKeySuffix mark the
	// capture, the release and the refund of an attempt's PaymentIntent.
	CaptureKeySuffix = ":capture"
	VoidKeySuffix    = ":void"
	RefundKeySuffix  = ":refund"
)

// Metadata keys set on every PaymentIntent, for reconciliation and
// webhooks.
const (
	MetadataSessionID      = "acp_checkout_session_id"
	MetadataOrderID        = "acp_order_id"
	MetadataIdempotencyKey = "acp_idempotency_key"
)

// DefaultAPIBaseURL is Stripe's API.
const DefaultAPIBaseURL = "https://api.stripe.com"

// Config configures a Stripe handler.
type Config struct {
	// ID is the handler id agents send as payment_data.handler_id.
	ID string
	// DisplayName is shown to buyers.
	DisplayName string
	// MerchantID is the Stripe account id (acct_…), advertised as
	// config.merchant_id.
	MerchantID string
	// AcceptedBrands are advertised as config.accepted_brands.
	AcceptedBrands []string
	// SecretKey is the Stripe secret (or restricted) key. Never logged.
	SecretKey string
	// StripeVersion, when set, is sent as Stripe-Version on this handler's
	// calls, which all carry, read or act on the token (STRIPE-NOTES §1.9);
	// empty keeps the SDK's pinned version.
	StripeVersion string
	// CheckToken retrieves the granted token before charging and reports a
	// clear decline (expired, revoked, wrong currency, amount over the
	// allowance) instead of a doomed charge.
	CheckToken bool
	// APIBaseURL is Stripe's API by default; a local fake server or an
	// egress proxy in tests.
	APIBaseURL string
	// AuthenticationMetadata is the ACP authentication_metadata returned
	// when Stripe asks for 3DS (requires_action). Without it such a charge
	// is declined, since the agent could not authenticate.
	AuthenticationMetadata json.RawMessage
	// External3DS passes a successful ACP authentication_result to Stripe
	// as external 3DS data (payment_method_options[card][three_d_secure]).
	// STRIPE-NOTES §1.7: unverified against live Stripe with granted
	// tokens.
	External3DS bool
	// HTTPClient is optional, e.g. for timeouts in tests.
	HTTPClient *http.Client
	// MaxNetworkRetries is how often stripe-go retries a call that failed
	// in the network or with a retryable status, with the same
	// idempotency key; nil keeps the SDK's default of 2.
	MaxNetworkRetries *int64
	// UCP, when set, offers the handler over UCP as a processor
	// tokenizer (UCPHandler); nil keeps it to ACP.
	UCP *UCPConfig
}

// UCPConfig offers a Stripe handler over UCP as a processor tokenizer:
// the platform has the buyer's card tokenized as a Stripe PaymentMethod
// with the publishable key, and completes with a card instrument whose
// credential is {type: payment.CredentialToken, token: "pm_…"}.
type UCPConfig struct {
	// Name is the handler's registry key; payment.UCPProcessorTokenizer
	// when empty.
	Name string
	// PublishableKey (pk_live_… or pk_test_…, in the secret key's mode) is
	// advertised as config.publishable_key, for the platform's
	// tokenization; empty advertises none.
	PublishableKey string
	// ChallengeReturnURL, when set, lets a card that needs 3-D Secure go
	// to Stripe's challenge page: the PaymentIntent is confirmed with it
	// as return_url (where the buyer lands after the challenge), and the
	// charge asks for authentication with the page's URL, which a UCP
	// session answers as requires_escalation (requires_3ds). Empty: such
	// a charge is declined.
	ChallengeReturnURL string
}

// Handler is the Stripe payment handler.
type Handler struct {
	cfg     Config
	sc      *stripego.Client
	backend stripego.Backend
}

// Interface guard.
var _ payment.Handler = (*Handler)(nil)

// New returns a Stripe handler. It checks the configuration but makes no
// call to Stripe.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.ID == "":
		return nil, errors.New("stripe handler: id is required")
	case cfg.MerchantID == "":
		return nil, fmt.Errorf("stripe handler %s: merchant_id is required", cfg.ID)
	case cfg.SecretKey == "":
		return nil, fmt.Errorf("stripe handler %s: the secret key is empty", cfg.ID)
	case environment(cfg.SecretKey) == "":
		// The key itself is never quoted.
		return nil, fmt.Errorf("stripe handler %s: the secret key must start with sk_live_, sk_test_, rk_live_ or rk_test_", cfg.ID)
	}
	if len(cfg.AuthenticationMetadata) > 0 {
		var obj map[string]any
		if err := json.Unmarshal(cfg.AuthenticationMetadata, &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("stripe handler %s: authentication_metadata must be a JSON object", cfg.ID)
		}
	}
	if u := cfg.UCP; u != nil {
		if pk := u.PublishableKey; pk != "" && publishableEnvironment(pk) != environment(cfg.SecretKey) {
			return nil, fmt.Errorf("stripe handler %s: the publishable key must start with %s, in the secret key's mode", cfg.ID, publishablePrefix(environment(cfg.SecretKey)))
		}
		if r := u.ChallengeReturnURL; r != "" {
			if parsed, err := url.Parse(r); err != nil || !parsed.IsAbs() {
				return nil, fmt.Errorf("stripe handler %s: the 3-D Secure return URL must be an absolute URL", cfg.ID)
			}
		}
	}
	if cfg.APIBaseURL == "" {
		cfg.APIBaseURL = DefaultAPIBaseURL
	}
	cfg.APIBaseURL = strings.TrimRight(cfg.APIBaseURL, "/")
	bc := &stripego.BackendConfig{
		URL:               stripego.String(cfg.APIBaseURL),
		HTTPClient:        cfg.HTTPClient,
		MaxNetworkRetries: cfg.MaxNetworkRetries,
		// stripe-go logs request paths and Stripe's error messages, which
		// may name the token; this handler reports through its errors.
		LeveledLogger:   silentLogger{},
		EnableTelemetry: stripego.Bool(false),
	}
	backends := stripego.NewBackendsWithConfig(bc)
	return &Handler{
		cfg:     cfg,
		sc:      stripego.NewClient(cfg.SecretKey, stripego.WithBackends(backends)),
		backend: backends.API,
	}, nil
}

// environment is "production" or "sandbox" by key prefix, "" when unknown.
func environment(key string) string {
	switch {
	case strings.HasPrefix(key, "sk_live_"), strings.HasPrefix(key, "rk_live_"):
		return "production"
	case strings.HasPrefix(key, "sk_test_"), strings.HasPrefix(key, "rk_test_"):
		return "sandbox"
	}
	return ""
}

// publishableEnvironment is "production" or "sandbox" by publishable key
// prefix, "" when unknown.
func publishableEnvironment(key string) string {
	switch {
	case strings.HasPrefix(key, "pk_live_"):
		return "production"
	case strings.HasPrefix(key, "pk_test_"):
		return "sandbox"
	}
	return ""
}

// publishablePrefix is the publishable key prefix of an environment.
func publishablePrefix(env string) string {
	if env == "production" {
		return "pk_live_"
	}
	return "pk_test_"
}

// Descriptor advertises the handler as dev.acp.tokenized.card with psp
// "stripe"; config.environment follows the secret key's mode.
func (h *Handler) Descriptor() payment.Descriptor {
	return payment.TokenizedCard(h.cfg.ID, h.cfg.DisplayName, "stripe", map[string]any{
		"merchant_id":     h.cfg.MerchantID,
		"psp":             "stripe",
		"accepted_brands": h.cfg.AcceptedBrands,
		"supports_3ds":    len(h.cfg.AuthenticationMetadata) > 0, // 3DS needs the seller's acquirer data
		"environment":     environment(h.cfg.SecretKey),
	})
}

// Interface guard.
var _ payment.UCPDescriber = (*Handler)(nil)

// UCPHandler describes the handler as a processor tokenizer when it is
// offered over UCP: card instruments of the accepted brands, and a config
// with environment (the secret key's mode), business_id (the Stripe
// account), psp, supports_3ds (whether a challenge page can be answered)
// and the publishable key when configured. Never the secret key.
func (h *Handler) UCPHandler() (payment.UCPHandler, bool) {
	u := h.cfg.UCP
	if u == nil {
		return payment.UCPHandler{}, false
	}
	config := map[string]any{
		"environment":  environment(h.cfg.SecretKey),
		"business_id":  h.cfg.MerchantID,
		"psp":          "stripe",
		"supports_3ds": u.ChallengeReturnURL != "",
	}
	if u.PublishableKey != "" {
		config["publishable_key"] = u.PublishableKey
	}
	return payment.ProcessorTokenizer(u.Name, h.cfg.ID, h.cfg.AcceptedBrands, config), true
}

// Buyer-facing messages.
const (
	msgEmptyToken       = "The payment credential is empty."
	msgNeeds3DS         = "The card issuer requires 3D Secure authentication, which this checkout session cannot carry out (the agent did not declare the 3ds intervention, or its API version has none). Please use a different payment method."
	msgStillNeeds3DS    = "The card issuer still requires authentication after the 3D Secure result was submitted. Please try again or use a different payment method."
	msgAuthIncomplete   = "The 3D Secure result is incomplete (outcome_details needs three_ds_cryptogram, electronic_commerce_indicator, transaction_id and version). Please authenticate again."
	msgDeclinedDefault  = "The card was declined. Please use a different payment method."
	msgTokenUnusable    = "The payment token cannot be used"
	msgTokenRetryAdvice = "Please provide a new payment token."
	msgNoProcessorToken = "This payment handler does not take processor tokens (credential type \"token\"); pay with a Stripe shared payment token."
	msgChallengeOff     = "The card issuer requires 3D Secure authentication, which this seller does not offer for this handler. Please use a different payment method."
)

// Charge creates and confirms the attempt's PaymentIntent, or, when
// req.Authentication is set, confirms the PaymentIntent that asked for
// 3DS. See the package documentation for the idempotency keys.
func (h *Handler) Charge(ctx context.Context, req *payment.ChargeRequest) (*payment.ChargeResult, error) {
	if req.Instrument.Token == "" {
		return declined(msgEmptyToken), nil
	}
	if req.IdempotencyKey == "" {
		return nil, fmt.Errorf("stripe charge for session %s: the idempotency key is empty", req.SessionID)
	}
	if processorToken(req) && h.cfg.UCP == nil {
		return declined(msgNoProcessorToken), nil
	}
	red := h.redactor(req.Instrument.Token)
	if req.PaymentID != "" || req.Resume {
		// The attempt may have reached Stripe already: read its
		// PaymentIntent rather than trusting a replay, which returns a
		// stored 5xx for ever, and which Stripe forgets after 24 hours.
		pi, err := h.find(ctx, req)
		if err != nil {
			return nil, &chargeError{msg: fmt.Sprintf("stripe charge for session %s: look the payment intent up: %s", req.SessionID, red.clean(err.Error())), cause: contextCause(err)}
		}
		if pi != nil {
			if req.Authentication != nil && pi.Status == stripego.PaymentIntentStatusRequiresAction {
				return h.confirmIntent(ctx, req, pi, red)
			}
			return h.outcome(ctx, req, pi, red, req.Authentication != nil)
		}
	}
	if req.Authentication != nil {
		return h.confirm(ctx, req, red)
	}
	var captureBefore time.Time
	if h.cfg.CheckToken && !processorToken(req) {
		res, expires, err := h.checkToken(ctx, req, red)
		if res != nil || err != nil {
			return res, err
		}
		captureBefore = expires
	}
	pi, err := h.create(ctx, req)
	if err != nil {
		res, cerr := h.classify(err, "create payment intent", req, red)
		if req.Resume && res != nil {
			// A resumed attempt whose PaymentIntent was not found may
			// still have used the token (Stripe's search lags): a refusal
			// now proves nothing, so the outcome stays unknown.
			return nil, &chargeError{msg: fmt.Sprintf("stripe charge for session %s: the resumed attempt was refused (%s) and its payment intent is not found yet", req.SessionID, res.Message)}
		}
		return res, cerr
	}
	res, err := h.outcome(ctx, req, pi, red, false)
	if res != nil && res.Outcome == payment.Authorized {
		res.CaptureBefore = captureBefore
	}
	return res, err
}

// find returns the attempt's PaymentIntent: the one the processor named
// (checked to belong to this attempt), else the one whose metadata holds
// the attempt's idempotency key; nil when there is none (yet).
func (h *Handler) find(ctx context.Context, req *payment.ChargeRequest) (*stripego.PaymentIntent, error) {
	if req.PaymentID != "" {
		rp := &stripego.PaymentIntentRetrieveParams{}
		rp.Context = ctx
		h.setVersion(&rp.Params)
		pi, err := h.sc.V1PaymentIntents.Retrieve(ctx, req.PaymentID, rp)
		if err != nil {
			return nil, err
		}
		if pi.Metadata[MetadataIdempotencyKey] == req.IdempotencyKey {
			return pi, nil
		}
	}
	if !req.Resume {
		return nil, nil
	}
	sp := &stripego.PaymentIntentSearchParams{}
	sp.Context = ctx
	sp.Query = fmt.Sprintf("metadata['%s']:'%s'", MetadataIdempotencyKey, strings.ReplaceAll(req.IdempotencyKey, "'", "\\'"))
	for pi, err := range h.sc.V1PaymentIntents.Search(ctx, sp) {
		if err != nil {
			return nil, err
		}
		if pi.Metadata[MetadataIdempotencyKey] == req.IdempotencyKey {
			return pi, nil
		}
	}
	return nil, nil
}

// processorToken reports whether req pays with a processor token (a UCP
// token credential: a Stripe PaymentMethod) rather than a shared payment
// token.
func processorToken(req *payment.ChargeRequest) bool {
	return req.Instrument.CredentialType == payment.CredentialToken
}

// createParams are the attempt's PaymentIntent create parameters. They
// depend only on req's session, key, amount, token, credential type,
// challenge redirect and risk signals (fixed for the attempt), so a
// replay with the same key matches the first call byte for byte.
//
// A shared payment token goes in TokenParam; a processor token is the
// payment_method, restricted to cards, with the challenge return URL as
// return_url when the buyer can be sent to a challenge page.
func (h *Handler) createParams(ctx context.Context, req *payment.ChargeRequest) *stripego.PaymentIntentCreateParams {
	p := &stripego.PaymentIntentCreateParams{
		Amount:   stripego.Int64(req.Amount.Amount),
		Currency: stripego.String(strings.ToLower(req.Amount.Currency)),
		Confirm:  stripego.Bool(true),
	}
	if processorToken(req) {
		p.PaymentMethod = stripego.String(req.Instrument.Token)
		p.PaymentMethodTypes = stripego.StringSlice([]string{"card"})
		if req.ChallengeRedirect && h.cfg.UCP.ChallengeReturnURL != "" {
			p.ReturnURL = stripego.String(h.cfg.UCP.ChallengeReturnURL)
		}
	} else {
		// Agents cannot follow redirects (STRIPE-NOTES §1.4).
		p.AutomaticPaymentMethods = &stripego.PaymentIntentCreateAutomaticPaymentMethodsParams{
			Enabled:        stripego.Bool(true),
			AllowRedirects: stripego.String("never"),
		}
		// Not p.PaymentMethodData: that would add payment_method_data[type].
		p.AddExtra(TokenParam, req.Instrument.Token)
	}
	if req.Capture == payment.CaptureManual {
		// Authorize now, capture once the order is accepted
		// (STRIPE-NOTES §1.10).
		p.CaptureMethod = stripego.String(string(stripego.PaymentIntentCaptureMethodManual))
	}
	p.Context = ctx
	p.AddMetadata(MetadataSessionID, req.SessionID)
	if req.OrderID != "" {
		p.AddMetadata(MetadataOrderID, req.OrderID)
	}
	p.AddMetadata(MetadataIdempotencyKey, req.IdempotencyKey)
	addRiskMetadata(p, req.RiskSignals)
	p.SetIdempotencyKey(req.IdempotencyKey)
	h.setVersion(&p.Params)
	return p
}

func (h *Handler) create(ctx context.Context, req *payment.ChargeRequest) (*stripego.PaymentIntent, error) {
	return h.sc.V1PaymentIntents.Create(ctx, h.createParams(ctx, req))
}

func (h *Handler) setVersion(p *stripego.Params) {
	if h.cfg.StripeVersion != "" {
		p.Headers = http.Header{}
		p.Headers.Set("Stripe-Version", h.cfg.StripeVersion)
	}
}

// confirm handles the call after 3DS: a failed authentication is declined
// without calling Stripe; a successful one replays the attempt's create
// call (same key, same parameters) to find the PaymentIntent and confirms
// it under key+ConfirmKeySuffix.
func (h *Handler) confirm(ctx context.Context, req *payment.ChargeRequest, red redactor) (*payment.ChargeResult, error) {
	if res := h.refuseAuthentication(req, red); res != nil {
		return res, nil
	}
	pi, err := h.create(ctx, req)
	if err != nil {
		return h.classify(err, "replay payment intent creation before confirming 3DS", req, red)
	}
	if pi.Status != stripego.PaymentIntentStatusRequiresAction {
		// Already final (or never needed 3DS): report it as it is.
		return h.outcome(ctx, req, pi, red, true)
	}
	return h.confirmIntent(ctx, req, pi, red)
}

// confirmIntent confirms a PaymentIntent that asked for 3DS, with the
// agent's result as external 3DS data when configured, under
// key+ConfirmKeySuffix.
func (h *Handler) confirmIntent(ctx context.Context, req *payment.ChargeRequest, pi *stripego.PaymentIntent, red redactor) (*payment.ChargeResult, error) {
	if res := h.refuseAuthentication(req, red); res != nil {
		return res, nil
	}
	var tds *stripego.PaymentIntentPaymentMethodOptionsCardThreeDSecureParams
	if h.cfg.External3DS {
		tds, _ = external3DS(req.Authentication) // refuseAuthentication checked it
	}
	// With External3DS off the confirmation carries no authentication
	// data: Stripe re-attempts the payment and succeeds only if it no
	// longer needs an action (the agent's 3DS result cannot be passed on).
	p := &stripego.PaymentIntentConfirmParams{}
	if tds != nil {
		p.PaymentMethodOptions = &stripego.PaymentIntentPaymentMethodOptionsParams{
			Card: &stripego.PaymentIntentPaymentMethodOptionsCardParams{ThreeDSecure: tds},
		}
	}
	p.SetIdempotencyKey(req.IdempotencyKey + ConfirmKeySuffix)
	h.setVersion(&p.Params)
	confirmed, err := h.sc.V1PaymentIntents.Confirm(ctx, pi.ID, p)
	if err != nil {
		return h.classify(err, "confirm payment intent "+pi.ID+" after 3DS", req, red)
	}
	return h.outcome(ctx, req, confirmed, red, true)
}

// refuseAuthentication declines, without calling Stripe, a failed 3DS
// outcome, or a result too incomplete to pass on as external 3DS data.
func (h *Handler) refuseAuthentication(req *payment.ChargeRequest, red redactor) *payment.ChargeResult {
	auth := req.Authentication
	switch auth.Outcome {
	case "authenticated", "attempt_acknowledged":
	default:
		return declined(fmt.Sprintf("3D Secure authentication did not succeed (%s). Please try again or use a different payment method.", red.clean(auth.Outcome)))
	}
	if _, ok := external3DS(auth); h.cfg.External3DS && !ok {
		return declined(msgAuthIncomplete)
	}
	return nil
}

// external3DS maps an ACP authentication_result to Stripe's
// payment_method_options[card][three_d_secure].
func external3DS(auth *payment.AuthenticationResult) (*stripego.PaymentIntentPaymentMethodOptionsCardThreeDSecureParams, bool) {
	var d struct {
		Cryptogram    string `json:"three_ds_cryptogram"`
		ECI           string `json:"electronic_commerce_indicator"`
		TransactionID string `json:"transaction_id"`
		Version       string `json:"version"`
	}
	if len(auth.Details) == 0 || json.Unmarshal(auth.Details, &d) != nil ||
		d.Cryptogram == "" || d.ECI == "" || d.TransactionID == "" || d.Version == "" {
		return nil, false
	}
	ares := "Y"
	if auth.Outcome == "attempt_acknowledged" {
		ares = "A"
	}
	return &stripego.PaymentIntentPaymentMethodOptionsCardThreeDSecureParams{
		AresTransStatus:             stripego.String(ares),
		Cryptogram:                  stripego.String(d.Cryptogram),
		ElectronicCommerceIndicator: stripego.String(d.ECI),
		TransactionID:               stripego.String(d.TransactionID),
		Version:                     stripego.String(d.Version),
	}, true
}

// outcome maps a PaymentIntent returned without error.
func (h *Handler) outcome(ctx context.Context, req *payment.ChargeRequest, pi *stripego.PaymentIntent, red redactor, afterAuth bool) (*payment.ChargeResult, error) {
	if pi.Status == stripego.PaymentIntentStatusProcessing {
		// A replay shows the first response; read the current state.
		rp := &stripego.PaymentIntentRetrieveParams{}
		h.setVersion(&rp.Params)
		cur, err := h.sc.V1PaymentIntents.Retrieve(ctx, pi.ID, rp)
		if err != nil {
			return h.classify(err, "retrieve payment intent "+pi.ID, req, red)
		}
		pi = cur
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusSucceeded:
		return &payment.ChargeResult{Outcome: payment.Succeeded, PaymentID: pi.ID}, nil
	case stripego.PaymentIntentStatusRequiresCapture:
		return &payment.ChargeResult{Outcome: payment.Authorized, PaymentID: pi.ID}, nil
	case stripego.PaymentIntentStatusRequiresAction:
		switch {
		case afterAuth:
			return declined(msgStillNeeds3DS), nil
		case req.Supports3DS && len(h.cfg.AuthenticationMetadata) > 0:
			return &payment.ChargeResult{Outcome: payment.RequiresAuthentication, AuthenticationMetadata: h.cfg.AuthenticationMetadata}, nil
		}
		if u := h.challengeURL(req, pi); u != "" {
			// The buyer completes Stripe's challenge page; the next charge
			// of the attempt reads the PaymentIntent again.
			return &payment.ChargeResult{Outcome: payment.RequiresAuthentication, ChallengeURL: u, PaymentID: pi.ID}, nil
		}
		// The agent cannot authenticate: release the PaymentIntent (best
		// effort; an uncanceled one charges nothing and expires).
		cp := &stripego.PaymentIntentCancelParams{}
		cp.SetIdempotencyKey(req.IdempotencyKey + CancelKeySuffix)
		h.setVersion(&cp.Params)
		_, _ = h.sc.V1PaymentIntents.Cancel(ctx, pi.ID, cp)
		if req.ChallengeRedirect {
			return declined(msgChallengeOff), nil
		}
		return declined(msgNeeds3DS), nil
	case stripego.PaymentIntentStatusRequiresPaymentMethod, stripego.PaymentIntentStatusCanceled:
		msg := msgDeclinedDefault
		if pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
			msg = red.clean(pi.LastPaymentError.Msg)
		}
		return declined(msg), nil
	case stripego.PaymentIntentStatusProcessing:
		return nil, fmt.Errorf("stripe charge for session %s: payment intent %s is still processing", req.SessionID, pi.ID)
	}
	return nil, fmt.Errorf("stripe charge for session %s: payment intent %s has unexpected status %q", req.SessionID, pi.ID, pi.Status)
}

// challengeURL is the challenge page of a PaymentIntent that asks to
// redirect the buyer, when the buyer can be sent there and the handler
// offers challenges over UCP; "" otherwise.
func (h *Handler) challengeURL(req *payment.ChargeRequest, pi *stripego.PaymentIntent) string {
	if !req.ChallengeRedirect || h.cfg.UCP == nil || h.cfg.UCP.ChallengeReturnURL == "" {
		return ""
	}
	na := pi.NextAction
	if na == nil || na.Type != stripego.PaymentIntentNextActionTypeRedirectToURL || na.RedirectToURL == nil {
		return ""
	}
	return na.RedirectToURL.URL
}

// classify maps a Stripe call's error: declines and unusable tokens are
// outcomes; everything else leaves the outcome unknown and is an error.
func (h *Handler) classify(err error, op string, req *payment.ChargeRequest, red redactor) (*payment.ChargeResult, error) {
	var se *stripego.Error
	if !errors.As(err, &se) {
		return nil, &chargeError{msg: fmt.Sprintf("stripe charge for session %s: %s: %s", req.SessionID, op, red.clean(err.Error())), cause: contextCause(err)}
	}
	switch {
	case se.Type == stripego.ErrorTypeCard:
		msg := red.clean(se.Msg)
		if msg == "" {
			msg = msgDeclinedDefault
		}
		return declined(msg), nil
	case se.Type == stripego.ErrorTypeInvalidRequest && (se.HTTPStatusCode == http.StatusBadRequest || se.HTTPStatusCode == http.StatusNotFound):
		// Unusable token (expired, used, revoked, over the allowance) or a
		// request Stripe refuses: nothing was charged (STRIPE-NOTES §1.6).
		msg := msgTokenUnusable
		if detail := red.clean(se.Msg); detail != "" {
			msg += ": " + strings.TrimSuffix(detail, ".")
		}
		return declined(msg + ". " + msgTokenRetryAdvice), nil
	}
	// Idempotency errors, 401/403, 409, 429, 5xx: outcome unknown.
	return nil, &chargeError{msg: fmt.Sprintf("stripe charge for session %s: %s: %s", req.SessionID, op, describe(se, red))}
}

func declined(msg string) *payment.ChargeResult {
	return &payment.ChargeResult{Outcome: payment.Declined, Message: msg}
}
