package main

import (
	"log/slog"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acptest"
)

// TestConformance checks every contract the host enforces on a
// fulfillment capability, against an intake that numbers orders.
func TestConformance(t *testing.T) {
	t.Parallel()
	in := newIntake(t, answer{status: 201, body: `{"order_number": "1001", "permalink_url": "https://shop.test/orders/1001"}`})
	acptest.RunFulfillmentConformance(t, newForwarder(slog.New(slog.DiscardHandler), getenv).serveOpts(), acptest.FulfillmentSuite{},
		acptest.WithConfig(in.config(t, nil)))
}
