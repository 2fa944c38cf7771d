package checkout_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// fixedShipping answers every quote with options, whatever was asked.
func fixedShipping(options ...shipping.Option) func(*checkout.Options) {
	return func(o *checkout.Options) {
		o.Capabilities.Shipping = shipping.Func(func(context.Context, *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			return &shipping.QuoteResponse{Options: slices.Clone(options)}, nil
		})
	}
}

// Option ids stay unique: a group whose options would be named like an
// option of the lines in no group is refused (shipping would otherwise
// be charged twice for the line), and a provider quoting one id twice is
// a broken provider.
func TestGroupOptionIDsStayUnique(t *testing.T) {
	t.Parallel()
	both := []string{"li_mug", "li_tee"}
	for name, tc := range map[string]struct {
		options    []shipping.Option
		groupID    string
		code       string
		param      string
		statusCode int
	}{
		"group id makes a provider's id": {
			options: []shipping.Option{
				{ID: "ups/ground", Type: acp.FulfillmentShipping, LineIDs: both, Amount: 300},
				{ID: "ground", Type: acp.FulfillmentShipping, LineIDs: both, Amount: 200},
			},
			groupID: "ups", code: apierr.CodeInvalid, param: "$.fulfillment_groups[0].id", statusCode: 400,
		},
		"provider repeats an id": {
			options: []shipping.Option{
				{ID: "ground", Type: acp.FulfillmentShipping, LineIDs: both, Amount: 300},
				{ID: "ground", Type: acp.FulfillmentShipping, LineIDs: both, Amount: 200},
			},
			groupID: "g", code: apierr.CodeUpstreamUnavailable, statusCode: 503,
		},
		"slash in the group id": {
			options: []shipping.Option{{ID: "ground", Type: acp.FulfillmentShipping, LineIDs: both, Amount: 200}},
			groupID: "a/b", code: apierr.CodeInvalid, param: "$.fulfillment_groups[0].id", statusCode: 400,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureWith(t, fixedShipping(tc.options...))
			sess, err := f.svc.Create(context.Background(), "agent", "2026-04-17", checkout.CreateInput{
				Currency:           "usd",
				Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}},
				FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
				Groups:             []checkout.GroupInput{{ID: tc.groupID, ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping}},
			}, nil)
			if err == nil {
				t.Fatalf("Create() = options %v, selected %v, fulfillment %d; want an error", optionIDs(sess), selected(sess), sess.Totals.Fulfillment)
			}
			e := apiError(t, err)
			if e.Code != tc.code || e.Param != tc.param || e.Status != tc.statusCode {
				t.Errorf("error = %s %q at %q (%d), want %s at %q (%d)", e.Code, e.Message, e.Param, e.Status, tc.code, tc.param, tc.statusCode)
			}
		})
	}
}

// A provider that names lines it was not asked about cannot make an
// option of the lines in no group carry a grouped line, or the reverse.
func TestQuotedOptionsKeepToTheLinesAsked(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, fixedShipping(shipping.Option{ID: "cheap", Type: acp.FulfillmentShipping, LineIDs: []string{"li_mug", "li_tee"}, Amount: 100}))
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups:             []checkout.GroupInput{{ID: "g", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping}},
	})
	if got, want := selected(sess), []string{"cheap[li_mug]=100", "g/cheap[li_tee]=100"}; !slices.Equal(got, want) {
		t.Errorf("selection = %v, want %v", got, want)
	}
	for _, o := range sess.Options {
		if want := map[string][]string{"cheap": {"li_mug"}, "g/cheap": {"li_tee"}}[o.ID]; !slices.Equal(o.LineIDs, want) {
			t.Errorf("option %s carries %v, want %v", o.ID, o.LineIDs, want)
		}
	}
}

// A line listed twice in one group is said to be so.
func TestGroupListingALineTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.svc.Create(context.Background(), "agent", "2026-04-17", checkout.CreateInput{
		Currency: "usd",
		Items:    []checkout.ItemInput{{ID: "mug", Quantity: 1}},
		Groups:   []checkout.GroupInput{{ID: "g", ItemIDs: []string{"li_mug", "mug"}, Type: acp.FulfillmentShipping}},
	}, nil)
	e := apiError(t, err)
	if e.Param != "$.fulfillment_groups[0].item_ids[1]" || e.Message != `Fulfillment group "g" lists line item "li_mug" twice.` {
		t.Errorf("error = %q at %q", e.Message, e.Param)
	}
}

// One jurisdiction taxing two groups at different rates is listed once
// per rate; the same rate is merged.
func TestGroupTaxBreakdownKeepsRatesApart(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Tax = tax.Func(func(_ context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
			rate := map[string]float64{"CA": 0.05, "NY": 0.1, "TX": 0.05}[req.Destination.State]
			resp := &tax.QuoteResponse{}
			var amount int64
			for _, l := range req.Lines {
				lt := int64(float64(l.Amount) * rate)
				resp.Lines = append(resp.Lines, tax.LineTax{ID: l.ID, Amount: lt})
				amount += lt
			}
			resp.Breakdown = []tax.Jurisdiction{{Name: "US", Rate: rate, Amount: amount}}
			return resp, nil
		})
	})
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}, {ID: "beans", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups: []checkout.GroupInput{
			{ID: "ny", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: address("US", "NY")}},
			{ID: "tx", ItemIDs: []string{"li_beans"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: address("US", "TX")}},
		},
	})
	// Mug 1500 × 5 % in CA and beans 2399 × 5 % in TX share a rate; the
	// tee 2001 × 10 % in NY does not.
	want := []model.TaxShare{{Jurisdiction: "US", Rate: 0.05, Amount: 75 + 119}, {Jurisdiction: "US", Rate: 0.1, Amount: 200}}
	if !slices.Equal(sess.TaxBreakdown, want) {
		t.Errorf("breakdown = %+v, want %+v", sess.TaxBreakdown, want)
	}
}

// A provider saying the same thing for every group's quote is heard once.
func TestGroupQuoteMessagesAreNotRepeated(t *testing.T) {
	t.Parallel()
	ship := builtin.NewShipping(testOptions, nil)
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Shipping = shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			resp, err := ship.Quote(ctx, req)
			if err == nil {
				resp.Messages.AddWarning("slow_region", "$.fulfillment_details.address", "Deliveries here are slow.")
			}
			return resp, err
		})
	})
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}, {ID: "beans", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups: []checkout.GroupInput{
			{ID: "a", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping},
			{ID: "b", ItemIDs: []string{"li_beans"}, Type: acp.FulfillmentShipping},
		},
	})
	var n int
	for _, m := range sess.Messages {
		if m.Code == "slow_region" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the provider's message is listed %d times, want once: %+v", n, sess.Messages)
	}
}

// With every line grouped and no address of the session's own, the
// single destination told to the order system is that of the first
// group that needs an address, not a digital or pickup group's; a
// pickup group's destination is the pickup location, a digital one's
// none.
func TestGroupsOrderDestinations(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var placed *fulfillment.PlaceOrderRequest
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Fulfillment = fulfillment.Funcs{PlaceOrderFunc: func(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			placed = req
			return &fulfillment.PlaceOrderResponse{}, nil
		}}
	})
	sess := f.create(t, checkout.CreateInput{
		Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}, {ID: "beans", Quantity: 1}, {ID: "mug", Quantity: 1}},
		Groups: []checkout.GroupInput{
			{ID: "d", ItemIDs: []string{"ebook"}, Type: acp.FulfillmentDigital},
			{ID: "p", ItemIDs: []string{"beans"}, Type: acp.FulfillmentPickup},
			{ID: "s", ItemIDs: []string{"mug"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: address("US", "NY")}},
		},
	})
	done, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v (messages %+v)", done, err, sess.Messages)
	}
	if stateOf(placed.Destination) != "NY" {
		t.Errorf("destination = %+v, want the shipping group's (NY)", placed.Destination)
	}
	got := map[string]string{}
	for _, g := range placed.Groups {
		got[g.ID] = "none"
		if g.Destination != nil {
			got[g.ID] = g.Destination.Name + "/" + g.Destination.State
		}
	}
	if want := map[string]string{"d": "none", "p": "Shop/CA", "s": "Ada/NY"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("group destinations = %v, want %v", got, want)
	}
}

// The order system hears the checkout's fulfillment contact (who
// receives the items), not only its address.
func TestPlaceOrderCarriesTheFulfillmentContact(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var placed *fulfillment.PlaceOrderRequest
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Fulfillment = fulfillment.Funcs{PlaceOrderFunc: func(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			placed = req
			return &fulfillment.PlaceOrderResponse{}, nil
		}}
	})
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Name: "Grace Hopper", Email: "grace@example.com", PhoneNumber: "+12125550100", Address: address("US", "NY")},
	})
	if _, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err != nil {
		t.Fatal(err)
	}
	if got := [3]string{placed.RecipientName, placed.RecipientEmail, placed.RecipientPhone}; got != [3]string{"Grace Hopper", "grace@example.com", "+12125550100"} {
		t.Errorf("recipient = %q", got)
	}
	if stateOf(placed.Destination) != "NY" {
		t.Errorf("destination = %+v", placed.Destination)
	}
}
