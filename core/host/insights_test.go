package host_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/internal/acpschema"
)

// insightsCreate and insightsComplete are the demo checkout with what an
// agent tells beyond the cart: an attribution at create (the first
// touch) and at complete (the last), the buyer's marketing decisions
// (email and whatsapp offered, sms not; the session has no phone number,
// so whatsapp cannot be resolved), risk signals and order notes.
const (
	insightsCreate = `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"},{"id":"beans-house-1kg"}],"currency":"usd","capabilities":{},
		"affiliate_attribution":{"provider":"impact.com","token":"atp_FIRST_0123456789","publisher_id":"pub_123","campaign_id":"camp_first","touchpoint":"first"}}`
	insightsComplete = `{"payment_data":{"handler_id":"sandbox_card","instrument":{"type":"card","credential":{"type":"spt","token":"spt_demo"}}},
		"affiliate_attribution":{"provider":"impact.com","token":"atp_LAST_9876543210","campaign_id":"camp_last","touchpoint":"last","metadata":{"rate":0.15}},
		"marketing_consents":[{"channel":"email","opted_in":true},{"channel":"sms","opted_in":true},{"channel":"whatsapp","opted_in":true}],
		"risk_signals":{"ip_address":"203.0.113.45","user_agent":"Mozilla/5.0","session_id":"agent_sess_1"},
		"order_notes":"Leave at the back door"}`
)

// TestInsightsReachOrderSystem: attribution, consents, risk signals and
// order notes travel from the ACP requests through the order-forward
// plugin (a real subprocess) to the store's order intake, the consents
// only for the offered channel with a contact; the order keeps them for
// the merchant API, tokens masked; a cancel's intent trace is kept on its
// session; and both are counted in the metrics.
func TestInsightsReachOrderSystem(t *testing.T) {
	t.Parallel()
	in := &intake{t: t}
	intakeServer := httptest.NewServer(in)
	defer intakeServer.Close()
	cfg := pluginsStore(t, t.TempDir(), intakeServer.URL)
	cfg.Merchant.MarketingConsentOptions = []config.MarketingConsentOption{
		{Channel: "email", DisplayText: "News and offers", PrivacyPolicyURL: "https://shop.example/privacy"},
		{Channel: "whatsapp", DisplayText: "Delivery updates and offers", PrivacyPolicyURL: "https://shop.example/privacy"},
	}
	s := startServerEnv(t, cfg, map[string]string{"ACP_ORDER_INTAKE_SECRET": intakeSecret})
	schemas := acpschema.For(t, v0417)

	created := s.do(t, request{path: "/checkout_sessions", body: insightsCreate, token: demoToken})
	wantStatus(t, created, http.StatusCreated)
	session := created.json(t)
	id := session["id"].(string)
	if opts, _ := session["marketing_consent_options"].([]any); len(opts) != 2 {
		t.Errorf("marketing_consent_options = %v, want the two configured channels", session["marketing_consent_options"])
	}
	if strings.Contains(string(created.body), "atp_FIRST") {
		t.Errorf("the session answer shows the write-only attribution: %s", created.body)
	}
	wantStatus(t, s.do(t, request{path: "/checkout_sessions/" + id, body: demoUpdate, token: demoToken}), http.StatusOK)
	schemas.Def(t, "CheckoutSessionCompleteRequest", []byte(insightsComplete))
	done := s.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: insightsComplete, token: demoToken})
	wantStatus(t, done, http.StatusOK)
	orderID := done.json(t)["order"].(map[string]any)["id"].(string)

	calls := in.received()
	if len(calls) != 1 {
		t.Fatalf("intake received %d calls, want the placement", len(calls))
	}
	body := calls[0].body
	if body["order_notes"] != "Leave at the back door" {
		t.Errorf("order_notes = %v", body["order_notes"])
	}
	touches, _ := body["attribution"].([]any)
	if len(touches) != 2 || dig(touches[0], "touchpoint") != "first" || dig(touches[0], "token") != "atp_FIRST_0123456789" ||
		dig(touches[0], "publisher_id") != "pub_123" || dig(touches[1], "touchpoint") != "last" ||
		dig(touches[1], "token") != "atp_LAST_9876543210" || dig(touches[1], "metadata", "rate") != "0.15" {
		t.Errorf("attribution = %v, want the first and the last touch with their tokens", touches)
	}
	consents, _ := body["marketing_consents"].([]any)
	if len(consents) != 1 || dig(consents[0], "channel") != "email" || dig(consents[0], "contact") != "ada@example.com" || dig(consents[0], "opted_in") != true {
		t.Errorf("marketing_consents = %v, want email only (sms not offered, whatsapp without a phone)", consents)
	}
	if dig(body, "risk_signals", "ip_address") != "203.0.113.45" || dig(body, "risk_signals", "session_id") != "agent_sess_1" {
		t.Errorf("risk_signals = %v", body["risk_signals"])
	}

	shown := s.do(t, request{method: http.MethodGet, path: "/merchant/orders/" + orderID, token: "demo-merchant-local-token", noVersion: true})
	wantStatus(t, shown, http.StatusOK)
	order := shown.json(t)
	if dig(order, "insights", "first_touch", "token") != "****6789" || dig(order, "insights", "last_touch", "campaign_id") != "camp_last" ||
		dig(order, "insights", "expires_at") == nil {
		t.Errorf("the order's insights = %v", order["insights"])
	}
	if bytes.Contains(shown.body, []byte("atp_FIRST")) || bytes.Contains(shown.body, []byte("atp_LAST")) {
		t.Errorf("the merchant API shows an attribution token in full: %s", shown.body)
	}

	// A cancel with an unknown reason code counts as other; its trace
	// is on the session.
	other := s.do(t, request{path: "/checkout_sessions", body: demoCreate, token: demoToken}).json(t)["id"].(string)
	cancel := `{"intent_trace":{"reason_code":"found_it_cheaper_nearby","trace_summary":"The buyer found it nearby."}}`
	// The schema's reason_code enum is extensible ("validators SHOULD be
	// configured for lenient enum handling"): the rest is checked.
	schemas.Def(t, "CancelSessionRequest", []byte(strings.Replace(cancel, "found_it_cheaper_nearby", "other", 1)))
	wantStatus(t, s.do(t, request{path: "/checkout_sessions/" + other + "/cancel", body: cancel, token: demoToken}), http.StatusOK)
	got := s.do(t, request{method: http.MethodGet, path: "/merchant/checkout_sessions/" + other, token: "demo-merchant-local-token", noVersion: true})
	if wantStatus(t, got, http.StatusOK); dig(got.json(t), "intent_trace", "reason_code") != "found_it_cheaper_nearby" {
		t.Errorf("the canceled session = %s, want its intent trace", got.body)
	}

	metrics := s.do(t, request{method: http.MethodGet, path: "/metrics", noAuth: true, noVersion: true})
	for _, want := range []string{
		`acp_checkout_cancel_reasons_total{reason_code="other"} 1`,
		`acp_checkout_cancel_reasons_total{reason_code="shipping_cost"} 0`,
		`acp_orders_attributed_total{provider="impact.com"} 1`,
	} {
		if !bytes.Contains(metrics.body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(s.logs.String(), "atp_") || strings.Contains(s.logs.String(), "203.0.113.45") {
		t.Errorf("the logs show a token or an IP address:\n%s", s.logs.String())
	}
}
