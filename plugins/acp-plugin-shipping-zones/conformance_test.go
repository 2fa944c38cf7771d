package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// TestConformance checks every contract the host enforces on a shipping
// capability, on a cart mixing goods and a download.
func TestConformance(t *testing.T) {
	t.Parallel()
	p := newZonePlugin(slog.New(slog.DiscardHandler), func() time.Time { return now })
	acptest.RunShippingConformance(t, p.serveOpts(), acptest.ShippingSuite{
		Destination: acp.Address{Name: "Ada", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94105"},
		Lines: []shipping.Line{
			{ID: "li_1", ItemID: "mug", Quantity: 2, Subtotal: 3000, Weight: &acp.Weight{Value: 350, Unit: "g"}, FulfillmentTypes: shipOrPickup},
			{ID: "li_2", ItemID: "ebook", Quantity: 1, Subtotal: 999, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}},
		},
	}, acptest.WithConfig(demoConfig))
}
