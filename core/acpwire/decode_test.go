package acpwire

import (
	"errors"
	"net/http"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/payment"
)

func codec(t testing.TB) Codec {
	t.Helper()
	c, ok := New(V20260417, Seller{}, DefaultLimits)
	if !ok {
		t.Fatal("2026-04-17 codec missing")
	}
	return c
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		op        string
		body      string
		wantCode  string
		wantParam string
	}{
		"empty body":              {"create", ``, apierr.CodeInvalidJSON, "$"},
		"malformed json":          {"create", `{"line_items":[`, apierr.CodeInvalidJSON, "$"},
		"not an object":           {"create", `[1,2]`, apierr.CodeInvalidType, "$"},
		"missing line_items":      {"create", `{"currency":"usd","capabilities":{}}`, apierr.CodeMissing, "$.line_items"},
		"empty line_items":        {"create", `{"line_items":[],"currency":"usd","capabilities":{}}`, apierr.CodeInvalid, "$.line_items"},
		"missing item id":         {"create", `{"line_items":[{"id":"a"},{"quantity":2}],"currency":"usd","capabilities":{}}`, apierr.CodeMissing, "$.line_items[1].id"},
		"zero quantity":           {"create", `{"line_items":[{"id":"a","quantity":0}],"currency":"usd","capabilities":{}}`, apierr.CodeInvalid, "$.line_items[0].quantity"},
		"negative quantity":       {"create", `{"line_items":[{"id":"a","quantity":-3}],"currency":"usd","capabilities":{}}`, apierr.CodeInvalid, "$.line_items[0].quantity"},
		"decimal quantity":        {"create", `{"line_items":[{"id":"a"},{"id":"b","quantity":1.5}],"currency":"usd","capabilities":{}}`, apierr.CodeInvalidType, "$.line_items[1].quantity"},
		"string quantity":         {"create", `{"line_items":[{"id":"a","quantity":"2"}],"currency":"usd","capabilities":{}}`, apierr.CodeInvalidType, "$.line_items[0].quantity"},
		"huge quantity":           {"create", `{"line_items":[{"id":"a","quantity":100000000}],"currency":"usd","capabilities":{}}`, apierr.CodeInvalid, "$.line_items[0].quantity"},
		"missing currency":        {"create", `{"line_items":[{"id":"a"}],"capabilities":{}}`, apierr.CodeMissing, "$.currency"},
		"malformed currency":      {"create", `{"line_items":[{"id":"a"}],"currency":"dollars","capabilities":{}}`, apierr.CodeInvalid, "$.currency"},
		"missing capabilities":    {"create", `{"line_items":[{"id":"a"}],"currency":"usd"}`, apierr.CodeMissing, "$.capabilities"},
		"bad buyer email":         {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"buyer":{"email":"not-an-email"}}`, apierr.CodeInvalid, "$.buyer.email"},
		"buyer without email":     {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"buyer":{"first_name":"A"}}`, apierr.CodeMissing, "$.buyer.email"},
		"address without city":    {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"fulfillment_details":{"address":{"name":"A","line_one":"1","state":"CA","country":"US","postal_code":"1"}}}`, apierr.CodeMissing, "$.fulfillment_details.address.city"},
		"bad country":             {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"fulfillment_details":{"address":{"name":"A","line_one":"1","city":"c","state":"CA","country":"USA","postal_code":"1"}}}`, apierr.CodeInvalid, "$.fulfillment_details.address.country"},
		"metadata not object":     {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"metadata":[1]}`, apierr.CodeInvalidType, "$.metadata"},
		"update bad selection":    {"update", `{"selected_fulfillment_options":[{"type":"teleport","option_id":"x","item_ids":[]}]}`, apierr.CodeInvalid, "$.selected_fulfillment_options[0].type"},
		"update selection id":     {"update", `{"selected_fulfillment_options":[{"type":"shipping","item_ids":[]}]}`, apierr.CodeMissing, "$.selected_fulfillment_options[0].option_id"},
		"update wrong type":       {"update", `{"line_items":{"id":"a"}}`, apierr.CodeInvalidType, "$.line_items"},
		"complete no payment":     {"complete", `{}`, apierr.CodeMissing, "$.payment_data"},
		"complete no token":       {"complete", `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt"}}}}`, apierr.CodeMissing, "$.payment_data.instrument.credential.token"},
		"complete no instr":       {"complete", `{"payment_data":{"handler_id":"h"}}`, apierr.CodeMissing, "$.payment_data.instrument"},
		"complete bad consents":   {"complete", `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"t"}}},"marketing_consents":[{"channel":"email"}]}`, apierr.CodeMissing, "$.marketing_consents[0].opted_in"},
		"complete auth outcome":   {"complete", `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"t"}}},"authentication_result":{}}`, apierr.CodeMissing, "$.authentication_result.outcome"},
		"po with bare instrument": {"complete", `{"payment_data":{"purchase_order_number":"PO-1","instrument":{"type":"card"}}}`, apierr.CodeMissing, "$.payment_data.instrument.credential"},
		"non-ascii email":         {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"buyer":{"email":"\u00fc@example.com"}}`, apierr.CodeInvalid, "$.buyer.email"},
		"bad email domain":        {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"buyer":{"email":"x@-bad-.com"}}`, apierr.CodeInvalid, "$.buyer.email"},
		"comma timestamp":         {"create", `{"line_items":[{"id":"a"}],"currency":"usd","capabilities":{},"buyer":{"email":"a@b.co","loyalty":{"member_since":"2024-01-15T09:00:00,5Z"}}}`, apierr.CodeInvalid, "$.buyer.loyalty.member_since"},
		"unknown auth outcome":    {"complete", `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"t"}}},"authentication_result":{"outcome":"<b>hi</b>"}}`, apierr.CodeInvalid, "$.authentication_result.outcome"},
		"auth without details":    {"complete", `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"t"}}},"authentication_result":{"outcome":"authenticated"}}`, apierr.CodeMissing, "$.authentication_result.outcome_details"},
		"auth details incomplete": {"complete", `{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"t"}}},"authentication_result":{"outcome":"authenticated","outcome_details":{"three_ds_cryptogram":"x"}}}`, apierr.CodeMissing, "$.authentication_result.outcome_details.electronic_commerce_indicator"},
		"cancel nested trace":     {"cancel", `{"intent_trace":{"reason_code":"other","metadata":{"a":{"b":1}}}}`, apierr.CodeInvalidType, "$.intent_trace.metadata.a"},
		"cancel trace no code":    {"cancel", `{"intent_trace":{"trace_summary":"x"}}`, apierr.CodeMissing, "$.intent_trace.reason_code"},
		"cancel trace string":     {"cancel", `{"intent_trace":"no"}`, apierr.CodeInvalidType, "$.intent_trace"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := decode(codec(t), tc.op, []byte(tc.body))
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("decode error = %v, want an ACP error", err)
			}
			if ae.Status != http.StatusBadRequest || ae.Type != apierr.TypeInvalidRequest || ae.Code != tc.wantCode || ae.Param != tc.wantParam {
				t.Errorf("error = %d %s %s %q, want 400 invalid_request %s %q (%s)", ae.Status, ae.Type, ae.Code, ae.Param, tc.wantCode, tc.wantParam, ae.Message)
			}
			if ae.Message == "" {
				t.Error("error has no message")
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	c := codec(t)
	in, err := c.DecodeCreate([]byte(`{"line_items":[{"id":"a","quantity":3.0},{"id":"b"}],"currency":"USD","capabilities":{"interventions":{"supported":["3ds","future_thing"]}},"unknown_member":true}`))
	if err != nil {
		t.Fatalf("DecodeCreate() error = %v", err)
	}
	if len(in.Items) != 2 || in.Items[0].Quantity != 3 || in.Items[1].Quantity != 1 || in.Currency != "usd" {
		t.Errorf("items %+v currency %q", in.Items, in.Currency)
	}
	if len(in.AgentInterventions) != 2 {
		t.Errorf("interventions = %v", in.AgentInterventions)
	}
	up, err := c.DecodeUpdate([]byte(`{"fulfillment_details":null,"order_notes":"x"}`))
	if err != nil {
		t.Fatalf("DecodeUpdate() error = %v", err)
	}
	if !up.FulfillmentDetails.Set || !up.FulfillmentDetails.Null || up.Buyer.Set || !up.OrderNotes.Present() {
		t.Errorf("update presence wrong: %+v", up)
	}
	for _, body := range []string{``, `{}`, `{"intent_trace":null}`, `{"intent_trace":{"reason_code":"brand_new_code","metadata":{"n":1,"b":true,"s":"x"}}}`} {
		if _, err := c.DecodeCancel([]byte(body)); err != nil {
			t.Errorf("DecodeCancel(%q) error = %v", body, err)
		}
	}
}

func decode(c Codec, op string, body []byte) error {
	var err error
	switch op {
	case "create":
		_, err = c.DecodeCreate(body)
	case "update":
		_, err = c.DecodeUpdate(body)
	case "complete":
		_, err = c.DecodeComplete(body)
	case "cancel":
		_, err = c.DecodeCancel(body)
	}
	return err
}

// FuzzDecode feeds arbitrary bodies to every decoder of every served
// version: none may panic, and every failure must be a 400 ACP error with
// a JSONPath param.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"line_items":[{"id":"a","quantity":2}],"currency":"usd","capabilities":{}}`,
		`{"line_items":[{"id":"a","quantity":1.5}]}`, `{"buyer":{"email":"a@b.co","company":{"name":"c"}}}`,
		`{"fulfillment_details":{"address":{"name":"A","line_one":"1","city":"c","state":"CA","country":"us","postal_code":"1"}}}`,
		`{"selected_fulfillment_options":[{"type":"shipping","option_id":"s","item_ids":["a"]}]}`,
		`{"payment_data":{"handler_id":"h","instrument":{"type":"card","credential":{"type":"spt","token":"spt_1"}}}}`,
		`{"intent_trace":{"reason_code":"other","metadata":{"a":1}}}`, `{"line_items":null,"buyer":null}`,
		`{"affiliate_attribution":{"provider":"p","token":"t","source":{"type":"url","url":"u"},"metadata":{"k":1},"issued_at":"2026-01-01T00:00:00Z"}}`,
		`{"affiliate_attribution":{"provider":1,"publisher_id":"+1 415 555 0100"},"risk_signals":{"ip_address":[]},"marketing_consents":[{"channel":null}]}`,
		`{"a":{"b":{"c":[[[[{}]]]]}}}`, "{\"\u00e9\":\"\\ud800\"}",
		// The discount extension (2026-01-30 and later).
		`{"discounts":{"codes":["SAVE10","save10"]},"coupons":["X"],"capabilities":{"extensions":["discount",{"name":"discount"},7]}}`,
		`{"discounts":null,"coupons":null}`, `{"discounts":{"codes":null}}`, `{"discounts":{"codes":[""]}}`,
		`{"discounts":{"codes":"SAVE10"},"coupons":[1]}`, `{"capabilities":{"extensions":"discount"}}`,
		// The shapes of 2025-09-29, 2025-12-12 and 2026-01-16.
		`{"items":[{"id":"item_123","quantity":2.5}],"fulfillment_address":{"name":"A","line_one":"1","city":"c","state":"CA","country":"US","postal_code":"1"}}`,
		`{"items":[{"id":"a","quantity":1e300}],"buyer":{"first_name":"A","last_name":"B","email":"a@b.co"}}`,
		`{"fulfillment_option_id":"fulfillment_option_456","items":null,"buyer":null,"fulfillment_address":null}`,
		`{"selected_fulfillment_options":[{"type":"shipping","shipping":{"option_id":"s","item_ids":["a"]}},{"type":"digital"}]}`,
		`{"fulfillment_details":{"email":"a@b.co","address":{"name":"A"}},"affiliate_attribution":{"provider":"p","token":"t"}}`,
		`{"payment_data":{"token":"spt_1","provider":"stripe","billing_address":{}},"authentication_result":{"outcome":"attempt","outcome_details":{"version":1}}}`,
	}
	for _, op := range []string{"create", "update", "complete", "cancel"} {
		for _, s := range seeds {
			f.Add(op, []byte(s))
		}
	}
	var codecs []Codec
	for _, v := range Versions() {
		c, _ := New(v, Seller{Handlers: []payment.Descriptor{{ID: "card_tokenized", Name: "dev.acp.tokenized.card", PSP: "sandbox"}}}, DefaultLimits)
		codecs = append(codecs, c)
	}
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		for _, c := range codecs {
			err := decode(c, op, body)
			if err == nil {
				continue
			}
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%s decode(%s) returned a non-ACP error %v", c.Version(), op, err)
			}
			if ae.Status != http.StatusBadRequest || ae.Param == "" || ae.Param[0] != '$' || ae.Message == "" {
				t.Fatalf("%s decode(%s) error %+v lacks status, JSONPath param or message", c.Version(), op, ae)
			}
		}
	})
}
