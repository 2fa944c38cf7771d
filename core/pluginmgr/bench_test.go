package pluginmgr

import (
	"context"
	"testing"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// BenchmarkCall measures one supervised catalog call to a plugin process:
// the deadline, the circuit check, the gRPC round trip to another process
// and the conversions. Compare it with the time of a whole request
// (BenchmarkPlugins in core/host) rather than on its own.
func BenchmarkCall(b *testing.B) {
	m := New(Options{Plugins: []Spec{spec()}})
	if err := m.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	c := m.Catalog("t")
	req := &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "a", Quantity: 1}, {ID: "b", Quantity: 2}}}
	for b.Loop() {
		if _, err := c.ResolveItems(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
