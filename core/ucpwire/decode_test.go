package ucpwire

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

func TestDecodeCreate(t *testing.T) {
	c := testCodec(t)
	body := `{"line_items":[{"item":{"id":"a"},"quantity":2}],"buyer":{"email":"j@x.test","first_name":"Jane","last_name":"Doe"},
		"context":{"language":"fr-CA"},"discounts":{"codes":["TEN"]},"unknown":{"kept":"out"},
		"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 Main St","address_locality":"LA","address_region":"CA","postal_code":"90001","address_country":"us"}]}]}}`
	got, err := c.DecodeCreate([]byte(body), full)
	if err != nil {
		t.Fatal(err)
	}
	want := checkout.CreateInput{
		UCP:                &model.UCPContext{Profile: full.Profile, Capabilities: full.Capabilities},
		Items:              []checkout.ItemInput{{ID: "a", Quantity: 2}},
		Buyer:              &model.Buyer{FirstName: "Jane", LastName: "Doe", Email: "j@x.test"},
		AgentInterventions: []string{"3ds"},
		Locale:             "fr-CA",
		Groups: []checkout.GroupInput{{ID: "method_1", ItemIDs: []string{"a"}, Type: acp.FulfillmentShipping,
			Details: &model.FulfillmentDetails{Name: "Jane Doe", Address: &acp.Address{Name: "Jane Doe", LineOne: "1 Main St", City: "LA", State: "CA", Country: "US", PostalCode: "90001"}}}},
		Extensions:    []string{"discount"},
		DiscountCodes: []string{"TEN"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeCreate (-want +got):\n%s", diff)
	}
	bareIn, err := c.DecodeCreate([]byte(body), bare)
	if err != nil {
		t.Fatal(err)
	}
	if bareIn.Groups != nil || bareIn.DiscountCodes != nil || bareIn.Extensions != nil {
		t.Errorf("extensions not negotiated are decoded: %+v", bareIn)
	}
}

func TestDecodeUpdate(t *testing.T) {
	c := testCodec(t)
	body := `{"id":"cs_1","line_items":[{"id":"li_a","item":{"id":"a"},"quantity":1}],
		"fulfillment":{"methods":[{"id":"g1","type":"shipping","line_item_ids":["li_a"],"selected_destination_id":"d2",
			"destinations":[{"id":"d1","street_address":"x","address_country":"US"},{"id":"d2","street_address":"2 Side St","address_country":"CA","first_name":"Al","phone_number":"+1555"}],
			"groups":[{"id":"g1","selected_option_id":"exp"}]},
			{"id":"p","type":"pickup","line_item_ids":["li_b"],"selected_destination_id":"loc_store"},
			{"id":"none","type":"pickup","line_item_ids":[]}]}}`
	got, err := c.DecodeUpdate([]byte(body), full)
	if err != nil {
		t.Fatal(err)
	}
	want := checkout.UpdateInput{
		Buyer: optional.Of[*model.Buyer](nil),
		Items: optional.Of([]checkout.ItemInput{{ID: "a", Quantity: 1}}),
		Groups: optional.Of([]checkout.GroupInput{
			{ID: "g1", ItemIDs: []string{"li_a"}, Type: acp.FulfillmentShipping,
				Details: &model.FulfillmentDetails{Name: "Al", PhoneNumber: "+1555", Address: &acp.Address{Name: "Al", LineOne: "2 Side St", Country: "CA"}}},
			{ID: "p", ItemIDs: []string{"li_b"}, Type: acp.FulfillmentPickup},
		}),
		Selections: optional.Of([]checkout.SelectionInput{
			{Type: acp.FulfillmentShipping, OptionID: "g1/exp"},
			{Type: acp.FulfillmentPickup, OptionID: "p/store"},
		}),
		DiscountCodes: optional.Of[[]string](nil), // a full replacement without discounts clears the codes
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeUpdate (-want +got):\n%s", diff)
	}
}

func TestDecodeComplete(t *testing.T) {
	c := testCodec(t)
	body := `{"payment":{"instruments":[
		{"id":"i0","handler_id":"other","type":"card","credential":{"type":"x","token":"t0"}},
		{"id":"i1","handler_id":"tok_1","type":"card","selected":true,"display":{"brand":"visa"},
		 "credential":{"type":"PAYMENT_GATEWAY","token":"tok_visa"},
		 "billing_address":{"street_address":"1 Main St","address_locality":"LA","address_region":"CA","postal_code":"90001","address_country":"US","first_name":"Jane","last_name":"Doe"}}]},
		"signals":{"dev.ucp.buyer_ip":"203.0.113.42","dev.ucp.user_agent":"UA","com.example.other":1}}`
	got, err := c.DecodeComplete([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := checkout.CompleteInput{
		Payment: checkout.PaymentInput{HandlerID: "tok_1", InstrumentType: "card", CredentialType: "PAYMENT_GATEWAY", Token: "tok_visa",
			BillingAddress: &acp.Address{Name: "Jane Doe", LineOne: "1 Main St", City: "LA", State: "CA", Country: "US", PostalCode: "90001"}},
		RiskSignals: &model.RiskSignals{IPAddress: "203.0.113.42", UserAgent: "UA"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeComplete (-want +got):\n%s", diff)
	}
}

// TestDecodeErrors: bad types and values are 400s naming the member.
func TestDecodeErrors(t *testing.T) {
	c := testCodec(t)
	tests := []struct {
		op, body, code, param string
	}{
		{"create", ``, apierr.CodeInvalid, ""},
		{"create", `[1]`, apierr.CodeInvalid, ""},
		{"create", `{"line_items":`, apierr.CodeInvalid, ""},
		{"create", `{}`, apierr.CodeMissing, "$.line_items"},
		{"create", `{"line_items":{}}`, apierr.CodeInvalid, "$.line_items"},
		{"create", `{"line_items":[{"quantity":1}]}`, apierr.CodeMissing, "$.line_items[0].item"},
		{"create", `{"line_items":[{"item":{"id":""},"quantity":1}]}`, apierr.CodeMissing, "$.line_items[0].item.id"},
		{"create", `{"line_items":[{"item":{"id":"a"}}]}`, apierr.CodeMissing, "$.line_items[0].quantity"},
		{"create", `{"line_items":[{"item":{"id":"a"},"quantity":1.5}]}`, apierr.CodeInvalid, "$.line_items.quantity"},
		{"create", `{"line_items":[{"item":{"id":"a"},"quantity":11}]}`, apierr.CodeInvalid, "$.line_items[0].quantity"},
		{"create", `{"line_items":[{"item":{"id":"a"},"quantity":1},{"item":{"id":"b"},"quantity":1},{"item":{"id":"c"},"quantity":1},{"item":{"id":"d"},"quantity":1}]}`, apierr.CodeInvalid, "$.line_items"},
		{"create", `{"line_items":[],"buyer":{"email":7}}`, apierr.CodeInvalid, "$.buyer.email"},
		{"create", `{"line_items":[],"discounts":{"codes":[""]}}`, apierr.CodeMissing, "$.discounts.codes[0]"},
		{"create", `{"line_items":[{"item":{"id":"a"},"quantity":1}],"fulfillment":{"methods":[{"line_item_ids":["a"]}]}}`, apierr.CodeMissing, "$.fulfillment.methods[0].type"},
		{"create", `{"line_items":[{"item":{"id":"a"},"quantity":1}],"fulfillment":{"methods":[{"type":"drone"}]}}`, apierr.CodeInvalid, "$.fulfillment.methods[0].type"},
		{"create", `{"line_items":[{"item":{"id":"a"},"quantity":1}],"fulfillment":{"methods":[{"id":"a/b","type":"shipping"}]}}`, apierr.CodeInvalid, "$.fulfillment.methods[0].id"},
		{"create", `{"line_items":[{"item":{"id":"a"},"quantity":1}],"fulfillment":{"methods":[{"type":"shipping","destinations":[{"address_country":"USA"}]}]}}`, apierr.CodeInvalid, "$.fulfillment.methods[0].destinations[0].address_country"},
		{"update", `{"line_items":[{"item":{"id":"a"},"quantity":1}],"fulfillment":{"methods":[{"type":"shipping","selected_destination_id":"x","destinations":[]}]}}`, apierr.CodeInvalid, "$.fulfillment.methods[0].selected_destination_id"},
		{"update", `{"buyer":{}}`, apierr.CodeMissing, "$.line_items"},
		{"complete", `{}`, apierr.CodeMissing, "$.payment.instruments"},
		{"complete", `{"payment":{"instruments":[{"handler_id":"h","type":"card"},{"handler_id":"h","type":"card"}]}}`, apierr.CodeInvalid, "$.payment.instruments"},
		{"complete", `{"payment":{"instruments":[{"selected":true,"handler_id":"h","type":"card"},{"selected":true}]}}`, apierr.CodeInvalid, "$.payment.instruments[1].selected"},
		{"complete", `{"payment":{"instruments":[{"type":"card","credential":{"type":"t","token":"x"}}]}}`, apierr.CodeMissing, "$.payment.instruments[0].handler_id"},
		{"complete", `{"payment":{"instruments":[{"handler_id":"h","type":"card"}]}}`, apierr.CodeMissing, "$.payment.instruments[0].credential"},
		{"complete", `{"payment":{"instruments":[{"handler_id":"h","type":"card","credential":{"type":"t"}}]}}`, apierr.CodeMissing, "$.payment.instruments[0].credential.token"},
		{"cancel", `[]`, apierr.CodeInvalid, ""},
	}
	for _, tt := range tests {
		err := decodeOp(c, tt.op, tt.body)
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 || e.Code != tt.code || e.Param != tt.param || e.Message == "" {
			t.Errorf("%s %s: error %#v, want %s at %q", tt.op, tt.body, err, tt.code, tt.param)
		}
	}
	for _, body := range []string{``, `{}`, `{"reason":"x"}`} {
		if err := decodeOp(c, "cancel", body); err != nil {
			t.Errorf("cancel %q: %v", body, err)
		}
	}
}

func decodeOp(c *Codec, op, body string) error {
	var err error
	switch op {
	case "create":
		_, err = c.DecodeCreate([]byte(body), full)
	case "update":
		_, err = c.DecodeUpdate([]byte(body), full)
	case "complete":
		_, err = c.DecodeComplete([]byte(body))
	default:
		_, err = c.DecodeCancel([]byte(body))
	}
	return err
}

// FuzzDecode: no body makes a decoder panic, and every refusal is a 400
// apierr naming what is wrong.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"line_items":[{"item":{"id":"a"},"quantity":2}]}`,
		`{"line_items":[{"id":"li_a","item":{"id":"a"},"quantity":1}],"fulfillment":{"methods":[{"id":"g1","type":"pickup","selected_destination_id":"loc_x","groups":[{"selected_option_id":"x"}]}]}}`,
		`{"payment":{"instruments":[{"handler_id":"h","type":"card","selected":true,"credential":{"type":"t","token":"x"},"billing_address":{"address_country":"us"}}]},"signals":{"dev.ucp.buyer_ip":"1"}}`,
		`{"line_items":[{"item":{"id":"a"},"quantity":-1}],"discounts":{"codes":null}}`,
		`{"fulfillment":{"methods":[{"destinations":[{"id":1}]}]}}`,
		"{\"line_items\":[{\"item\":{\"id\":\"\xff\"},\"quantity\":1}]}",
		`{}`, ``, `null`,
	} {
		for op := uint8(0); op < 4; op++ {
			f.Add(op, seed)
		}
	}
	c, err := New(Business{}, Limits{MaxLineItems: 100, MaxQuantity: 1000, MaxFulfillmentMethods: 8})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		err := decodeOp(c, []string{"create", "update", "complete", "cancel"}[op%4], body)
		if err == nil {
			return
		}
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 || e.Code == "" || strings.TrimSpace(e.Message) == "" {
			t.Fatalf("%q: error %#v is not a 400 protocol error", body, err)
		}
	})
}
