package host_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/config"
)

// TestUCPProtocolErrors: every refusal is UCP's protocol error {code,
// content} with the status overview.md and checkout-rest.md give it, or a
// 200 error_response for the business outcomes, never a 5xx.
func TestUCPProtocolErrors(t *testing.T) {
	t.Parallel()
	s := startUCPServer(t, nil)
	created := decodeCheckout(t, s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"ebook"},"quantity":1}]}`}))
	acp := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"ebook","quantity":1}],"currency":"usd","capabilities":{}}`})
	wantStatus(t, acp, http.StatusCreated)
	acpID := acp.json(t)["id"].(string)
	tests := []struct {
		name   string
		req    ucpRequest
		status int
		code   string
	}{
		{"no credentials", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, omit: []string{"Authorization"}}, 401, "unauthorized"},
		{"unknown token", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, token: "nope"}, 401, "unauthorized"},
		{"missing Request-Id", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, omit: []string{"Request-Id"}}, 400, "request_id_missing"},
		{"missing UCP-Agent", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, omit: []string{"UCP-Agent"}}, 400, "invalid_profile_url"},
		{"profile not allowed", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, profile: "https://elsewhere.test/p"}, 403, "profile_not_allowed"},
		{"missing Idempotency-Key", ucpRequest{path: "/checkout-sessions", body: `{"line_items":[]}`, omit: []string{"Idempotency-Key"}}, 400, "idempotency_key_required"},
		{"not JSON", ucpRequest{path: "/checkout-sessions", body: `{"line_items":`}, 400, "invalid"},
		{"an array", ucpRequest{path: "/checkout-sessions", body: `[]`}, 400, "invalid"},
		{"quantity a string", ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"ebook"},"quantity":"2"}]}`}, 400, "invalid"},
		{"quantity zero", ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"ebook"},"quantity":0}]}`}, 400, "invalid"},
		{"no line_items", ucpRequest{path: "/checkout-sessions", body: `{}`}, 400, "missing"},
		{"update without line_items", ucpRequest{method: http.MethodPut, path: "/checkout-sessions/" + created.ID, body: `{"buyer":{}}`}, 400, "missing"},
		{"unknown session", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/cs_nope"}, 404, "not_found"},
		{"another agent's session", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, token: otherToken}, 404, "not_found"},
		{"an ACP session", ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + acpID}, 404, "not_found"},
		{"complete without payment", ucpRequest{path: "/checkout-sessions/" + created.ID + "/complete", body: `{}`}, 400, "missing"},
		{"unknown route", ucpRequest{method: http.MethodGet, path: "/carts/x"}, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.ucp(t, tt.req)
			wantStatus(t, r, tt.status)
			var e struct{ Code, Content string }
			if err := json.Unmarshal(r.body, &e); err != nil || e.Code != tt.code || e.Content == "" {
				t.Fatalf("error = %s, want code %s", r.body, tt.code)
			}
		})
	}
	t.Run("unauthorized names its scheme", func(t *testing.T) {
		r := s.ucp(t, ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, omit: []string{"Authorization"}})
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("X-API-Key authenticates", func(t *testing.T) {
		got := decodeCheckout(t, s.ucp(t, ucpRequest{method: http.MethodGet, path: "/checkout-sessions/" + created.ID, apiKey: true}))
		if got.ID != created.ID {
			t.Fatalf("get by X-API-Key = %+v", got)
		}
	})
	t.Run("capabilities incompatible", func(t *testing.T) {
		r := s.ucp(t, ucpRequest{path: "/checkout-sessions", profile: ucpNoneProfile, body: `{"line_items":[{"item":{"id":"ebook"},"quantity":1}]}`})
		wantStatus(t, r, http.StatusOK)
		if !bytes.Contains(r.body, []byte(`"status":"error"`)) || !bytes.Contains(r.body, []byte(`"code":"capabilities_incompatible"`)) {
			t.Fatalf("body = %s", r.body)
		}
	})
	t.Run("a profile without the extensions", func(t *testing.T) {
		r := s.ucp(t, ucpRequest{path: "/checkout-sessions", profile: ucpBareProfile,
			body: `{"line_items":[{"item":{"id":"ebook"},"quantity":1}],"discounts":{"codes":["X"]},"fulfillment":{"methods":[{"type":"shipping"}]}}`})
		wantStatus(t, r, http.StatusCreated)
		if bytes.Contains(r.body, []byte(`"discounts"`)) || bytes.Contains(r.body, []byte(`"fulfillment":{`)) || bytes.Contains(r.body, []byte(ucpFulfillmentCap)) {
			t.Fatalf("extensions not negotiated appear: %s", r.body)
		}
	})
}

const ucpFulfillmentCap = `"dev.ucp.shopping.fulfillment"`

// TestUCPIdempotency: a retry with the same key and body gets the first
// response byte for byte; the key with another body is a 409; keys are
// scoped like ACP's and fingerprinted under the UCP version.
func TestUCPIdempotency(t *testing.T) {
	t.Parallel()
	s := startUCPServer(t, nil)
	body := `{"line_items":[{"item":{"id":"ebook"},"quantity":1}]}`
	first := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: body, key: "k-create"})
	wantStatus(t, first, http.StatusCreated)
	again := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: body, key: "k-create"})
	if again.status != first.status || !bytes.Equal(again.body, first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %d %s, want the first answer %s", again.status, again.body, first.body)
	}
	other := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"ebook"},"quantity":2}]}`, key: "k-create"})
	wantStatus(t, other, http.StatusConflict)
	if !bytes.Contains(other.body, []byte(`"code":"idempotency_conflict"`)) {
		t.Fatalf("conflict = %s", other.body)
	}
	id := decodeCheckout(t, first).ID
	update := func(q int) response {
		return s.ucp(t, ucpRequest{method: http.MethodPut, path: "/checkout-sessions/" + id, key: "k-update",
			body: fmt.Sprintf(`{"line_items":[{"item":{"id":"ebook"},"quantity":%d}]}`, q)})
	}
	u1, u2 := update(3), update(3)
	if u1.status != http.StatusOK || !bytes.Equal(u1.body, u2.body) {
		t.Fatalf("update replay differs: %s vs %s", u1.body, u2.body)
	}
	wantStatus(t, update(4), http.StatusConflict)
}

// TestUCPAndACPShareStockAndPromotions: a UCP order of the last unit
// makes an ACP checkout see the item sold out, and a code limited to one
// use, used over UCP, is used up for ACP.
func TestUCPAndACPShareStockAndPromotions(t *testing.T) {
	t.Parallel()
	s := startUCPServer(t, func(cfg *config.Config) {
		for i := range cfg.Catalog.Items {
			if cfg.Catalog.Items[i].SKU == "item_123" {
				one := int64(1)
				cfg.Catalog.Items[i].Stock = &one
			}
		}
		cfg.Promotions = []config.Promotion{{ID: "once", Name: "Once", Code: "ONCE", Kind: "amount_off", Value: 50, MaxUses: 1}}
	})
	c := decodeCheckout(t, s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"item_123"},"quantity":1}]}`}))
	path := "/checkout-sessions/" + c.ID
	ready := decodeCheckout(t, s.ucp(t, ucpRequest{method: http.MethodPut, path: path, body: ucpShipping(1, "fulfillment_option_123", "ONCE")}))
	if ready.Status != "ready_for_complete" || ready.Discounts == nil || len(ready.Discounts.Applied) != 1 {
		t.Fatalf("ready = %+v", ready)
	}
	done := decodeCheckout(t, s.ucp(t, ucpRequest{path: path + "/complete", body: fmt.Sprintf(ucpComplete, "tok_ok")}))
	if done.Status != "completed" {
		t.Fatalf("complete = %+v", done)
	}

	acp := s.do(t, request{path: "/checkout_sessions", body: `{"line_items":[{"id":"item_123","quantity":1}],"currency":"usd",
		"capabilities":{"extensions":["discount"]},"discounts":{"codes":["ONCE"]}}`})
	wantStatus(t, acp, http.StatusCreated)
	var sess struct {
		Messages []struct{ Type, Code string }
	}
	if err := json.Unmarshal(acp.body, &sess); err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, m := range sess.Messages {
		codes[m.Code] = true
	}
	if !codes["out_of_stock"] || !codes["discount_code_usage_limit_reached"] {
		t.Fatalf("ACP create after the UCP order: %s", acp.body)
	}
}

// TestUCPCreateAllUnavailable: a create whose every item is unavailable
// creates nothing and answers checkout-rest.md's error_response (200,
// ucp.status error, an unrecoverable message, continue_url).
func TestUCPCreateAllUnavailable(t *testing.T) {
	t.Parallel()
	s := startUCPServer(t, nil)
	for _, tt := range []struct{ body, code string }{
		{`{"line_items":[{"item":{"id":"sold-out"},"quantity":1}]}`, "out_of_stock"},
		{`{"line_items":[{"item":{"id":"nothing-like-it"},"quantity":1},{"item":{"id":"sold-out"},"quantity":1}]}`, "item_unavailable"},
	} {
		r := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: tt.body, key: "k-" + tt.code})
		wantStatus(t, r, http.StatusOK)
		var e struct {
			UCP      struct{ Status string }
			ID       string
			Messages []struct{ Code, Severity string }
			Continue string `json:"continue_url"`
		}
		if err := json.Unmarshal(r.body, &e); err != nil || e.UCP.Status != "error" || e.ID != "" || len(e.Messages) != 1 ||
			e.Messages[0].Code != tt.code || e.Messages[0].Severity != "unrecoverable" || e.Continue != "https://shop.test/" {
			t.Fatalf("body = %s", r.body)
		}
		again := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: tt.body, key: "k-" + tt.code})
		if !bytes.Equal(again.body, r.body) {
			t.Errorf("retry = %s, want the stored %s", again.body, r.body)
		}
	}
	// A cart with one item that can be bought is created, with a message
	// for the one that cannot.
	r := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"ebook"},"quantity":1},{"item":{"id":"sold-out"},"quantity":1}]}`})
	wantStatus(t, r, http.StatusCreated)
}

// TestUCPThreeDSEscalates: overview.md's Scenario B. A payment the issuer
// wants verified answers requires_escalation with the requires_3ds error
// and the challenge page as continue_url, charging nothing; once the
// buyer went through it, the platform completes again and the order is
// placed, charged once.
func TestUCPThreeDSEscalates(t *testing.T) {
	t.Parallel()
	const challenge = "https://shop.test/after-challenge"
	s := startUCPServer(t, func(cfg *config.Config) {
		cfg.Payments.Handlers[0].UCP = &config.PaymentHandlerUCP{ChallengeReturnURL: challenge}
	})
	c := decodeCheckout(t, s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"ebook"},"quantity":1}],"buyer":{"email":"a@b.test"}}`}))
	if c.Status != "ready_for_complete" || len(c.UCP.PaymentHandlers) == 0 {
		t.Fatalf("created = %+v", c)
	}
	complete := ucpRequest{path: "/checkout-sessions/" + c.ID + "/complete", body: fmt.Sprintf(ucpComplete, "tok_3ds")}
	r := decodeCheckout(t, s.ucp(t, complete))
	found := false
	for _, m := range r.Messages {
		found = found || (m.Type == "error" && m.Code == "requires_3ds" && m.Severity == "requires_buyer_input")
	}
	if r.Status != "requires_escalation" || !found || r.ContinueURL != challenge {
		t.Fatalf("3DS answer = %+v", r)
	}
	if n := s.charges(t); n != 0 {
		t.Errorf("charges = %d, want 0", n)
	}
	done := decodeCheckout(t, s.ucp(t, complete))
	if done.Status != "completed" || done.Order == nil || done.ContinueURL != "" {
		t.Fatalf("after the challenge = %+v", done)
	}
	if n := s.charges(t); n != 1 {
		t.Errorf("charges = %d, want 1", n)
	}
}

// FuzzUCPBodies sends fuzzed bodies to every UCP checkout route through
// the server: never a 5xx, and every answer in a UCP shape.
func FuzzUCPBodies(f *testing.F) {
	for _, seed := range []string{
		`{"line_items":[{"item":{"id":"item_123"},"quantity":2}]}`,
		ucpShipping(1, "fulfillment_option_456", "X"),
		fmt.Sprintf(ucpComplete, "tok_ok"),
		`{"line_items":[{"item":{"id":"item_123"},"quantity":9223372036854775807}]}`,
		`{"fulfillment":{"methods":[{"id":"a/b","type":"drone","line_item_ids":[7]}]},"line_items":[]}`,
		`{"payment":{"instruments":[{"selected":true},{"selected":true}]}}`,
		`{"line_items":null,"buyer":[],"discounts":{"codes":[""]}}`,
		`{}`, ``, `null`, `"x"`,
	} {
		for _, route := range []uint8{0, 1, 2, 3} {
			f.Add(route, seed)
		}
	}
	s := startUCPServer(f, nil)
	var id string
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		if id == "" {
			id = decodeCheckout(t, s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"item_123"},"quantity":1}]}`})).ID
		}
		req := []ucpRequest{
			{path: "/checkout-sessions", body: body},
			{method: http.MethodPut, path: "/checkout-sessions/" + id, body: body},
			{path: "/checkout-sessions/" + id + "/complete", body: body},
			{path: "/checkout-sessions/" + id + "/cancel", body: body},
		}[route%4]
		s.ucp(t, req) // fails the test on a 5xx or a body in no UCP shape
	})
}
