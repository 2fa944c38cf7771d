package main

import (
	"context"
	"testing"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// BenchmarkResolveItems measures the catalog call a checkout create makes,
// through the SDK's real gRPC path served in process (acptest), from 16
// callers at once as under the load tool: the host's stub and conversions,
// the plugin's gRPC server, and ResolveItems with its stock snapshot taken
// under the state file's lock. A CPU profile of it (-cpuprofile) shows
// both sides of one plugin round trip.
func BenchmarkResolveItems(b *testing.B) {
	dir := b.TempDir()
	path := writeFile(b, dir, "products.csv", demoCSV)
	p := newPlugin(b, configFor(b, map[string]any{"path": path}))
	req := &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "mug-classic", Quantity: 2}, {ID: "guide-brewing-ebook", Quantity: 1}}}
	c := p.Catalog()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.ResolveItems(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			if !resp.Items[0].Found || resp.Items[0].Available == nil {
				b.Fatalf("ResolveItems() = %+v, want the stock-controlled mug found", resp.Items[0])
			}
		}
	})
}
