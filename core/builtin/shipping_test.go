package builtin

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// demoShipping is shipping like the demo store's: two ways to ship, a
// download and a pickup.
func demoShipping() *Shipping {
	now := func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) }
	return NewShipping([]ShippingOption{
		{ID: "standard", Type: acp.FulfillmentShipping, Title: "Standard", Price: PriceRule{Flat: 500, FreeOver: 5000}, DeliveryDays: &DayRange{Min: 3, Max: 5}},
		{ID: "express", Type: acp.FulfillmentShipping, Title: "Express", Price: PriceRule{Flat: 1500, PerItem: 100}, DeliveryDays: &DayRange{Min: 1, Max: 2}, Countries: []string{"US"}},
		{ID: "download", Type: acp.FulfillmentDigital, Title: "Download"},
		{ID: "store", Type: acp.FulfillmentPickup, Title: "Pickup", Pickup: &shipping.PickupLocation{Name: "Shop"}},
	}, now)
}

// TestShippingQuote: each option carries the lines of its type, priced
// by its rule; a quote that nothing serves has no options at all.
func TestShippingQuote(t *testing.T) {
	t.Parallel()
	s := demoShipping()
	lines := []shipping.Line{
		{ID: "li_mug", Quantity: 2, Subtotal: 3000, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup}},
		{ID: "li_ebook", Quantity: 1, Subtotal: 999, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}},
		{ID: "li_tee", Quantity: 1, Subtotal: 2500, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping}},
	}
	resp, err := s.Quote(context.Background(), &shipping.QuoteRequest{Lines: lines, Destination: &acp.Address{Country: "FR"}})
	if err != nil {
		t.Fatal(err)
	}
	type quoted struct {
		ID      string
		LineIDs []string
		Amount  int64
	}
	var got []quoted
	for _, o := range resp.Options {
		got = append(got, quoted{o.ID, o.LineIDs, o.Amount})
	}
	want := []quoted{{"standard", []string{"li_mug", "li_tee"}, 0}, {"download", []string{"li_ebook"}, 0}, {"store", []string{"li_mug"}, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	none, err := s.Quote(context.Background(), &shipping.QuoteRequest{})
	if err != nil || none.Options != nil {
		t.Errorf("a quote of no lines = %#v, %v; want no options", none.Options, err)
	}
}

// BenchmarkShippingQuote measures a quote of a create's two lines.
func BenchmarkShippingQuote(b *testing.B) {
	s := demoShipping()
	req := &shipping.QuoteRequest{Lines: []shipping.Line{
		{ID: "li_mug", Quantity: 2, Subtotal: 3000, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup}},
		{ID: "li_ebook", Quantity: 1, Subtotal: 999, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Quote(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
