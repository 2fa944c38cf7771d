package pluginmgr

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestDefaultFulfillmentTypes checks that a found item a catalog plugin
// gives no fulfillment types can be shipped, and that other items are left
// as the plugin sent them.
func TestDefaultFulfillmentTypes(t *testing.T) {
	t.Parallel()
	resp := &catalog.ResolveItemsResponse{Items: []catalog.Item{
		{ID: "no-types", Found: true},
		{ID: "digital", Found: true, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}},
		{ID: "not-found"},
	}}
	defaultFulfillmentTypes(resp)
	want := [][]acp.FulfillmentType{{acp.FulfillmentShipping}, {acp.FulfillmentDigital}, nil}
	for i, it := range resp.Items {
		if diff := cmp.Diff(want[i], it.FulfillmentTypes); diff != "" {
			t.Errorf("%s (-want +got):\n%s", it.ID, diff)
		}
	}
	resp.Items[0].FulfillmentTypes[0] = acp.FulfillmentPickup
	if DefaultFulfillmentTypes[0] != acp.FulfillmentShipping {
		t.Error("an item's fulfillment types alias the default")
	}
	defaultFulfillmentTypes(nil)
}
