package ucpprofile

import (
	"crypto/elliptic"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// newJWK makes a fresh P-256 key as a JWK, public unless private.
func newJWK(t testing.TB, kid string, private bool) json.RawMessage {
	t.Helper()
	m := testkit.ECJWK(t, elliptic.P256(), kid, private)
	m["use"], m["alg"] = "sig", "ES256"
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cardHandler is a payment handler as a UCPDescriber would describe it.
var cardHandler = payment.UCPHandler{
	Name: "dev.ucp.processor_tokenizer", ID: "stripe_card", Version: "2026-04-08",
	Spec: "https://ucp.dev/2026-04-08/specification/tokenization-guide", Schema: "https://ucp.dev/2026-04-08/schemas/shopping/types/card_payment_instrument.json",
	AvailableInstruments: []map[string]any{{"type": "card", "constraints": map[string]any{"brands": []any{"visa"}}}},
	Config:               map[string]any{"publishable_key": "pk_test_1"},
}

func business(t testing.TB) Business {
	return Business{
		PublicURL: "https://shop.example/", BasePath: "/ucp", MCPPath: "/ucp/mcp",
		Capabilities:    Served,
		PaymentHandlers: []payment.UCPHandler{cardHandler},
		SigningKeys:     []json.RawMessage{newJWK(t, "business_2026", false)},
	}
}

// TestBusinessProfile checks the document's content: the release's
// version, both bindings at the public URL, every capability with its
// spec and schema URLs and parents, the handlers and the keys.
func TestBusinessProfile(t *testing.T) {
	t.Parallel()
	b := business(t)
	body, err := BusinessProfile(b)
	if err != nil {
		t.Fatal(err)
	}
	checkProfileSchema(t, body)
	var doc struct {
		UCP struct {
			Version         string                    `json:"version"`
			Services        map[string][]profileEntry `json:"services"`
			Capabilities    map[string][]profileEntry `json:"capabilities"`
			PaymentHandlers map[string][]profileEntry `json:"payment_handlers"`
		} `json:"ucp"`
		SigningKeys []json.RawMessage `json:"signing_keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.UCP.Version != ucp.Version {
		t.Errorf("version %q", doc.UCP.Version)
	}
	wantServices := []profileEntry{
		{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/overview", Transport: "rest",
			Schema: "https://ucp.dev/2026-04-08/services/shopping/rest.openapi.json", Endpoint: "https://shop.example/ucp"},
		{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/overview", Transport: "mcp",
			Schema: "https://ucp.dev/2026-04-08/services/shopping/mcp.openrpc.json", Endpoint: "https://shop.example/ucp/mcp"},
	}
	if diff := cmp.Diff(map[string][]profileEntry{"dev.ucp.shopping": wantServices}, doc.UCP.Services); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	wantCaps := map[string][]profileEntry{
		"dev.ucp.shopping.checkout": {{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/checkout",
			Schema: "https://ucp.dev/2026-04-08/schemas/shopping/checkout.json"}},
		"dev.ucp.shopping.fulfillment": {{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/fulfillment",
			Schema: "https://ucp.dev/2026-04-08/schemas/shopping/fulfillment.json", Extends: "dev.ucp.shopping.checkout"}},
		"dev.ucp.shopping.discount": {{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/discount",
			Schema: "https://ucp.dev/2026-04-08/schemas/shopping/discount.json", Extends: "dev.ucp.shopping.checkout"}},
		"dev.ucp.shopping.order": {{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/order",
			Schema: "https://ucp.dev/2026-04-08/schemas/shopping/order.json"}},
		"dev.ucp.shopping.catalog.search": {{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/catalog/search",
			Schema: "https://ucp.dev/2026-04-08/schemas/shopping/catalog_search.json"}},
		"dev.ucp.shopping.catalog.lookup": {{Version: ucp.Version, Spec: "https://ucp.dev/2026-04-08/specification/catalog/lookup",
			Schema: "https://ucp.dev/2026-04-08/schemas/shopping/catalog_lookup.json"}},
	}
	if diff := cmp.Diff(wantCaps, doc.UCP.Capabilities); diff != "" {
		t.Errorf("capabilities (-want +got):\n%s", diff)
	}
	wantHandlers := map[string][]profileEntry{"dev.ucp.processor_tokenizer": {{
		ID: "stripe_card", Version: "2026-04-08", Spec: cardHandler.Spec, Schema: cardHandler.Schema,
		AvailableInstruments: []map[string]any{{"type": "card", "constraints": map[string]any{"brands": []any{"visa"}}}},
		Config:               map[string]any{"publishable_key": "pk_test_1"},
	}}}
	if diff := cmp.Diff(wantHandlers, doc.UCP.PaymentHandlers); diff != "" {
		t.Errorf("payment handlers (-want +got):\n%s", diff)
	}
	if len(doc.SigningKeys) != 1 || !strings.Contains(string(doc.SigningKeys[0]), `"kid":"business_2026"`) {
		t.Errorf("signing keys %s", doc.SigningKeys)
	}
}

// TestBusinessProfileMinimal checks a profile with checkout alone, no MCP,
// no handlers and no keys: still a valid document, advertising only that.
func TestBusinessProfileMinimal(t *testing.T) {
	t.Parallel()
	body, err := BusinessProfile(Business{PublicURL: "http://127.0.0.1:8080", BasePath: "/ucp", Capabilities: []string{ucp.CapCheckout}})
	if err != nil {
		t.Fatal(err)
	}
	checkProfileSchema(t, body)
	want := `{"ucp":{"version":"2026-04-08","services":{"dev.ucp.shopping":[{"version":"2026-04-08","spec":"https://ucp.dev/2026-04-08/specification/overview",` +
		`"schema":"https://ucp.dev/2026-04-08/services/shopping/rest.openapi.json","transport":"rest","endpoint":"http://127.0.0.1:8080/ucp"}]},` +
		`"capabilities":{"dev.ucp.shopping.checkout":[{"version":"2026-04-08","spec":"https://ucp.dev/2026-04-08/specification/checkout",` +
		`"schema":"https://ucp.dev/2026-04-08/schemas/shopping/checkout.json"}]},"payment_handlers":{}}}`
	if string(body) != want {
		t.Errorf("profile\n got %s\nwant %s", body, want)
	}
}

func TestBusinessProfileRefusals(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		edit func(b *Business)
		want string
	}{
		"public URL with a path":  {func(b *Business) { b.PublicURL = "https://shop.example/store" }, "is not an http(s) origin"},
		"public URL not http(s)":  {func(b *Business) { b.PublicURL = "ftp://shop.example" }, "is not an http(s) origin"},
		"relative base path":      {func(b *Business) { b.BasePath = "ucp" }, `base path "ucp" is not an absolute path`},
		"no base path":            {func(b *Business) { b.BasePath = "" }, "the base path is required"},
		"MCP path with a slash":   {func(b *Business) { b.MCPPath = "/ucp/mcp/" }, `MCP path "/ucp/mcp/" is not an absolute path`},
		"unknown capability":      {func(b *Business) { b.Capabilities = []string{"dev.ucp.shopping.cart"} }, `capability "dev.ucp.shopping.cart" is not one this build serves`},
		"extension without root":  {func(b *Business) { b.Capabilities = []string{ucp.CapDiscount} }, "extends dev.ucp.shopping.checkout, which is not offered"},
		"handler name":            {func(b *Business) { b.PaymentHandlers[0].Name = "Stripe" }, `payment handler name "Stripe"`},
		"handler id twice":        {func(b *Business) { b.PaymentHandlers = append(b.PaymentHandlers, b.PaymentHandlers[0]) }, `payment handler id "stripe_card" is used twice`},
		"handler without version": {func(b *Business) { b.PaymentHandlers[0].Version = "" }, `version "" is not a date`},
		"private signing key":     {func(b *Business) { b.SigningKeys = []json.RawMessage{newJWK(t, "k", true)} }, `signing key "k" holds its private part`},
		"insane signing key":      {func(b *Business) { b.SigningKeys = []json.RawMessage{json.RawMessage(`{"kid":"k"}`)} }, "signing key 0: kty is required"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := business(t)
			b.PaymentHandlers = []payment.UCPHandler{cardHandler}
			tc.edit(&b)
			if _, err := BusinessProfile(b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("BusinessProfile error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
