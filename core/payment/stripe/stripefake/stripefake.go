package stripefake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// SecretKey is the default secret key the fake accepts.
const SecretKey = "sk_test_stripefake_0123456789abcdef"

// TokenParam is the create parameter carrying the granted token.
const TokenParam = "payment_method_data[shared_payment_granted_token]"

// Token scenarios, chosen by id prefix.
const (
	ScenarioOK      = "spt_ok"
	ScenarioDecline = "spt_decline"
	Scenario3DS     = "spt_3ds"
	ScenarioExpired = "spt_expired"
	ScenarioRevoked = "spt_revoked"
	ScenarioUsed    = "spt_used"
	Scenario5xx     = "spt_5xx"
	ScenarioTimeout = "spt_timeout"
	// ScenarioCharged500 charges, then answers 500, and, as real Stripe
	// does for a request that started executing, stores that 500 under
	// the idempotency key: every replay gets the 500 again.
	ScenarioCharged500 = "spt_charged500"
	// ScenarioCaptureFail authorizes (capture_method=manual), but the
	// capture is refused with charge_expired_for_capture, as when the
	// authorization lapsed before the order was accepted.
	ScenarioCaptureFail = "spt_capturefail"
)

// Stripe's test PaymentMethods (docs.stripe.com/testing) the fake takes
// as payment_method, the card a processor tokenizer issued. Like Stripe,
// it clones each into a new PaymentMethod per PaymentIntent, so they can
// be used again.
const (
	PaymentMethodVisa       = "pm_card_visa"
	PaymentMethodMastercard = "pm_card_mastercard"
	PaymentMethodAmex       = "pm_card_amex"
	// PaymentMethodDeclined is declined: 402 card_error/card_declined
	// (generic_decline), a PaymentIntent is created.
	PaymentMethodDeclined = "pm_card_visa_chargeDeclined"
	// PaymentMethodInsufficientFunds is declined with decline_code
	// insufficient_funds.
	PaymentMethodInsufficientFunds = "pm_card_visa_chargeDeclinedInsufficientFunds"
	// PaymentMethod3DS requires 3-D Secure: the PaymentIntent is
	// requires_action, with next_action redirect_to_url (the fake's
	// challenge page, ChallengePath) when the create carried a
	// return_url, else use_stripe_sdk.
	PaymentMethod3DS = "pm_card_threeDSecure2Required"
	// PaymentMethodAuthenticationRequired behaves as PaymentMethod3DS.
	PaymentMethodAuthenticationRequired = "pm_card_authenticationRequired"
)

// paymentMethods maps each test PaymentMethod to its scenario.
var paymentMethods = map[string]string{
	PaymentMethodVisa: ScenarioOK, PaymentMethodMastercard: ScenarioOK, PaymentMethodAmex: ScenarioOK,
	PaymentMethodDeclined: ScenarioDecline, PaymentMethodInsufficientFunds: ScenarioDecline,
	PaymentMethod3DS: Scenario3DS, PaymentMethodAuthenticationRequired: Scenario3DS,
}

// ChallengePath is the path of the fake's 3-D Secure challenge page for a
// PaymentIntent (ChallengePath + id), the buyer's browser's to open: a GET
// passes the challenge (the PaymentIntent is authorized or charged), with
// ?outcome=fail it fails (requires_payment_method). It answers 302 to the
// PaymentIntent's return_url.
const ChallengePath = "/fake/3ds/"

// OpenChallenge is the buyer's browser opening a challenge page (a
// redirect_to_url of the fake): it returns the page's status and the
// Location it redirects to, without following it.
func OpenChallenge(page string) (status int, location string, err error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(page)
	if err != nil {
		return 0, "", fmt.Errorf("opening the challenge page: %w", err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

var scenarios = []string{ScenarioOK, ScenarioDecline, Scenario3DS, ScenarioExpired, ScenarioRevoked, ScenarioUsed, Scenario5xx, ScenarioTimeout, ScenarioCharged500, ScenarioCaptureFail}

// Options configures a fake.
type Options struct {
	// SecretKey is the bearer key required; SecretKey (the constant) by
	// default.
	SecretKey string
	// TimeoutDelay is how long the spt_timeout scenario holds its first
	// response; 5 s by default (it returns early when the client hangs up).
	TimeoutDelay time.Duration
}

// Token registers a granted token with limits.
type Token struct {
	// ID is the token id; its prefix chooses the scenario (ScenarioOK when
	// none matches).
	ID string
	// Currency, when set, is the only currency it pays in.
	Currency string
	// MaxAmount, when positive, is the largest amount it pays.
	MaxAmount int64
	// ExpiresAt, when set, is when it stops working.
	ExpiresAt time.Time
	// Fail5xx is how many requests get a 500 first (Scenario5xx: 1).
	Fail5xx int
}

// Request is one request the fake received.
type Request struct {
	Method, Path   string
	IdempotencyKey string
	StripeVersion  string
	Form           url.Values
	// Replayed is true when the response was an idempotent replay.
	Replayed bool
}

// PaymentIntent is a snapshot of a PaymentIntent the fake holds.
type PaymentIntent struct {
	ID, Status, Currency string
	Amount               int64
	// Token is the granted token, or the test PaymentMethod given as
	// payment_method.
	Token string
	// ReturnURL is the create's return_url, where the challenge page
	// sends the buyer.
	ReturnURL string
	// LastPaymentError is the message of the last failed attempt.
	LastPaymentError string
	Metadata         map[string]string
	PaymentMethod    string
	LatestCharge     string
	// IdempotencyKey is the key it was created under.
	IdempotencyKey string
	// Confirms are the forms of the confirm calls that ran (not replays).
	Confirms []url.Values
	Created  time.Time
	// CaptureMethod is automatic or manual.
	CaptureMethod string
	// Captures counts the captures that ran (not replays): at most 1.
	Captures int
	// CancellationReason is set when it was canceled.
	CancellationReason string
	// Refunded is the amount refunded.
	Refunded int64
}

type tokenState struct {
	Token
	scenario          string
	deactivatedReason string
	deactivatedAt     time.Time
	fails             int
	delayed           bool
	amountCaptured    int64
}

type record struct {
	fingerprint string
	status      int
	body        []byte
}

// Server is a running fake Stripe.
type Server struct {
	// URL is the base URL for the handler's APIBaseURL.
	URL string

	srv   *httptest.Server
	opts  Options
	start time.Time

	mu        sync.Mutex
	seq       int
	tokens    map[string]*tokenState
	pis       map[string]*PaymentIntent
	piOrder   []string
	records   map[string]*record
	byKey     map[string]int
	requests  []Request
	failures5 int
	// searchLag hides PaymentIntents from search, as Stripe's search
	// index lags behind writes.
	searchLag bool
}

// Start runs a fake until the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.SecretKey == "" {
		opts.SecretKey = SecretKey
	}
	if opts.TimeoutDelay == 0 {
		opts.TimeoutDelay = 5 * time.Second
	}
	s := &Server{
		opts:    opts,
		start:   time.Now(),
		tokens:  map[string]*tokenState{},
		pis:     map[string]*PaymentIntent{},
		records: map[string]*record{},
		byKey:   map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// Close stops the server (Start also does so when the test ends).
func (s *Server) Close() { s.srv.Close() }

// RegisterToken adds a granted token with limits, replacing any token with
// the same id.
func (s *Server) RegisterToken(t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t.ID] = newTokenState(t, scenarioOf(t.ID))
}

func scenarioOf(id string) string {
	for _, sc := range scenarios {
		if strings.HasPrefix(id, sc) {
			return sc
		}
	}
	return ""
}

func newTokenState(t Token, scenario string) *tokenState {
	if scenario == "" {
		scenario = ScenarioOK
	}
	ts := &tokenState{Token: t, scenario: scenario, fails: t.Fail5xx}
	now := time.Now()
	switch scenario {
	case Scenario5xx:
		if ts.fails == 0 {
			ts.fails = 1
		}
	case ScenarioExpired:
		if ts.ExpiresAt.IsZero() {
			ts.ExpiresAt = now.Add(-time.Hour)
		}
	case ScenarioRevoked:
		ts.deactivatedReason, ts.deactivatedAt = "revoked", now.Add(-time.Minute)
	case ScenarioUsed:
		ts.deactivatedReason, ts.deactivatedAt = "consumed", now.Add(-time.Minute)
	}
	return ts
}

// token finds a token, registering an unregistered one whose prefix names
// a scenario. The caller holds s.mu.
func (s *Server) token(id string) *tokenState {
	if ts, ok := s.tokens[id]; ok {
		return ts
	}
	sc := scenarioOf(id)
	if sc == "" {
		return nil
	}
	ts := newTokenState(Token{ID: id}, sc)
	s.tokens[id] = ts
	return ts
}

// PaymentIntentsCreated counts PaymentIntents created (declined ones too).
func (s *Server) PaymentIntentsCreated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.piOrder)
}

// PaymentIntentsForKey counts PaymentIntents created under an idempotency
// key.
func (s *Server) PaymentIntentsForKey(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byKey[key]
}

// PaymentIntents returns snapshots of every PaymentIntent, oldest first.
func (s *Server) PaymentIntents() []PaymentIntent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PaymentIntent, 0, len(s.piOrder))
	for _, id := range s.piOrder {
		out = append(out, snapshot(s.pis[id]))
	}
	return out
}

// PaymentIntent returns a snapshot of one PaymentIntent.
func (s *Server) PaymentIntent(id string) (PaymentIntent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi, ok := s.pis[id]
	if !ok {
		return PaymentIntent{}, false
	}
	return snapshot(pi), true
}

func snapshot(pi *PaymentIntent) PaymentIntent {
	c := *pi
	c.Metadata = map[string]string{}
	for k, v := range pi.Metadata {
		c.Metadata[k] = v
	}
	c.Confirms = append([]url.Values(nil), pi.Confirms...)
	return c
}

// Requests returns every authenticated request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount counts the requests to a path (e.g. "/v1/payment_intents").
func (s *Server) RequestCount(method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// Failures5xx counts the 500s served by the spt_5xx scenario.
func (s *Server) Failures5xx() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures5
}

// TokenConsumed reports whether a token has been used by a PaymentIntent.
func (s *Server) TokenConsumed(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts, ok := s.tokens[id]
	return ok && ts.deactivatedReason == "consumed"
}

// response is what a route produces.
type response struct {
	status int
	body   any
	// record stores it under the idempotency key (Stripe stores the result
	// once execution began; not for validation failures or 5xx here).
	record bool
	// delay holds it for Options.TimeoutDelay.
	delay bool
}

func ok(body any) response { return response{status: http.StatusOK, body: body, record: true} }

// apiError is Stripe's error body.
func apiError(status int, typ, code, param, msg string) response {
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	if param != "" {
		e["param"] = param
	}
	return response{status: status, body: map[string]any{"error": e}}
}

func invalid(param, msg string) response {
	return apiError(http.StatusBadRequest, "invalid_request_error", "parameter_invalid", param, msg)
}

var (
	piPath      = regexp.MustCompile(`^/v1/payment_intents/([A-Za-z0-9_]+)$`)
	piAction    = regexp.MustCompile(`^/v1/payment_intents/([A-Za-z0-9_]+)/(confirm|cancel|capture)$`)
	tokenPath   = regexp.MustCompile(`^/v1/shared_payment/granted_tokens/([^/]+)$`)
	mintPath    = "/v1/test_helpers/shared_payment/granted_tokens"
	revokePath  = regexp.MustCompile(`^/v1/test_helpers/shared_payment/granted_tokens/([^/]+)/revoke$`)
	currencyFmt = regexp.MustCompile(`^[a-z]{3}$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Request-Id", "req_fake_"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, ChallengePath) {
		s.challenge(w, r, strings.TrimPrefix(r.URL.Path, ChallengePath))
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.opts.SecretKey {
		writeJSON(w, apiError(http.StatusUnauthorized, "invalid_request_error", "", "",
			"Invalid API Key provided: "+mask(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, invalid("", "Invalid request body."))
		return
	}
	form := r.PostForm
	if r.Method == http.MethodGet {
		form = r.URL.Query()
	}
	req := Request{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key"),
		StripeVersion: r.Header.Get("Stripe-Version"), Form: form}

	if r.Method != http.MethodPost {
		s.mu.Lock()
		s.requests = append(s.requests, req)
		res := s.route(r.Method, r.URL.Path, form, req.IdempotencyKey)
		s.mu.Unlock()
		writeJSON(w, res)
		return
	}

	// POST: idempotent, as at Stripe. stripe-go always sends a key.
	key := req.IdempotencyKey
	fp := r.Method + " " + r.URL.Path + "?" + form.Encode()
	s.mu.Lock()
	if rec, found := s.records[key]; found && key != "" {
		req.Replayed = true
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		if rec.fingerprint != fp {
			writeJSON(w, apiError(http.StatusBadRequest, "idempotency_error", "", "",
				fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.", key)))
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body)
		return
	}
	s.requests = append(s.requests, req)
	res := s.route(r.Method, r.URL.Path, form, key)
	body, _ := json.Marshal(res.body)
	if res.record && key != "" {
		s.records[key] = &record{fingerprint: fp, status: res.status, body: body}
	}
	s.mu.Unlock()
	if res.delay {
		t := time.NewTimer(s.opts.TimeoutDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(res.status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, res response) {
	body, _ := json.Marshal(res.body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(res.status)
	_, _ = w.Write(body)
}

// mask shows a key the way Stripe does: prefix and last four characters.
func mask(key string) string {
	if len(key) < 12 {
		return "****"
	}
	return key[:8] + "****" + key[len(key)-4:]
}

// route runs one request; the caller holds s.mu.
func (s *Server) route(method, path string, form url.Values, key string) response {
	switch {
	case method == http.MethodPost && path == "/v1/payment_intents":
		return s.createPI(form, key)
	case method == http.MethodGet && path == "/v1/payment_intents/search":
		return s.searchPIs(form.Get("query"))
	case method == http.MethodGet && piPath.MatchString(path):
		pi, found := s.pis[piPath.FindStringSubmatch(path)[1]]
		if !found {
			return noSuch("payment_intent", "intent")
		}
		return ok(s.piJSON(pi))
	case method == http.MethodPost && piAction.MatchString(path):
		m := piAction.FindStringSubmatch(path)
		switch m[2] {
		case "confirm":
			return s.confirmPI(m[1], form)
		case "capture":
			return s.capturePI(m[1], form)
		}
		return s.cancelPI(m[1], form)
	case method == http.MethodPost && path == "/v1/refunds":
		return s.refund(form)
	case method == http.MethodGet && tokenPath.MatchString(path):
		id, _ := url.PathUnescape(tokenPath.FindStringSubmatch(path)[1])
		ts := s.token(id)
		if ts == nil {
			return noSuch("shared_payment_granted_token", "id")
		}
		return ok(tokenJSON(ts))
	case method == http.MethodPost && path == mintPath:
		return s.mint(form)
	case method == http.MethodPost && revokePath.MatchString(path):
		ts := s.token(revokePath.FindStringSubmatch(path)[1])
		if ts == nil {
			return noSuch("shared_payment_granted_token", "id")
		}
		if ts.deactivatedReason == "" {
			ts.deactivatedReason, ts.deactivatedAt = "revoked", time.Now()
		}
		return ok(tokenJSON(ts))
	}
	return apiError(http.StatusNotFound, "invalid_request_error", "", "", fmt.Sprintf("Unrecognized request URL (%s: %s).", method, path))
}

// searchQuery is the one search the fake understands: a metadata match.
var searchQuery = regexp.MustCompile(`^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$`)

// searchPIs answers GET /v1/payment_intents/search for a metadata query.
func (s *Server) searchPIs(query string) response {
	m := searchQuery.FindStringSubmatch(query)
	if m == nil {
		return invalid("query", "This fake only understands metadata['key']:'value' queries.")
	}
	value := strings.ReplaceAll(m[2], `\'`, "'")
	data := []any{}
	for _, id := range s.piOrder {
		if s.searchLag {
			break
		}
		if pi := s.pis[id]; pi.Metadata[m[1]] == value {
			data = append(data, s.piJSON(pi))
		}
	}
	return ok(map[string]any{"object": "search_result", "url": "/v1/payment_intents/search", "has_more": false, "data": data})
}

// SetSearchLag makes search find nothing (true) or everything (false),
// as Stripe's search index may lag behind writes by up to a minute.
func (s *Server) SetSearchLag(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchLag = on
}

// ForgetIdempotencyKeys drops every stored idempotent response, as Stripe
// does after 24 hours.
func (s *Server) ForgetIdempotencyKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = map[string]*record{}
}

func noSuch(what, param string) response {
	r := apiError(http.StatusNotFound, "invalid_request_error", "resource_missing", param, "No such "+what+".")
	r.record = true
	return r
}

func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s_fake%06d", prefix, s.seq)
}

// challenge is the buyer's visit to a PaymentIntent's challenge page.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	pi, found := s.pis[id]
	if !found || pi.Status != "requires_action" {
		s.mu.Unlock()
		http.Error(w, "no challenge is waiting for this payment", http.StatusNotFound)
		return
	}
	switch {
	case r.URL.Query().Get("outcome") == "fail":
		pi.Status = "requires_payment_method"
		pi.LastPaymentError = "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
	case pi.CaptureMethod == "manual":
		pi.LatestCharge = s.nextID("ch")
		pi.Status = "requires_capture"
	default:
		pi.LatestCharge = s.nextID("ch")
		pi.Status = "succeeded"
	}
	back := pi.ReturnURL
	s.mu.Unlock()
	if back == "" {
		_, _ = w.Write([]byte("challenge done"))
		return
	}
	http.Redirect(w, r, back, http.StatusFound)
}

// createPI is POST /v1/payment_intents.
func (s *Server) createPI(form url.Values, key string) response {
	// Parameter validation (not recorded, as at Stripe).
	for _, p := range []string{"shared_payment_granted_token", "shared_payment_token", "payment_method_data[type]"} {
		if form.Has(p) {
			return invalid(p, "Received unknown parameter: "+p+". This fake expects the granted token only as "+TokenParam+".")
		}
	}
	if form.Has("payment_method") && form.Has(TokenParam) {
		return invalid("payment_method", "You may only specify one of these parameters: payment_method, "+TokenParam+".")
	}
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	if err != nil || amount < 1 {
		return invalid("amount", "Missing or invalid amount: a positive integer in minor units is required.")
	}
	cur := form.Get("currency")
	if !currencyFmt.MatchString(cur) {
		return invalid("currency", "Missing or invalid currency: a lowercase ISO currency code is required.")
	}
	if form.Get("confirm") != "true" {
		return invalid("confirm", "This fake only supports confirm=true on create.")
	}
	auto, types := form.Get("automatic_payment_methods[enabled]") == "true", form["payment_method_types[]"]
	if len(types) == 0 {
		types = form["payment_method_types[0]"]
	}
	switch {
	case auto && len(types) > 0:
		return invalid("automatic_payment_methods", "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.")
	case len(types) > 0 && (len(types) != 1 || types[0] != "card"):
		return invalid("payment_method_types", "Only card is allowed: other payment methods may redirect.")
	case len(types) == 0 && form.Get("automatic_payment_methods[allow_redirects]") != "never" && form.Get("return_url") == "":
		return invalid("return_url", "This PaymentIntent is configured to accept payment methods enabled in your Dashboard, because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never`.")
	}
	if form.Has("payment_method") {
		return s.createWithPaymentMethod(form, key, amount, cur)
	}
	if form.Has("return_url") {
		return invalid("return_url", "This fake takes return_url only with payment_method: a granted token's agent cannot follow a redirect.")
	}
	id := form.Get(TokenParam)
	if id == "" {
		return invalid(TokenParam, "Missing required param: "+TokenParam+".")
	}
	ts := s.token(id)
	if ts == nil {
		r := apiError(http.StatusBadRequest, "invalid_request_error", "resource_missing", TokenParam, fmt.Sprintf("No such shared payment granted token: '%s'", id))
		r.record = true
		return r
	}
	if ts.fails > 0 {
		ts.fails--
		s.failures5++
		return apiError(http.StatusInternalServerError, "api_error", "", "", "An unknown error occurred (fake 500).")
	}
	// Token limits, enforced at confirmation (recorded).
	tokenErr := func(msg string) response {
		r := apiError(http.StatusBadRequest, "invalid_request_error", "", TokenParam, msg)
		r.record = true
		return r
	}
	switch {
	case ts.deactivatedReason == "consumed":
		return tokenErr("This shared payment granted token has already been used.")
	case ts.deactivatedReason != "":
		return tokenErr("This shared payment granted token has been " + ts.deactivatedReason + ".")
	case !ts.ExpiresAt.IsZero() && !time.Now().Before(ts.ExpiresAt):
		return tokenErr("This shared payment granted token has expired.")
	case ts.Currency != "" && ts.Currency != cur:
		return tokenErr(fmt.Sprintf("This shared payment granted token can only be used with currency %s.", ts.Currency))
	case ts.MaxAmount > 0 && amount > ts.MaxAmount:
		return tokenErr(fmt.Sprintf("The amount %d exceeds this shared payment granted token's max_amount of %d.", amount, ts.MaxAmount))
	}
	pi, refused, bad := s.newPI(form, key, amount, cur, id)
	if bad {
		return refused
	}
	switch ts.scenario {
	case ScenarioDecline:
		return s.decline(pi, "generic_decline")
	case Scenario3DS:
		ts.consume(0)
		pi.Status = "requires_action"
		return ok(s.piJSON(pi))
	}
	pi.LatestCharge = s.nextID("ch")
	if pi.CaptureMethod == "manual" {
		// Authorized: the money is held until the capture.
		ts.consume(0)
		pi.Status = "requires_capture"
	} else {
		ts.consume(amount)
		pi.Status = "succeeded"
	}
	if ts.scenario == ScenarioCharged500 {
		r := apiError(http.StatusInternalServerError, "api_error", "", "", "An unknown error occurred (fake 500 after charging).")
		r.record = true
		return r
	}
	res := ok(s.piJSON(pi))
	if ts.scenario == ScenarioTimeout && !ts.delayed {
		ts.delayed = true
		res.delay = true
	}
	return res
}

// newPI checks the create's capture method and metadata and records a
// PaymentIntent paid with source (a granted token or a PaymentMethod);
// bad with the error response when a check fails.
func (s *Server) newPI(form url.Values, key string, amount int64, cur, source string) (*PaymentIntent, response, bool) {
	captureMethod := form.Get("capture_method")
	switch captureMethod {
	case "":
		captureMethod = "automatic"
	case "automatic", "manual":
	default:
		return nil, invalid("capture_method", "Invalid capture_method: must be one of automatic, automatic_async or manual."), true
	}
	pi := &PaymentIntent{
		ID: s.nextID("pi"), Amount: amount, Currency: cur, Token: source, IdempotencyKey: key, ReturnURL: form.Get("return_url"),
		Metadata: map[string]string{}, PaymentMethod: s.nextID("pm"), Created: time.Now(), CaptureMethod: captureMethod,
	}
	for k, v := range form {
		if strings.HasPrefix(k, "metadata[") && strings.HasSuffix(k, "]") {
			pi.Metadata[k[len("metadata["):len(k)-1]] = v[0]
		}
	}
	if res, bad := metadataLimits(pi.Metadata); bad {
		return nil, res, true
	}
	s.pis[pi.ID] = pi
	s.piOrder = append(s.piOrder, pi.ID)
	s.byKey[key]++
	return pi, response{}, false
}

// decline is Stripe's 402 for a declined card, with the PaymentIntent
// left in requires_payment_method.
func (s *Server) decline(pi *PaymentIntent, declineCode string) response {
	pi.Status = "requires_payment_method"
	pi.LastPaymentError = "Your card was declined."
	body := s.piJSON(pi)
	body["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": declineCode, "message": pi.LastPaymentError}
	return response{status: http.StatusPaymentRequired, record: true, body: map[string]any{"error": map[string]any{
		"type": "card_error", "code": "card_declined", "decline_code": declineCode,
		"message": pi.LastPaymentError, "payment_intent": body,
	}}}
}

// createWithPaymentMethod creates a PaymentIntent paying with a test
// PaymentMethod (payment_method), as a processor-tokenized card is paid.
func (s *Server) createWithPaymentMethod(form url.Values, key string, amount int64, cur string) response {
	pm := form.Get("payment_method")
	scenario, known := paymentMethods[pm]
	if !known {
		r := apiError(http.StatusBadRequest, "invalid_request_error", "resource_missing", "payment_method", fmt.Sprintf("No such PaymentMethod: '%s'", pm))
		r.record = true
		return r
	}
	if ru := form.Get("return_url"); ru != "" {
		if u, err := url.Parse(ru); err != nil || !u.IsAbs() {
			return invalid("return_url", "Invalid URL: return_url must be an absolute URL.")
		}
	}
	pi, res, bad := s.newPI(form, key, amount, cur, pm)
	if bad {
		return res
	}
	switch scenario {
	case ScenarioDecline:
		code := "generic_decline"
		if pm == PaymentMethodInsufficientFunds {
			code = "insufficient_funds"
		}
		return s.decline(pi, code)
	case Scenario3DS:
		pi.Status = "requires_action"
		return ok(s.piJSON(pi))
	}
	pi.LatestCharge = s.nextID("ch")
	pi.Status = "succeeded"
	if pi.CaptureMethod == "manual" {
		pi.Status = "requires_capture"
	}
	return ok(s.piJSON(pi))
}

func (ts *tokenState) consume(amount int64) {
	ts.deactivatedReason, ts.deactivatedAt = "consumed", time.Now()
	ts.amountCaptured += amount
}

// metadataLimits refuses metadata beyond Stripe's limits, as Stripe does:
// at most 50 keys, keys of at most 40 characters, values of at most 500
// (the first offending key in key order is named).
func metadataLimits(md map[string]string) (response, bool) {
	if len(md) > 50 {
		return invalid("metadata", "You can specify up to 50 keys."), true
	}
	for _, k := range slices.Sorted(maps.Keys(md)) {
		v := md[k]
		if utf8.RuneCountInString(k) > 40 {
			return invalid("metadata", "Keys can be at most 40 characters long."), true
		}
		if utf8.RuneCountInString(v) > 500 {
			return invalid("metadata["+k+"]", "Values can be at most 500 characters long."), true
		}
	}
	return response{}, false
}

// confirmPI is POST /v1/payment_intents/{id}/confirm.
func (s *Server) confirmPI(id string, form url.Values) response {
	pi, found := s.pis[id]
	if !found {
		return noSuch("payment_intent", "intent")
	}
	if pi.Status != "requires_action" && pi.Status != "requires_confirmation" {
		r := apiError(http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state", "",
			fmt.Sprintf("You cannot confirm this PaymentIntent because it has a status of %s.", pi.Status))
		r.record = true
		return r
	}
	const tds = "payment_method_options[card][three_d_secure]"
	given := false
	for k := range form {
		if strings.HasPrefix(k, tds) {
			given = true
		}
	}
	if given {
		for _, f := range []string{"cryptogram", "electronic_commerce_indicator", "transaction_id", "version"} {
			if form.Get(tds+"["+f+"]") == "" {
				return invalid(tds+"["+f+"]", "Missing required param: "+tds+"["+f+"].")
			}
		}
		if a := form.Get(tds + "[ares_trans_status]"); a != "" && a != "Y" && a != "A" {
			return invalid(tds+"[ares_trans_status]", "Invalid ares_trans_status.")
		}
	}
	pi.Confirms = append(pi.Confirms, form)
	pi.LatestCharge = s.nextID("ch")
	if pi.CaptureMethod == "manual" {
		pi.Status = "requires_capture"
		return ok(s.piJSON(pi))
	}
	pi.Status = "succeeded"
	if ts := s.tokens[pi.Token]; ts != nil {
		ts.amountCaptured += pi.Amount
	}
	return ok(s.piJSON(pi))
}

// unexpectedState is Stripe's answer to an action a PaymentIntent's
// status does not allow.
func unexpectedState(action string, pi *PaymentIntent) response {
	r := apiError(http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state", "",
		fmt.Sprintf("You cannot %s this PaymentIntent because it has a status of %s.", action, pi.Status))
	r.record = true
	return r
}

// capturePI is POST /v1/payment_intents/{id}/capture.
func (s *Server) capturePI(id string, form url.Values) response {
	pi, found := s.pis[id]
	if !found {
		return noSuch("payment_intent", "intent")
	}
	if pi.Status != "requires_capture" {
		return unexpectedState("capture", pi)
	}
	amount := pi.Amount
	if v := form.Get("amount_to_capture"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > pi.Amount {
			return invalid("amount_to_capture", "amount_to_capture must be a positive integer no greater than the authorized amount.")
		}
		amount = n
	}
	ts := s.tokens[pi.Token]
	if ts != nil && ts.scenario == ScenarioCaptureFail {
		pi.Status = "canceled"
		pi.CancellationReason = "automatic"
		r := apiError(http.StatusBadRequest, "invalid_request_error", "charge_expired_for_capture", "",
			"The charge has expired and can no longer be captured.")
		r.record = true
		return r
	}
	pi.Captures++
	pi.Status = "succeeded"
	pi.Amount = amount
	if ts != nil {
		ts.amountCaptured += amount
	}
	return ok(s.piJSON(pi))
}

// refund is POST /v1/refunds for a whole PaymentIntent.
func (s *Server) refund(form url.Values) response {
	pi, found := s.pis[form.Get("payment_intent")]
	if !found {
		return noSuch("payment_intent", "payment_intent")
	}
	switch {
	case pi.Status != "succeeded":
		r := apiError(http.StatusBadRequest, "invalid_request_error", "", "payment_intent",
			fmt.Sprintf("This PaymentIntent (%s) does not have a successful charge to refund.", pi.ID))
		r.record = true
		return r
	case pi.Refunded >= pi.Amount:
		r := apiError(http.StatusBadRequest, "invalid_request_error", "charge_already_refunded", "",
			fmt.Sprintf("Charge %s has already been refunded.", pi.LatestCharge))
		r.record = true
		return r
	}
	pi.Refunded = pi.Amount
	return ok(map[string]any{
		"id": s.nextID("re"), "object": "refund", "amount": pi.Amount, "currency": pi.Currency,
		"payment_intent": pi.ID, "charge": pi.LatestCharge, "status": "succeeded",
	})
}

// cancelPI is POST /v1/payment_intents/{id}/cancel; it releases an
// authorization (requires_capture) too.
func (s *Server) cancelPI(id string, form url.Values) response {
	pi, found := s.pis[id]
	if !found {
		return noSuch("payment_intent", "intent")
	}
	switch pi.Status {
	case "succeeded", "canceled":
		return unexpectedState("cancel", pi)
	}
	switch reason := form.Get("cancellation_reason"); reason {
	case "", "abandoned", "duplicate", "fraudulent", "requested_by_customer":
		pi.CancellationReason = reason
	default:
		return invalid("cancellation_reason", "Invalid cancellation_reason: must be one of abandoned, duplicate, fraudulent or requested_by_customer.")
	}
	pi.Status = "canceled"
	return ok(s.piJSON(pi))
}

// mint is the test helper POST /v1/test_helpers/shared_payment/granted_tokens.
func (s *Server) mint(form url.Values) response {
	pm := form.Get("payment_method")
	if pm == "" {
		return invalid("payment_method", "Missing required param: payment_method.")
	}
	sc := ScenarioOK
	switch {
	case strings.Contains(pm, "chargeDeclined"):
		sc = ScenarioDecline
	case strings.Contains(pm, "threeDSecure") || strings.Contains(pm, "authenticationRequired"):
		sc = Scenario3DS
	}
	t := Token{ID: s.nextID("spt_test"), Currency: form.Get("usage_limits[currency]")}
	t.MaxAmount, _ = strconv.ParseInt(form.Get("usage_limits[max_amount]"), 10, 64)
	if exp, _ := strconv.ParseInt(form.Get("usage_limits[expires_at]"), 10, 64); exp > 0 {
		t.ExpiresAt = time.Unix(exp, 0)
	}
	ts := newTokenState(t, sc)
	s.tokens[t.ID] = ts
	return ok(tokenJSON(ts))
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func tokenJSON(ts *tokenState) map[string]any {
	reason, at := ts.deactivatedReason, ts.deactivatedAt
	if reason == "" && !ts.ExpiresAt.IsZero() && !time.Now().Before(ts.ExpiresAt) {
		reason, at = "expired", ts.ExpiresAt
	}
	var r any
	if reason != "" {
		r = reason
	}
	return map[string]any{
		"id": ts.ID, "object": "shared_payment.granted_token", "livemode": false, "created": time.Now().Unix(),
		"deactivated_at": unix(at), "deactivated_reason": r,
		"usage_limits":  map[string]any{"currency": ts.Currency, "max_amount": ts.MaxAmount, "expires_at": unix(ts.ExpiresAt)},
		"usage_details": map[string]any{"amount_captured": map[string]any{"currency": ts.Currency, "value": ts.amountCaptured}},
		"payment_method_details": map[string]any{
			"type": "card", "card": map[string]any{"brand": "visa", "last4": "4242", "funding": "credit"},
		},
	}
}

func (s *Server) piJSON(pi *PaymentIntent) map[string]any {
	obj := PaymentIntentObject(snapshot(pi))
	if pi.Status == "requires_action" && pi.ReturnURL != "" {
		obj["next_action"] = map[string]any{"type": "redirect_to_url", "redirect_to_url": map[string]any{
			"url": s.URL + ChallengePath + pi.ID, "return_url": pi.ReturnURL,
		}}
	}
	return obj
}

// PaymentIntentObject renders a PaymentIntent as Stripe's JSON object.
func PaymentIntentObject(pi PaymentIntent) map[string]any {
	md := map[string]any{}
	for k, v := range pi.Metadata {
		md[k] = v
	}
	obj := map[string]any{
		"id": pi.ID, "object": "payment_intent", "amount": pi.Amount, "currency": pi.Currency,
		"status": pi.Status, "metadata": md, "livemode": false, "created": unix(pi.Created),
		"client_secret": pi.ID + "_secret_fake", "confirmation_method": "automatic", "capture_method": pi.CaptureMethod,
		"payment_method": nilIfEmpty(pi.PaymentMethod), "latest_charge": nilIfEmpty(pi.LatestCharge),
		"amount_received": 0, "amount_capturable": 0, "cancellation_reason": nilIfEmpty(pi.CancellationReason),
	}
	if pi.CaptureMethod == "" {
		obj["capture_method"] = "automatic"
	}
	if pi.Status == "requires_capture" {
		obj["amount_capturable"] = pi.Amount
	}
	if pi.Status == "succeeded" {
		obj["amount_received"] = pi.Amount
	}
	if pi.Status == "requires_action" {
		obj["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{"type": "three_d_secure_redirect"}}
	}
	if pi.LastPaymentError != "" && pi.Status == "requires_payment_method" {
		obj["last_payment_error"] = map[string]any{"type": "card_error", "message": pi.LastPaymentError}
	}
	return obj
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
