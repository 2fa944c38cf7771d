package acpwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/sdk/acp"
)

var legacyVersions = []string{V20260116, V20251212, V20250929}

// sandboxDescriptor is the demo's sandbox handler as it advertises itself.
var sandboxDescriptor = payment.Descriptor{
	ID: "card_tokenized", Name: "dev.acp.tokenized.card", Version: "2026-01-22", PSP: "sandbox",
	Spec: "https://acp.dev/handlers/tokenized.card", ConfigSchema: "https://acp.dev/schemas/handlers/tokenized.card/config.json",
	InstrumentSchemas: []string{"https://acp.dev/schemas/handlers/tokenized.card/instrument.json"}, RequiresDelegatePayment: true,
	Config: map[string]any{"merchant_id": "acct_test_shop", "psp": "sandbox", "accepted_brands": []string{"visa", "mastercard"}, "supports_3ds": true, "environment": "sandbox"},
}

var testSeller = Seller{
	Handlers: []payment.Descriptor{sandboxDescriptor},
	Links: []Link{
		{Type: "terms_of_use", URL: "https://shop.test/terms"}, {Type: "privacy_policy", URL: "https://shop.test/privacy"},
		{Type: "return_policy", URL: "https://shop.test/returns"}, {Type: "shipping_policy", URL: "https://shop.test/shipping"},
		{Type: "faq", URL: "https://shop.test/faq"},
	},
}

func legacyCodec(t testing.TB, version string) Codec {
	t.Helper()
	c, ok := New(version, testSeller, DefaultLimits)
	if !ok {
		t.Fatalf("codec %s missing", version)
	}
	return c
}

func TestVersionsAndNew(t *testing.T) {
	t.Parallel()
	want := []string{"2026-04-17", "2026-01-30", "2026-01-16", "2025-12-12", "2025-09-29"}
	if got := Versions(); !slices.Equal(got, want) {
		t.Fatalf("Versions() = %v, want %v", got, want)
	}
	for _, v := range want {
		c, ok := New(v, Seller{}, DefaultLimits)
		if !ok || c.Version() != v {
			t.Fatalf("New(%s) = %v, %v", v, c, ok)
		}
		legacyVersion := slices.Contains(legacyVersions, v)
		if legacyVersion && (c.RequiresIdempotencyKey() || c.IdempotencyConflictStatus() != http.StatusConflict) {
			t.Errorf("%s: idempotency = %v %d, want optional key and 409", v, c.RequiresIdempotencyKey(), c.IdempotencyConflictStatus())
		}
	}
	if _, ok := New("2025-01-01", Seller{}, DefaultLimits); ok {
		t.Error("New() serves an unknown version")
	}
}

func wantDecodeError(t *testing.T, err error, code, param string) {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("decode error = %v, want an ACP error %s %s", err, code, param)
	}
	if ae.Status != http.StatusBadRequest || ae.Type != apierr.TypeInvalidRequest || ae.Code != code || ae.Param != param || ae.Message == "" {
		t.Fatalf("error = %d %s %s %q (%s), want 400 invalid_request %s %q", ae.Status, ae.Type, ae.Code, ae.Param, ae.Message, code, param)
	}
}

const (
	legacyAddress = `{"name":"Ada","line_one":"1 Test St","city":"San Francisco","state":"CA","country":"us","postal_code":"94131"}`
	legacyPayment = `"payment_data":{"token":"spt_ok","provider":"stripe"}`
)

func TestLegacyDecodeErrors(t *testing.T) {
	t.Parallel()
	all := legacyVersions
	since1212 := []string{V20260116, V20251212}
	only0929 := []string{V20250929}
	testCases := map[string]struct {
		versions  []string
		op, body  string
		wantCode  string
		wantParam string
	}{
		"empty body":            {all, "create", ``, apierr.CodeInvalidJSON, "$"},
		"not an object":         {all, "create", `[1]`, apierr.CodeInvalidType, "$"},
		"missing items":         {all, "create", `{}`, apierr.CodeMissing, "$.items"},
		"null items":            {all, "create", `{"items":null}`, apierr.CodeMissing, "$.items"},
		"empty items":           {all, "create", `{"items":[]}`, apierr.CodeInvalid, "$.items"},
		"items not array":       {all, "create", `{"items":{"id":"a"}}`, apierr.CodeInvalidType, "$.items"},
		"item id wrong type":    {all, "create", `{"items":[{"id":"a","quantity":1},{"id":7,"quantity":1}]}`, apierr.CodeInvalidType, "$.items[1].id"},
		"missing item id":       {all, "create", `{"items":[{"id":"a","quantity":1},{"quantity":1}]}`, apierr.CodeMissing, "$.items[1].id"},
		"missing quantity":      {all, "create", `{"items":[{"id":"a","quantity":1},{"id":"b"}]}`, apierr.CodeMissing, "$.items[1].quantity"},
		"null quantity":         {all, "create", `{"items":[{"id":"a","quantity":null}]}`, apierr.CodeMissing, "$.items[0].quantity"},
		"zero quantity":         {all, "create", `{"items":[{"id":"a","quantity":0}]}`, apierr.CodeInvalid, "$.items[0].quantity"},
		"string quantity":       {all, "create", `{"items":[{"id":"a","quantity":"2"}]}`, apierr.CodeInvalidType, "$.items[0].quantity"},
		"huge quantity":         {all, "create", `{"items":[{"id":"a","quantity":100000000}]}`, apierr.CodeInvalid, "$.items[0].quantity"},
		"decimal quantity 0929": {only0929, "create", `{"items":[{"id":"a","quantity":1},{"id":"b","quantity":2.5}]}`, apierr.CodeInvalid, "$.items[1].quantity"},
		"decimal quantity 1212": {since1212, "create", `{"items":[{"id":"a","quantity":1},{"id":"b","quantity":2.5}]}`, apierr.CodeInvalidType, "$.items[1].quantity"},
		"buyer without names":   {all, "create", `{"items":[{"id":"a","quantity":1}],"buyer":{"email":"a@b.co"}}`, apierr.CodeMissing, "$.buyer.first_name"},
		"buyer without email":   {all, "create", `{"items":[{"id":"a","quantity":1}],"buyer":{"first_name":"A","last_name":"B"}}`, apierr.CodeMissing, "$.buyer.email"},
		"buyer bad email":       {all, "create", `{"items":[{"id":"a","quantity":1}],"buyer":{"first_name":"A","last_name":"B","email":"nope"}}`, apierr.CodeInvalid, "$.buyer.email"},
		"buyer wrong type":      {all, "create", `{"items":[{"id":"a","quantity":1}],"buyer":{"first_name":1}}`, apierr.CodeInvalidType, "$.buyer.first_name"},
		"address without city":  {only0929, "create", `{"items":[{"id":"a","quantity":1}],"fulfillment_address":{"name":"A","line_one":"1","state":"CA","country":"US","postal_code":"1"}}`, apierr.CodeMissing, "$.fulfillment_address.city"},
		"address bad country":   {only0929, "update", `{"fulfillment_address":{"name":"A","line_one":"1","city":"c","state":"CA","country":"USA","postal_code":"1"}}`, apierr.CodeInvalid, "$.fulfillment_address.country"},
		"details bad email":     {since1212, "create", `{"items":[{"id":"a","quantity":1}],"fulfillment_details":{"email":"x"}}`, apierr.CodeInvalid, "$.fulfillment_details.email"},
		"details address":       {since1212, "update", `{"fulfillment_details":{"address":{"name":"A","line_one":"1","city":"c","state":"CA","postal_code":"1"}}}`, apierr.CodeMissing, "$.fulfillment_details.address.country"},
		"details wrong type":    {since1212, "update", `{"fulfillment_details":{"address":[]}}`, apierr.CodeInvalidType, "$.fulfillment_details.address"},
		"option id wrong type":  {only0929, "update", `{"fulfillment_option_id":5}`, apierr.CodeInvalidType, "$.fulfillment_option_id"},
		"option id empty":       {only0929, "update", `{"fulfillment_option_id":""}`, apierr.CodeMissing, "$.fulfillment_option_id"},
		"selection no type":     {since1212, "update", `{"selected_fulfillment_options":[{"shipping":{"option_id":"x","item_ids":[]}}]}`, apierr.CodeMissing, "$.selected_fulfillment_options[0].type"},
		"selection bad type":    {since1212, "update", `{"selected_fulfillment_options":[{"type":"pickup","pickup":{"option_id":"x","item_ids":[]}}]}`, apierr.CodeInvalid, "$.selected_fulfillment_options[0].type"},
		"selection no member":   {since1212, "update", `{"selected_fulfillment_options":[{"type":"shipping","digital":{"option_id":"x","item_ids":[]}}]}`, apierr.CodeMissing, "$.selected_fulfillment_options[0].shipping"},
		"selection no option":   {since1212, "update", `{"selected_fulfillment_options":[{"type":"digital","digital":{"item_ids":[]}}]}`, apierr.CodeMissing, "$.selected_fulfillment_options[0].digital.option_id"},
		"selection flat shape":  {since1212, "update", `{"selected_fulfillment_options":[{"type":"shipping","option_id":"x","item_ids":[]}]}`, apierr.CodeMissing, "$.selected_fulfillment_options[0].shipping"},
		"selection item type":   {since1212, "update", `{"selected_fulfillment_options":[{"type":"shipping","shipping":{"option_id":"x","item_ids":[1]}}]}`, apierr.CodeInvalidType, "$.selected_fulfillment_options[0].shipping.item_ids[0]"},
		"update items quantity": {all, "update", `{"items":[{"id":"a"}]}`, apierr.CodeMissing, "$.items[0].quantity"},
		"complete no payment":   {all, "complete", `{}`, apierr.CodeMissing, "$.payment_data"},
		"complete null payment": {all, "complete", `{"payment_data":null}`, apierr.CodeMissing, "$.payment_data"},
		"complete 2026 payment": {all, "complete", `{"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"spt","token":"t"}}}}`, apierr.CodeMissing, "$.payment_data.token"},
		"complete no provider":  {all, "complete", `{"payment_data":{"token":"spt_ok"}}`, apierr.CodeMissing, "$.payment_data.provider"},
		"complete token type":   {all, "complete", `{"payment_data":{"token":5,"provider":"stripe"}}`, apierr.CodeInvalidType, "$.payment_data.token"},
		"complete billing":      {all, "complete", `{"payment_data":{"token":"t","provider":"stripe","billing_address":{"name":"A"}}}`, apierr.CodeMissing, "$.payment_data.billing_address.line_one"},
		"complete buyer":        {all, "complete", `{` + legacyPayment + `,"buyer":{"first_name":"A","email":"a@b.co"}}`, apierr.CodeMissing, "$.buyer.last_name"},
		"auth no outcome":       {since1212, "complete", `{` + legacyPayment + `,"authentication_result":{}}`, apierr.CodeMissing, "$.authentication_result.outcome"},
		"auth not object":       {since1212, "complete", `{` + legacyPayment + `,"authentication_result":"yes"}`, apierr.CodeInvalidType, "$.authentication_result"},
		"auth 0116 outcome":     {[]string{V20260116}, "complete", `{` + legacyPayment + `,"authentication_result":{"outcome":"attempt_acknowledged"}}`, apierr.CodeInvalid, "$.authentication_result.outcome"},
		"auth 1212 outcome":     {[]string{V20251212}, "complete", `{` + legacyPayment + `,"authentication_result":{"outcome":"attempt"}}`, apierr.CodeInvalid, "$.authentication_result.outcome"},
		"auth 1212 details":     {[]string{V20251212}, "complete", `{` + legacyPayment + `,"authentication_result":{"outcome":"authenticated"}}`, apierr.CodeMissing, "$.authentication_result.outcome_details"},
		"auth 0116 details":     {[]string{V20260116}, "complete", `{` + legacyPayment + `,"authentication_result":{"outcome":"failed","outcome_details":{"three_ds_cryptogram":"x"}}}`, apierr.CodeMissing, "$.authentication_result.outcome_details.electronic_commerce_indicator"},
		"affiliate not object":  {since1212, "complete", `{` + legacyPayment + `,"affiliate_attribution":[1]}`, apierr.CodeInvalidType, "$.affiliate_attribution"},
		"cancel nested trace":   {all, "cancel", `{"intent_trace":{"reason_code":"other","metadata":{"a":{"b":1}}}}`, apierr.CodeInvalidType, "$.intent_trace.metadata.a"},
		"cancel not object":     {all, "cancel", `[]`, apierr.CodeInvalidType, "$"},
	}
	for name, tc := range testCases {
		for _, version := range tc.versions {
			t.Run(version+"/"+name, func(t *testing.T) {
				t.Parallel()
				wantDecodeError(t, decode(legacyCodec(t, version), tc.op, []byte(tc.body)), tc.wantCode, tc.wantParam)
			})
		}
	}
}

func TestLegacyDecodeIgnoresOtherVersionsMembers(t *testing.T) {
	t.Parallel()
	// Members a version does not define are ignored, whatever their type.
	in, err := legacyCodec(t, V20250929).DecodeCreate([]byte(`{"items":[{"id":"a","quantity":1}],"fulfillment_details":5,"currency":7,"line_items":"x"}`))
	if err != nil || in.FulfillmentDetails != nil || len(in.Items) != 1 || in.AgentInterventions != nil {
		t.Errorf("2025-09-29 create = %+v, %v", in, err)
	}
	up, err := legacyCodec(t, V20251212).DecodeUpdate([]byte(`{"fulfillment_address":5,"fulfillment_option_id":[]}`))
	if err != nil || up.FulfillmentDetails.Set || up.Selections.Set {
		t.Errorf("2025-12-12 update = %+v, %v", up, err)
	}
}

func TestLegacyDecodeAccepts(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			c := legacyCodec(t, version)
			createBody := `{"items":[{"id":"item_123","quantity":2.0},{"id":"ebook","quantity":1}],"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}}`
			in, err := c.DecodeCreate([]byte(createBody))
			if err != nil {
				t.Fatalf("DecodeCreate() error = %v", err)
			}
			if len(in.Items) != 2 || in.Items[0] != (checkout.ItemInput{ID: "item_123", Quantity: 2}) || in.Currency != "" || in.Buyer.FirstName != "Ada" {
				t.Errorf("create = %+v", in)
			}
			if threeDS := slices.Equal(in.AgentInterventions, []string{"3ds"}); threeDS != (version != V20250929) {
				t.Errorf("interventions = %v", in.AgentInterventions)
			}

			up, err := c.DecodeUpdate([]byte(`{"buyer":null,"items":null}`))
			if err != nil || !up.Buyer.Null || !up.Items.Null || up.FulfillmentDetails.Set {
				t.Errorf("update nulls = %+v, %v", up, err)
			}
			var body string
			if version == V20250929 {
				body = `{"fulfillment_address":` + legacyAddress + `,"fulfillment_option_id":"fulfillment_option_456"}`
			} else {
				body = `{"fulfillment_details":{"name":"Ada","address":` + legacyAddress + `},"selected_fulfillment_options":[{"type":"shipping","shipping":{"option_id":"fulfillment_option_456","item_ids":["item_123"]}},{"type":"digital","digital":{"option_id":"download","item_ids":[]}}]}`
			}
			up, err = c.DecodeUpdate([]byte(body))
			if err != nil {
				t.Fatalf("DecodeUpdate() error = %v", err)
			}
			if a := up.FulfillmentDetails.V.Address; a == nil || a.Country != "US" || a.City != "San Francisco" {
				t.Errorf("address = %+v", up.FulfillmentDetails.V)
			}
			sel := up.Selections.V
			if len(sel) == 0 || sel[0].OptionID != "fulfillment_option_456" {
				t.Fatalf("selections = %+v", sel)
			}
			if version == V20250929 && (len(sel) != 1 || sel[0].Type != "" || sel[0].ItemIDs != nil) {
				t.Errorf("2025-09-29 selection = %+v, want one option for every line", sel)
			}
			if version != V20250929 && (len(sel) != 2 || sel[0].Type != acp.FulfillmentShipping || !slices.Equal(sel[0].ItemIDs, []string{"item_123"}) || sel[1].Type != acp.FulfillmentDigital) {
				t.Errorf("nested selections = %+v", sel)
			}

			done, err := c.DecodeComplete([]byte(`{"payment_data":{"token":"spt_ok","provider":"stripe","billing_address":` + legacyAddress + `}}`))
			if err != nil {
				t.Fatalf("DecodeComplete() error = %v", err)
			}
			want := checkout.PaymentInput{HandlerID: "card_tokenized", InstrumentType: "card", CredentialType: "spt", Token: "spt_ok"}
			got := done.Payment
			got.BillingAddress = nil
			if got != want || done.Payment.BillingAddress == nil || done.Payment.BillingAddress.Country != "US" {
				t.Errorf("payment = %+v, want %+v with the billing address", done.Payment, want)
			}
		})
	}
}

// TestLegacyAuthenticationOutcomes checks that each version's 3-D Secure
// outcomes reach the engine in its (2025-12-12 / 2026-04-17) vocabulary.
func TestLegacyAuthenticationOutcomes(t *testing.T) {
	t.Parallel()
	details := `{"three_ds_cryptogram":"AAIBBYNoEwAAACcKhAJkdQAAAAA=","electronic_commerce_indicator":"05","transaction_id":"t","version":"2.2.0"}`
	testCases := []struct {
		version, outcome, details, want string
	}{
		{V20251212, "authenticated", details, "authenticated"},
		{V20251212, "attempt_acknowledged", details, "attempt_acknowledged"},
		{V20251212, "denied", "", "denied"},
		{V20260116, "authenticated", details, "authenticated"},
		{V20260116, "authenticated", "", "authenticated"},
		{V20260116, "attempt", details, "attempt_acknowledged"},
		{V20260116, "failed", "", "denied"},
		{V20260116, "rejected", "", "rejected"},
		{V20260116, "unavailable", "", "not_supported"},
	}
	for _, tc := range testCases {
		ar := `{"outcome":"` + tc.outcome + `"`
		if tc.details != "" {
			ar += `,"outcome_details":` + tc.details
		}
		in, err := legacyCodec(t, tc.version).DecodeComplete([]byte(`{` + legacyPayment + `,"authentication_result":` + ar + `}}`))
		if err != nil || in.Authentication == nil || in.Authentication.Outcome != tc.want {
			t.Errorf("%s %s: authentication = %+v, %v; want %s", tc.version, tc.outcome, in.Authentication, err, tc.want)
		}
	}
	// 2025-09-29 has no authentication_result: it is ignored.
	in, err := legacyCodec(t, V20250929).DecodeComplete([]byte(`{` + legacyPayment + `,"authentication_result":{"outcome":"authenticated"}}`))
	if err != nil || in.Authentication != nil {
		t.Errorf("2025-09-29 authentication = %+v, %v", in.Authentication, err)
	}
}

func TestLegacyPaymentRouting(t *testing.T) {
	t.Parallel()
	stripe := payment.Descriptor{ID: "stripe_card", Name: "dev.acp.tokenized.card", PSP: "stripe", Config: map[string]any{"merchant_id": "acct_stripe", "psp": "stripe"}}
	sellerBacked := payment.Descriptor{ID: "saved_card", Name: "dev.acp.seller_backed.saved_card", PSP: "seller_managed", Config: map[string]any{"merchant_id": "m", "psp": "seller_managed"}}
	adyen := payment.Descriptor{ID: "adyen_card", Name: "com.example.adyen", PSP: "adyen", Config: map[string]any{"merchant_id": "acct_adyen", "psp": "adyen", "supports_3ds": true}}
	testCases := map[string]struct {
		handlers  []payment.Descriptor
		provider  string
		want      string
		wantParam string
	}{
		"psp match wins":          {[]payment.Descriptor{sellerBacked, sandboxDescriptor, stripe}, "stripe", "stripe_card", ""},
		"tokenized card fallback": {[]payment.Descriptor{sellerBacked, sandboxDescriptor}, "stripe", "card_tokenized", ""},
		"other provider's psp":    {[]payment.Descriptor{sandboxDescriptor, adyen}, "adyen", "adyen_card", ""},
		"unknown provider":        {[]payment.Descriptor{sandboxDescriptor}, "paypal", "card_tokenized", ""},
		"nothing to route to":     {[]payment.Descriptor{sellerBacked}, "stripe", "", "$.payment_data.provider"},
	}
	for name, tc := range testCases {
		for _, version := range legacyVersions {
			c, _ := New(version, Seller{Handlers: tc.handlers}, DefaultLimits)
			in, err := c.DecodeComplete([]byte(`{"payment_data":{"token":"spt_ok","provider":"` + tc.provider + `"}}`))
			if tc.wantParam != "" {
				wantDecodeError(t, err, apierr.CodeUnsupported, tc.wantParam)
				continue
			}
			if err != nil || in.Payment.HandlerID != tc.want {
				t.Errorf("%s %s: handler = %q, %v; want %q", name, version, in.Payment.HandlerID, err, tc.want)
			}
		}
	}
}

func TestLegacyPaymentProvider(t *testing.T) {
	t.Parallel()
	adyen := payment.Descriptor{ID: "adyen_card", Name: "dev.acp.tokenized.card", PSP: "adyen", Config: map[string]any{"merchant_id": "acct_adyen", "accepted_brands": []any{"visa", "jcb"}, "supports_3ds": true}}
	testCases := map[string]struct {
		version  string
		handlers []payment.Descriptor
		want     string
		wantAuth string
	}{
		"2025-09-29":         {V20250929, []payment.Descriptor{sandboxDescriptor}, `{"provider":"stripe","supported_payment_methods":["card"]}`, ""},
		"2025-12-12":         {V20251212, []payment.Descriptor{sandboxDescriptor}, `{"provider":"stripe","supported_payment_methods":[{"type":"card","supported_card_networks":["visa","mastercard"]}]}`, ""},
		"2026-01-16":         {V20260116, []payment.Descriptor{sandboxDescriptor}, `{"provider":"stripe","merchant_id":"acct_test_shop","supported_payment_methods":[{"type":"card","supported_card_networks":["visa","mastercard"]}]}`, `{"provider":"stripe","merchant_id":"acct_test_shop","supported_authentication_methods":["3ds"]}`},
		"2026-01-16 adyen":   {V20260116, []payment.Descriptor{adyen}, `{"provider":"stripe","merchant_id":"acct_adyen","supported_payment_methods":[{"type":"card","supported_card_networks":["visa"]}]}`, `{"provider":"adyen","merchant_id":"acct_adyen","supported_authentication_methods":["3ds"]}`},
		"no brands listed":   {V20251212, []payment.Descriptor{{ID: "h", Name: "dev.acp.tokenized.card"}}, `{"provider":"stripe","supported_payment_methods":[{"type":"card","supported_card_networks":["amex","discover","mastercard","visa"]}]}`, ""},
		"no routable handle": {V20260116, []payment.Descriptor{{ID: "h", Name: "dev.acp.seller_backed.points", PSP: "seller_managed"}}, "", ""},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := New(tc.version, Seller{Handlers: tc.handlers}, DefaultLimits)
			data, err := c.EncodeSession(testSession())
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			_ = json.Unmarshal(data, &m)
			if string(m["payment_provider"]) != tc.want || string(m["authentication_provider"]) != tc.wantAuth {
				t.Errorf("payment_provider = %s, authentication_provider = %s; want %s and %s", m["payment_provider"], m["authentication_provider"], tc.want, tc.wantAuth)
			}
			validateSession(t, tc.version, data)
		})
	}
}

// testSession is a session as the engine leaves it: two lines (one
// shipped, one digital), every kind of option, defaults selected.
func testSession() *model.Session {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	earliest, latest := now.Add(96*time.Hour), now.Add(120*time.Hour)
	addr := acp.Address{Name: "Ada", LineOne: "1 Test St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94131", Company: "ACME"}
	return &model.Session{
		ID: "cs_test", Agent: "agent", APIVersion: V20251212, Status: model.StatusReadyForPayment, Currency: "usd",
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(6 * time.Hour),
		Buyer: &model.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", PhoneNumber: "15551234567"},
		Lines: []model.Line{
			{ID: "li_item_123", ItemID: "item_123", Quantity: 2, Found: true, Name: "Jacket", Description: "Denim", Images: []string{"https://shop.test/a.jpg"},
				UnitAmount: 300, BaseAmount: 600, Subtotal: 600, Tax: 60, Total: 660, FulfillmentTypes: []acp.FulfillmentType{"shipping", "pickup"}},
			{ID: "li_ebook", ItemID: "ebook", Quantity: 1, Found: true, Name: "Ebook", UnitAmount: 999, BaseAmount: 999, Subtotal: 999, Tax: 100, Total: 1099},
			{ID: "li_nope", ItemID: "nope", Quantity: 1},
		},
		FulfillmentDetails: &model.FulfillmentDetails{Name: "Ada", Email: "ada@example.com", PhoneNumber: "15551234567", Address: &addr},
		Options: []model.FulfillmentOption{
			{ID: "fulfillment_option_123", Type: acp.FulfillmentShipping, Title: "Standard", Description: "Arrives in 4-5 days", Carrier: "USPS", LineIDs: []string{"li_item_123"}, Amount: 100, EarliestDelivery: &earliest, LatestDelivery: &latest},
			{ID: "store_pickup", Type: acp.FulfillmentPickup, Title: "Pickup", LineIDs: []string{"li_item_123"}, Pickup: &model.PickupLocation{Name: "Shop", Address: addr}},
			{ID: "courier", Type: acp.FulfillmentLocalDelivery, Title: "Courier", LineIDs: []string{"li_item_123"}, Amount: 700, EarliestDelivery: &earliest, LatestDelivery: &latest},
			{ID: "download", Type: acp.FulfillmentDigital, Title: "Download", LineIDs: []string{"li_ebook"}},
		},
		Selected: []model.SelectedOption{
			{Type: acp.FulfillmentShipping, OptionID: "fulfillment_option_123", LineIDs: []string{"li_item_123"}, Amount: 100},
			{Type: acp.FulfillmentDigital, OptionID: "download", LineIDs: []string{"li_ebook"}},
		},
		Totals:       model.Totals{ItemsBaseAmount: 1599, Subtotal: 1599, Fulfillment: 100, Tax: 170, Total: 1869},
		TaxBreakdown: []model.TaxShare{{Jurisdiction: "US-CA", Rate: 0.1, Amount: 170}},
		Messages: acp.Messages{
			{Type: acp.MessageInfo, Code: "ignored", Content: "Hello"},
			{Type: acp.MessageWarning, Code: acp.CodePriceChange, Param: "$.totals", Content: "Price changed"},
			{Type: acp.MessageError, Code: acp.CodeNotFound, Param: "$.line_items[2].item.id", Content: "Unknown", Resolution: acp.ResolutionRecoverable},
			{Type: acp.MessageError, Code: acp.CodeLowStock, Param: "$.line_items[0].quantity", Content: "Few left"},
			{Type: acp.MessageError, Code: acp.CodeMissing, Param: "$.fulfillment_details.address", Content: "Address"},
			{Type: acp.MessageError, Code: acp.CodeInterventionRequired, Param: "$.capabilities.interventions", Content: "3DS"},
			{Type: acp.MessageError, Code: acp.CodePaymentDeclined, Param: "$.payment_data", Content: "Declined"},
		},
		Interventions: model.Interventions{Supported: []string{"3ds"}, Required: []string{}, Enforcement: "conditional"},
	}
}

// validateSession checks an encoded session against the version's schema:
// a completed one is what complete answers.
func validateSession(t *testing.T, version string, data []byte) {
	t.Helper()
	var s struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("session is not JSON: %v\n%s", err, data)
	}
	answer := acpschema.AnySession
	if s.Status == string(model.StatusCompleted) {
		answer = acpschema.CompletedSession
	}
	acpschema.For(t, version).Response(t, answer, data)
}

func TestLegacyEncode(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			c := legacyCodec(t, version)
			data, err := c.EncodeSession(testSession())
			if err != nil {
				t.Fatal(err)
			}
			validateSession(t, version, data)
			var got struct {
				Status             string               `json:"status"`
				LineItems          []legacyLineItemJSON `json:"line_items"`
				FulfillmentOptions []map[string]any     `json:"fulfillment_options"`
				Messages           []messageJSON        `json:"messages"`
				Links              []linkJSON           `json:"links"`
				FulfillmentAddress map[string]any       `json:"fulfillment_address"`
				OptionID           string               `json:"fulfillment_option_id"`
				Selected           []map[string]any     `json:"selected_fulfillment_options"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			li := got.LineItems[0]
			if li.Item.Quantity != 2 || li.BaseAmount != 600 || li.Tax != 60 || li.Total != 660 || (li.Name != "") != (version != V20250929) {
				t.Errorf("line item = %+v", li)
			}
			var optionIDs []string
			for _, o := range got.FulfillmentOptions {
				optionIDs = append(optionIDs, o["id"].(string))
			}
			if !slices.Equal(optionIDs, []string{"fulfillment_option_123", "download"}) {
				t.Errorf("options = %v, want shipping and digital only", optionIDs)
			}
			wantMessages := []string{"info::", "info::$.totals", "error:invalid:$.line_items[2].item.id", "error:out_of_stock:$.line_items[0].item.quantity",
				"error:missing:$.fulfillment_details.address", "error:invalid:", "error:payment_declined:$.payment_data"}
			if version == V20250929 {
				wantMessages[4] = "error:missing:$.fulfillment_address"
			}
			var messages []string
			for _, m := range got.Messages {
				messages = append(messages, m.Type+":"+m.Code+":"+m.Param)
			}
			if !slices.Equal(messages, wantMessages) {
				t.Errorf("messages = %q\nwant %q", messages, wantMessages)
			}
			wantLinks := "[{terms_of_use https://shop.test/terms} {privacy_policy https://shop.test/privacy} {return_policy https://shop.test/returns}]"
			if version == V20250929 {
				wantLinks = "[{terms_of_use https://shop.test/terms} {privacy_policy https://shop.test/privacy} {seller_shop_policies https://shop.test/returns}]"
			}
			if fmt.Sprint(got.Links) != wantLinks {
				t.Errorf("links = %v, want %s", got.Links, wantLinks)
			}
			if version == V20250929 {
				if got.OptionID != "fulfillment_option_123" || got.FulfillmentAddress["city"] != "San Francisco" || got.FulfillmentAddress["company"] != nil {
					t.Errorf("fulfillment = %q %v", got.OptionID, got.FulfillmentAddress)
				}
			} else if len(got.Selected) != 2 {
				t.Errorf("selected = %v", got.Selected)
			}
		})
	}
}

// TestLegacyStatuses checks the status mapping table of the README and
// that every mapped session is valid for its version.
func TestLegacyStatuses(t *testing.T) {
	t.Parallel()
	want := map[model.Status][3]string{ // 2026-01-16, 2025-12-12, 2025-09-29
		model.StatusNotReadyForPayment:     {"not_ready_for_payment", "not_ready_for_payment", "not_ready_for_payment"},
		model.StatusReadyForPayment:        {"ready_for_payment", "ready_for_payment", "ready_for_payment"},
		model.StatusAuthenticationRequired: {"authentication_required", "authentication_required", "not_ready_for_payment"},
		model.StatusCompleteInProgress:     {"in_progress", "in_progress", "in_progress"},
		model.StatusCompleted:              {"completed", "completed", "completed"},
		model.StatusCanceled:               {"canceled", "canceled", "canceled"},
		model.StatusExpired:                {"canceled", "canceled", "canceled"},
		"incomplete":                       {"not_ready_for_payment", "not_ready_for_payment", "not_ready_for_payment"},
		"requires_escalation":              {"not_ready_for_payment", "not_ready_for_payment", "not_ready_for_payment"},
		"pending_approval":                 {"in_progress", "in_progress", "in_progress"},
		"in_progress":                      {"in_progress", "in_progress", "in_progress"},
	}
	for status, byVersion := range want {
		for i, version := range legacyVersions {
			s := testSession()
			s.Status = status
			if status == model.StatusAuthenticationRequired {
				s.AuthenticationMetadata = json.RawMessage(`{"acquirer_details":{"acquirer_bin":"400000","acquirer_country":"US","acquirer_merchant_id":"acct","merchant_name":"Shop","extra":1},` +
					`"directory_server":"visa","flow_preference":{"type":"challenge","challenge":{"type":"preferred"}},"vendor_extension":{"x":1}}`)
				s.WriteOnly.RiskSignals = json.RawMessage(`{"ip_address":"203.0.113.7","user_agent":"agent/1","accept_language":"en-US"}`)
			}
			if status == model.StatusCompleted {
				s.Order = &model.Order{ID: "ord_1", CheckoutSessionID: s.ID, PermalinkURL: "https://shop.test/orders/ord_1", Status: "created", OrderNumber: "1001", Total: 1869}
			}
			data, err := legacyCodec(t, version).EncodeSession(s)
			if err != nil {
				t.Fatal(err)
			}
			validateSession(t, version, data)
			var got struct {
				Status   string          `json:"status"`
				Metadata json.RawMessage `json:"authentication_metadata"`
				Order    map[string]any  `json:"order"`
				Messages []messageJSON   `json:"messages"`
			}
			_ = json.Unmarshal(data, &got)
			if got.Status != byVersion[i] {
				t.Errorf("%s under %s = %s, want %s", status, version, got.Status, byVersion[i])
			}
			if (got.Metadata != nil) != (got.Status == "authentication_required") {
				t.Errorf("%s under %s: authentication_metadata = %s", status, version, got.Metadata)
			}
			if status == model.StatusAuthenticationRequired && version == V20250929 && got.Messages[len(got.Messages)-1].Code != acp.CodeRequires3DS {
				t.Errorf("2025-09-29 authentication_required lacks the requires_3ds message: %s", data)
			}
			if status == model.StatusCompleted && (len(got.Order) != 3 || got.Order["id"] != "ord_1") {
				t.Errorf("%s order = %v", version, got.Order)
			}
		}
	}
}

func TestLegacyBuyerFromFullName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ full, first, last string }{{"Ada King Lovelace", "Ada King", "Lovelace"}, {"Cher", "Cher", ""}} {
		s := testSession()
		s.Buyer = &model.Buyer{FullName: tc.full, Email: "a@b.co"}
		for _, version := range legacyVersions {
			data, _ := legacyCodec(t, version).EncodeSession(s)
			validateSession(t, version, data)
			var got struct{ Buyer legacyBuyer }
			_ = json.Unmarshal(data, &got)
			if got.Buyer.FirstName != tc.first || got.Buyer.LastName != tc.last {
				t.Errorf("%s: buyer = %+v, want %q %q", version, got.Buyer, tc.first, tc.last)
			}
		}
	}
}

// engine applies decoded inputs to a session the way the checkout engine
// does, for the round trips below; it keeps the options of testSession.
type engine struct{ s *model.Session }

func (e *engine) lines(items []checkout.ItemInput) {
	e.s.Lines = nil
	for _, it := range items {
		e.s.Lines = append(e.s.Lines, model.Line{ID: "li_" + it.ID, ItemID: it.ID, Quantity: it.Quantity, Found: true, Name: it.ID})
	}
}

func (e *engine) selections(in []checkout.SelectionInput) {
	e.s.Selected = nil
	for _, sel := range in {
		opt := findOption(e.s.Options, sel.OptionID)
		out := model.SelectedOption{Type: opt.Type, OptionID: opt.ID, LineIDs: opt.LineIDs}
		if len(sel.ItemIDs) > 0 {
			out.LineIDs = nil
			for _, id := range sel.ItemIDs {
				out.LineIDs = append(out.LineIDs, "li_"+strings.TrimPrefix(id, "li_"))
			}
		}
		e.s.Selected = append(e.s.Selected, out)
	}
}

func findOption(options []model.FulfillmentOption, id string) *model.FulfillmentOption {
	for i := range options {
		if options[i].ID == id {
			return &options[i]
		}
	}
	return &model.FulfillmentOption{ID: id}
}

// TestLegacyRoundTrip decodes a valid request of each version, applies it
// as the engine would, encodes the session, and decodes the request-shaped
// members of that response again: the second decoding must equal the
// first, so nothing the internal model keeps is lost on the way.
func TestLegacyRoundTrip(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct{ create, update string }{
		V20250929: {
			`{"items":[{"id":"item_123","quantity":3},{"id":"ebook","quantity":1}],"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","phone_number":"15551234567"},"fulfillment_address":` + legacyAddress + `}`,
			`{"fulfillment_option_id":"fulfillment_option_123"}`,
		},
		V20251212: {
			`{"items":[{"id":"item_123","quantity":3},{"id":"ebook","quantity":1}],"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},"fulfillment_details":{"name":"Ada","phone_number":"1555","email":"ada@example.com","address":` + legacyAddress + `}}`,
			`{"selected_fulfillment_options":[{"type":"shipping","shipping":{"option_id":"fulfillment_option_123","item_ids":["item_123"]}},{"type":"digital","digital":{"option_id":"download","item_ids":["ebook"]}}]}`,
		},
		V20260116: {
			`{"items":[{"id":"item_123","quantity":3},{"id":"ebook","quantity":1}],"buyer":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},"fulfillment_details":{"name":"Ada","address":` + legacyAddress + `}}`,
			`{"selected_fulfillment_options":[{"type":"shipping","shipping":{"option_id":"fulfillment_option_123","item_ids":["item_123"]}}]}`,
		},
	}
	for version, tc := range testCases {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			c := legacyCodec(t, version)
			schema := acpschema.For(t, version)
			for def, body := range map[string]string{"CheckoutSessionCreateRequest": tc.create, "CheckoutSessionUpdateRequest": tc.update} {
				schema.Def(t, def, []byte(body))
			}
			in, err := c.DecodeCreate([]byte(tc.create))
			if err != nil {
				t.Fatal(err)
			}
			up, err := c.DecodeUpdate([]byte(tc.update))
			if err != nil {
				t.Fatal(err)
			}
			e := &engine{s: testSession()}
			e.s.Messages = nil
			e.lines(in.Items)
			e.s.Buyer, e.s.FulfillmentDetails = in.Buyer, in.FulfillmentDetails
			e.selections(up.Selections.V)

			data, err := c.EncodeSession(e.s)
			if err != nil {
				t.Fatal(err)
			}
			validateSession(t, version, data)
			var resp map[string]json.RawMessage
			_ = json.Unmarshal(data, &resp)
			var lines []struct {
				Item json.RawMessage `json:"item"`
			}
			_ = json.Unmarshal(resp["line_items"], &lines)
			echo := map[string]any{"buyer": resp["buyer"]}
			var items []json.RawMessage
			for _, l := range lines {
				items = append(items, l.Item)
			}
			echo["items"] = items
			for _, member := range []string{"fulfillment_address", "fulfillment_details", "fulfillment_option_id", "selected_fulfillment_options"} {
				if raw, ok := resp[member]; ok {
					echo[member] = raw
				}
			}
			echoBody := mustJSON(echo)
			schema.Def(t, "CheckoutSessionUpdateRequest", echoBody)
			again, err := c.DecodeUpdate(echoBody)
			if err != nil {
				t.Fatalf("decode of the response's members: %v\n%s", err, echoBody)
			}
			if !reflect.DeepEqual(again.Items.V, in.Items) || !reflect.DeepEqual(again.Buyer.V, in.Buyer) || !reflect.DeepEqual(again.FulfillmentDetails.V, in.FulfillmentDetails) {
				t.Errorf("round trip lost data:\nfirst  %+v %+v %+v\nsecond %+v %+v %+v", in.Items, in.Buyer, in.FulfillmentDetails, again.Items.V, again.Buyer.V, again.FulfillmentDetails.V)
			}
			selected := slices.Clone(e.s.Selected)
			e.selections(again.Selections.V)
			if !reflect.DeepEqual(e.s.Selected, selected) {
				t.Errorf("selection lost: %+v, want %+v", e.s.Selected, selected)
			}
		})
	}
}

// TestLegacySpecExampleRequests decodes every example request of each
// version's examples file.
func TestLegacySpecExampleRequests(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		examples := acpschema.Examples(t, version, "examples.agentic_checkout.json")
		if examples == nil {
			return // no spec files: counted as checks not made
		}
		c := legacyCodec(t, version)
		n := 0
		for name, body := range examples {
			if !strings.HasSuffix(name, "_request") {
				continue
			}
			n++
			op := strings.SplitN(name, "_", 2)[0]
			err := decode(c, op, body)
			if version == V20250929 && name == "create_checkout_session_request" {
				// Its quantity is 2.5: whole units only.
				wantDecodeError(t, err, apierr.CodeInvalid, "$.items[0].quantity")
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", version, name, err)
			}
		}
		if n < 3 {
			t.Errorf("%s: only %d example requests found", version, n)
		}
	}
}

// TestLegacyErrorParams: engine errors name 2026 fields; each older
// version reports them at its own fields.
func TestLegacyErrorParams(t *testing.T) {
	t.Parallel()
	cases := []struct {
		param               string
		v0929, v1212, v0116 string
	}{
		{"$.line_items[1].quantity", "$.items[1].quantity", "$.items[1].quantity", "$.items[1].quantity"},
		{"$.line_items", "$.items", "$.items", "$.items"},
		{"$.currency", "", "", ""},
		{"$.payment_data.handler_id", "$.payment_data.provider", "$.payment_data.provider", "$.payment_data.provider"},
		{"$.selected_fulfillment_options[0].option_id", "$.fulfillment_option_id", "$.selected_fulfillment_options[0]", "$.selected_fulfillment_options[0]"},
		{"$.selected_fulfillment_options[2].item_ids[1]", "$.fulfillment_option_id", "$.selected_fulfillment_options[2]", "$.selected_fulfillment_options[2]"},
		{"$.selected_fulfillment_options[0].type", "$.fulfillment_option_id", "$.selected_fulfillment_options[0].type", "$.selected_fulfillment_options[0].type"},
		{"$.fulfillment_details.address.postal_code", "$.fulfillment_address.postal_code", "$.fulfillment_details.address.postal_code", "$.fulfillment_details.address.postal_code"},
		{"$.authentication_result", "$.authentication_result", "$.authentication_result", "$.authentication_result"},
		{"$.capabilities.interventions", "", "", ""},
	}
	for _, tc := range cases {
		for version, want := range map[string]string{V20250929: tc.v0929, V20251212: tc.v1212, V20260116: tc.v0116} {
			if got := legacyCodec(t, version).ErrorParam(tc.param); got != want {
				t.Errorf("%s ErrorParam(%q) = %q, want %q", version, tc.param, got, want)
			}
		}
		for _, version := range []string{V20260417, V20260130} {
			codec, _ := New(version, Seller{}, DefaultLimits)
			if got := codec.ErrorParam(tc.param); got != tc.param {
				t.Errorf("%s ErrorParam(%q) = %q, want it unchanged", version, tc.param, got)
			}
		}
	}
}
