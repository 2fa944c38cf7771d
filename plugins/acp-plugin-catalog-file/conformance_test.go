package main

import (
	"log/slog"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acptest"
)

// TestConformance checks every contract the host enforces on a catalog.
func TestConformance(t *testing.T) {
	t.Parallel()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	t.Cleanup(c.Close)
	path := writeFile(t, t.TempDir(), "products.csv", demoCSV)
	acptest.RunCatalogConformance(t, c.serveOpts(), acptest.CatalogSuite{Sold: []string{"mug-classic", "beans-house-1kg", "grinder-pro"}},
		acptest.WithConfig(configFor(t, map[string]any{"path": path})))
}

// TestStockConformance checks every contract of the stock reservations
// the plugin announces, on the state file next to its catalog.
func TestStockConformance(t *testing.T) {
	t.Parallel()
	c := newFileCatalog(slog.New(slog.DiscardHandler))
	t.Cleanup(c.Close)
	path := writeFile(t, t.TempDir(), "products.csv", demoCSV)
	acptest.RunStockReservationConformance(t, c.serveOpts(), acptest.StockSuite{SKU: "tee-logo", Stock: 5},
		acptest.WithConfig(configFor(t, map[string]any{"path": path})))
}
