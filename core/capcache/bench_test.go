package capcache

import (
	"context"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// BenchmarkShippingHit measures a hit on the demo cart's shipping quote
// (two lines, four options): the key, the lookup and the copy, which
// replace a round trip to the plugin's process.
func BenchmarkShippingHit(b *testing.B) {
	c := New(Options{})
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	answer := &shipping.QuoteResponse{MaxAge: time.Minute}
	for _, id := range []string{"standard", "express", "pickup-sf"} {
		answer.Options = append(answer.Options, shipping.Option{ID: id, Type: acp.FulfillmentShipping, Title: id, Carrier: "USPS",
			LineIDs: []string{"li_mug-classic"}, Amount: 500, EarliestDelivery: day, LatestDelivery: day.AddDate(0, 0, 2)})
	}
	answer.Options[2].Pickup = &shipping.PickupLocation{Name: "Roastery", Address: acp.Address{Name: "Roastery", LineOne: "1 Ferry Building", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94111"}}
	answer.Options = append(answer.Options, shipping.Option{ID: "email", Type: acp.FulfillmentDigital, Title: "Email delivery", LineIDs: []string{"li_guide-brewing-ebook"}})
	cached := c.Shipping("shipping", shipping.Func(func(context.Context, *shipping.QuoteRequest) (*shipping.QuoteResponse, error) { return answer, nil }))
	req := &shipping.QuoteRequest{Currency: "usd", Lines: []shipping.Line{
		{ID: "li_mug-classic", ItemID: "mug-classic", Quantity: 2, Subtotal: 3000, Weight: &acp.Weight{Value: 350, Unit: "g"},
			FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup}},
		{ID: "li_guide-brewing-ebook", ItemID: "guide-brewing-ebook", Quantity: 1, Subtotal: 999, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}},
	}}
	ctx := context.Background()
	if _, err := cached.Quote(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cached.Quote(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
