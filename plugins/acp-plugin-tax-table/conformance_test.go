package main

import (
	"log/slog"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
)

// TestConformance checks every contract the host enforces on a tax
// capability.
func TestConformance(t *testing.T) {
	t.Parallel()
	acptest.RunTaxConformance(t, newTaxTable(slog.New(slog.DiscardHandler)).serveOpts(),
		acptest.TaxSuite{Destination: acp.Address{Name: "Ada", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94105"}},
		acptest.WithConfig(reducedConfig))
}
