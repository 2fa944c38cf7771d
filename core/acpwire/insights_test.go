package acpwire

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/acpschema"
)

// completeWith is a valid complete body with extra members.
func completeWith(extra string) string {
	return `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"t"}}},` + extra + `}`
}

// createWith is a valid create body with extra members.
func createWith(extra string) string {
	return `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},` + extra + `}`
}

// TestWriteOnlyRefusals: the write-only members are checked as ACP-NOTES
// §7.5 and §7.6 ask, each error a 400 whose body is a valid Error of
// every version that has the member: attribution's structural errors are
// invalid_type, personal data in it pii_not_allowed.
func TestWriteOnlyRefusals(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		op, body, wantCode, wantParam string
	}{
		"attribution not object":  {"create", createWith(`"affiliate_attribution":"impact"`), apierr.CodeInvalidType, "$.affiliate_attribution"},
		"attribution no provider": {"create", createWith(`"affiliate_attribution":{"token":"atp_1"}`), apierr.CodeMissing, "$.affiliate_attribution.provider"},
		"attribution no claim":    {"create", createWith(`"affiliate_attribution":{"provider":"impact.com","campaign_id":"c"}`), apierr.CodeInvalidType, "$.affiliate_attribution"},
		"attribution number":      {"create", createWith(`"affiliate_attribution":{"provider":"impact.com","publisher_id":123}`), apierr.CodeInvalidType, "$.affiliate_attribution.publisher_id"},
		"attribution source":      {"create", createWith(`"affiliate_attribution":{"provider":"p","token":"t","source":{"type":7}}`), apierr.CodeInvalidType, "$.affiliate_attribution.source.type"},
		"attribution time":        {"complete", completeWith(`"affiliate_attribution":{"provider":"p","token":"t","issued_at":"yesterday"}`), apierr.CodeInvalidType, "$.affiliate_attribution.issued_at"},
		"attribution nested meta": {"complete", completeWith(`"affiliate_attribution":{"provider":"p","token":"t","metadata":{"a":{"b":1}}}`), apierr.CodeInvalidType, "$.affiliate_attribution.metadata.a"},
		"email in sub_id":         {"create", createWith(`"affiliate_attribution":{"provider":"p","token":"t","sub_id":"ada@example.com"}`), apierr.CodePIINotAllowed, "$.affiliate_attribution.sub_id"},
		"email in source url":     {"complete", completeWith(`"affiliate_attribution":{"provider":"p","token":"t","source":{"type":"url","url":"https://blog.example/?u=ada%40example.com&e=ada@example.com"}}`), apierr.CodePIINotAllowed, "$.affiliate_attribution.source.url"},
		"email as publisher":      {"complete", completeWith(`"affiliate_attribution":{"provider":"p","publisher_id":" Ada.Lovelace@Example.co.uk "}`), apierr.CodePIINotAllowed, "$.affiliate_attribution.publisher_id"},
		"e164 phone in metadata":  {"complete", completeWith(`"affiliate_attribution":{"provider":"p","token":"t","metadata":{"ref":"+1 (415) 555-0123"}}`), apierr.CodePIINotAllowed, "$.affiliate_attribution.metadata.ref"},
		"first bad metadata key":  {"create", createWith(`"affiliate_attribution":{"provider":"p","token":"t","metadata":{"z":"+14155550123","m":"415 555 0123","a":"ada@example.com"}}`), apierr.CodePIINotAllowed, "$.affiliate_attribution.metadata.a"},
		"phone in metadata":       {"create", createWith(`"affiliate_attribution":{"provider":"p","token":"t","metadata":{"buyer":"415-555-0123"}}`), apierr.CodePIINotAllowed, "$.affiliate_attribution.metadata.buyer"},
		"risk not object":         {"complete", completeWith(`"risk_signals":["203.0.113.1"]`), apierr.CodeInvalidType, "$.risk_signals"},
		"risk ip number":          {"complete", completeWith(`"risk_signals":{"ip_address":203}`), apierr.CodeInvalidType, "$.risk_signals.ip_address"},
		"consents not array":      {"complete", completeWith(`"marketing_consents":{"email":true}`), apierr.CodeInvalidType, "$.marketing_consents"},
		"consent opted_in string": {"complete", completeWith(`"marketing_consents":[{"channel":"email","opted_in":"yes"}]`), apierr.CodeInvalidType, "$.marketing_consents[0].opted_in"},
		"consent no channel":      {"complete", completeWith(`"marketing_consents":[{"opted_in":true}]`), apierr.CodeMissing, "$.marketing_consents[0].channel"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := decode(codec(t), tc.op, []byte(tc.body))
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("decode error = %v, want an ACP error", err)
			}
			if ae.Status != http.StatusBadRequest || ae.Code != tc.wantCode || ae.Param != tc.wantParam {
				t.Errorf("error = %d %s %q, want 400 %s %q (%s)", ae.Status, ae.Code, ae.Param, tc.wantCode, tc.wantParam, ae.Message)
			}
			body, merr := json.Marshal(ae)
			if merr != nil {
				t.Fatal(merr)
			}
			for _, version := range []string{V20251212, V20260130, V20260417} {
				acpschema.For(t, version).Def(t, "Error", body)
			}
		})
	}
}

// TestWriteOnlyDecoded: valid members are decoded into the model's types;
// unknown sub-fields are ignored, identifiers that merely contain digits
// are no phone numbers, and consents are read only under 2026-04-17,
// which offers channels.
func TestWriteOnlyDecoded(t *testing.T) {
	t.Parallel()
	attribution := `{"provider":"impact.com","token":"atp_01J8Z3WXYZ9ABC","publisher_id":"pub_1234567890","campaign_id":"camp_2026-01-01",
		"creative_id":"cr_9","sub_id":"2026-02-11","source":{"type":"url","url":"https://blog.example/review"},
		"issued_at":"2026-02-11T10:00:00Z","expires_at":"2026-02-11T12:00:00+01:00","metadata":{"rate":0.15,"kind":"influencer","ok":true},
		"touchpoint":"last","future_member":{"x":1}}`
	body := completeWith(`"affiliate_attribution":` + attribution + `,
		"risk_signals":{"ip_address":"203.0.113.45","user_agent":"Mozilla/5.0","device_fingerprint":"fp_1"},
		"marketing_consents":[{"channel":"email","opted_in":true},{"channel":"sms","opted_in":false},{"channel":"email","opted_in":false}]`)
	acpschema.For(t, V20260417).Def(t, "CheckoutSessionCompleteRequest", []byte(body))
	in, err := codec(t).DecodeComplete([]byte(body))
	if err != nil {
		t.Fatalf("DecodeComplete() error = %v", err)
	}
	issued, expires := time.Date(2026, 2, 11, 10, 0, 0, 0, time.UTC), time.Date(2026, 2, 11, 11, 0, 0, 0, time.UTC)
	a := in.Attribution
	if a == nil || a.Provider != "impact.com" || a.Token != "atp_01J8Z3WXYZ9ABC" || a.PublisherID != "pub_1234567890" || a.SubID != "2026-02-11" ||
		a.SourceType != "url" || a.SourceURL != "https://blog.example/review" || !a.IssuedAt.Equal(issued) || !a.ExpiresAt.Equal(expires) ||
		a.Metadata["rate"] != "0.15" || a.Metadata["kind"] != `"influencer"` || a.Metadata["ok"] != "true" {
		t.Errorf("attribution = %+v", a)
	}
	if rs := in.RiskSignals; rs == nil || *rs != (model.RiskSignals{IPAddress: "203.0.113.45", UserAgent: "Mozilla/5.0", DeviceFingerprint: "fp_1"}) {
		t.Errorf("risk signals = %+v", rs)
	}
	want := []model.MarketingConsent{{Channel: "sms", OptedIn: false}, {Channel: "email", OptedIn: false}}
	if len(in.MarketingConsents) != 2 || in.MarketingConsents[0] != want[0] || in.MarketingConsents[1] != want[1] {
		t.Errorf("consents = %+v, want %+v (one per channel, the later decision winning)", in.MarketingConsents, want)
	}

	older, _ := New(V20260130, Seller{}, DefaultLimits)
	in, err = older.DecodeComplete([]byte(body))
	if err != nil {
		t.Fatalf("2026-01-30 DecodeComplete() error = %v", err)
	}
	if in.MarketingConsents != nil || in.RiskSignals == nil || in.Attribution == nil {
		t.Errorf("2026-01-30: consents %v (want none: no channel was offered), risk %v, attribution %v", in.MarketingConsents, in.RiskSignals, in.Attribution)
	}
	legacy, _ := New(V20251212, Seller{}, DefaultLimits)
	created, err := legacy.DecodeCreate([]byte(`{"items":[{"id":"a","quantity":1}],"affiliate_attribution":{"provider":"p","publisher_id":"pub_1"}}`))
	if err != nil || created.Attribution == nil || created.Attribution.PublisherID != "pub_1" {
		t.Errorf("2025-12-12 create: attribution %+v, error %v", created.Attribution, err)
	}
}

// TestConsentOptionsOffered: the configured channels are offered in
// 2026-04-17 session responses (a valid CheckoutSession), and not before.
func TestConsentOptionsOffered(t *testing.T) {
	t.Parallel()
	seller := Seller{ConsentOptions: []ConsentOption{{Channel: "email", DisplayText: "News and offers", PrivacyPolicyURL: "https://shop.example/privacy"}}}
	sess := &model.Session{ID: "cs_1", Status: model.StatusNotReadyForPayment, Currency: "usd", Messages: nil,
		CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0), ExpiresAt: time.Unix(3600, 0)}
	for _, tc := range []struct {
		version string
		offered bool
	}{{V20260417, true}, {V20260130, false}} {
		c, _ := New(tc.version, seller, DefaultLimits)
		data, err := c.EncodeSession(sess)
		if err != nil {
			t.Fatal(err)
		}
		acpschema.For(t, tc.version).Response(t, acpschema.AnySession, data)
		var out struct {
			Options []map[string]any `json:"marketing_consent_options"`
		}
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		if got := len(out.Options) == 1 && out.Options[0]["channel"] == "email" && out.Options[0]["privacy_policy_url"] == "https://shop.example/privacy"; got != tc.offered {
			t.Errorf("%s: marketing_consent_options = %v, offered %v", tc.version, out.Options, tc.offered)
		}
	}
}

// TestLooksLikePII: only obvious personal data counts: a whole value that
// is an email address (or a URL whose decoded query value is one), and,
// outside provider-scoped ids, a phone number written as one ("+" and 8
// to 15 digits, or phone-style groups). Ids, dates, timestamps, IP
// addresses and GTINs that merely hold digits are not.
func TestLooksLikePII(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		check piiCheck
		want  bool
	}{
		// Personal data.
		{"ada@example.com", emailOnly, true},
		{"  Ada.Lovelace+shop@mail.example.co.uk ", emailOnly, true},
		{"jane_doe@example.io", emailOrPhone, true},
		{"https://blog.example/?u=ada%40example.com", emailOrPhone, true},
		{"https://blog.example/r?ref=x&e=ada@example.com", emailOrPhone, true},
		{"+1 (415) 555-0123", emailOrPhone, true},
		{"+14155550123", emailOrPhone, true},
		{"+44 20 7946 0958", emailOrPhone, true},
		{"+49-30-1234567", emailOrPhone, true},
		{"(415) 555-0123", emailOrPhone, true},
		{"415-555-0123", emailOrPhone, true},
		{"415 555 0123", emailOrPhone, true},
		{"020 7946 0958", emailOrPhone, true},
		// Not personal data.
		{"1234567", emailOrPhone, false},
		{"20240115", emailOrPhone, false},
		{"2024.01.15", emailOrPhone, false},
		{"2024-01-15", emailOrPhone, false},
		{"15-01-2024", emailOrPhone, false},
		{"1714000000", emailOrPhone, false},
		{"1714000000123", emailOrPhone, false},
		{"203.0.113.45", emailOrPhone, false},
		{"00012345678905", emailOrPhone, false},
		{"4006381333931", emailOrPhone, false},
		{"pub_1234567890", emailOrPhone, false},
		{"555-0123", emailOrPhone, false},
		{"+1234", emailOrPhone, false},
		{"2026-02-11T10:00:00Z", emailOrPhone, false},
		{"sub_123@campaign.summer", emailOnly, false},
		{"utm=spring@2024.sale", emailOnly, false},
		{"https://user:pass@shop.example.com/landing?x=1", emailOrPhone, false},
		{"https://blog.example/?click=20240115&pub=1234567", emailOrPhone, false},
		// Provider-scoped ids are not checked for phone numbers.
		{"+1 (415) 555-0123", emailOnly, false},
		{"415-555-0123", emailOnly, false},
	} {
		if got := looksLikePII(tc.value, tc.check); got != tc.want {
			t.Errorf("looksLikePII(%q, %v) = %v, want %v", tc.value, tc.check, got, tc.want)
		}
	}
}

// TestAttributionNotRefused: an attribution whose ids are numbers, dates,
// timestamps or IP addresses, or whose source type ACP does not define,
// is accepted (the type read as "unknown"): attribution never blocks a
// checkout on a value that merely looks odd.
func TestAttributionNotRefused(t *testing.T) {
	t.Parallel()
	attribution := `{"provider":"impact.com","token":"1714000000","publisher_id":"1234567","campaign_id":"20240115",
		"creative_id":"2024.01.15","sub_id":"sub_123@campaign.summer","source":{"type":"newsletter","url":"https://user:pass@shop.example.com/?utm=spring@2024.sale"},
		"metadata":{"ip":"203.0.113.45","gtin":"00012345678905","at":1714000000}}`
	body := createWith(`"affiliate_attribution":` + attribution)
	// The body is valid but for the source type, which is the point.
	acpschema.For(t, V20260417).Def(t, "CheckoutSessionCreateRequest", []byte(strings.Replace(body, `"newsletter"`, `"url"`, 1)))
	in, err := codec(t).DecodeCreate([]byte(body))
	if err != nil {
		t.Fatalf("DecodeCreate() error = %v", err)
	}
	if a := in.Attribution; a == nil || a.PublisherID != "1234567" || a.SourceType != "unknown" || a.Metadata["ip"] != `"203.0.113.45"` {
		t.Errorf("attribution = %+v, want it kept with source type unknown", a)
	}
}

// TestIntentTraceLenient: a cancel never fails because of its trace
// unless the trace is structurally wrong: "metadata": null counts as
// absent, and a trace_summary over 500 characters is cut to 500 (runes,
// not bytes) and stored; both under every version with traces.
func TestIntentTraceLenient(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 600)
	for _, version := range []string{V20251212, V20260130, V20260417} {
		c, ok := New(version, Seller{}, DefaultLimits)
		if !ok {
			t.Fatalf("no codec for %s", version)
		}
		in, err := c.DecodeCancel([]byte(`{"intent_trace":{"reason_code":"comparison","metadata":null}}`))
		if err != nil {
			t.Fatalf("%s: metadata null: %v", version, err)
		}
		var stored map[string]any
		if err := json.Unmarshal(in.IntentTrace, &stored); err != nil || stored["reason_code"] != "comparison" {
			t.Errorf("%s: stored trace %s, %v", version, in.IntentTrace, err)
		}
		if _, ok := stored["metadata"]; ok {
			t.Errorf("%s: stored trace %s keeps metadata: null", version, in.IntentTrace)
		}
		in, err = c.DecodeCancel([]byte(`{"intent_trace":{"reason_code":"other","trace_summary":"` + long + `","metadata":{"a":1}}}`))
		if err != nil {
			t.Fatalf("%s: long summary: %v", version, err)
		}
		var trace struct {
			ReasonCode   string         `json:"reason_code"`
			TraceSummary string         `json:"trace_summary"`
			Metadata     map[string]any `json:"metadata"`
		}
		if err := json.Unmarshal(in.IntentTrace, &trace); err != nil || trace.TraceSummary != long[:1000] || trace.ReasonCode != "other" || trace.Metadata["a"] != 1.0 {
			t.Errorf("%s: stored trace %s, %v; want the summary cut to 500 characters and the rest kept", version, in.IntentTrace, err)
		}
		// A structural error still answers 400.
		if _, err := c.DecodeCancel([]byte(`{"intent_trace":{"reason_code":"other","trace_summary":7}}`)); err == nil {
			t.Errorf("%s: a numeric trace_summary was accepted", version)
		}
	}
}
