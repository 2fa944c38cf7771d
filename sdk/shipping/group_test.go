package shipping_test

import (
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

func TestOfferedToGroup(t *testing.T) {
	t.Parallel()
	pickups := []string{"shop-sf", "shop-la"}
	pickup := func(location string) *acp.FulfillmentGroup {
		return &acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentPickup, LocationID: location}
	}
	for name, tc := range map[string]struct {
		group *acp.FulfillmentGroup
		typ   acp.FulfillmentType
		id    string
		want  bool
	}{
		"no group":                     {group: nil, typ: acp.FulfillmentShipping, id: "standard", want: true},
		"group of another type":        {group: &acp.FulfillmentGroup{Type: acp.FulfillmentShipping}, typ: acp.FulfillmentPickup, id: "shop-sf"},
		"group of its type":            {group: &acp.FulfillmentGroup{Type: acp.FulfillmentShipping, LocationID: "shop-sf"}, typ: acp.FulfillmentShipping, id: "standard", want: true},
		"pickup without location":      {group: pickup(""), typ: acp.FulfillmentPickup, id: "shop-la", want: true},
		"pickup at the named location": {group: pickup("shop-sf"), typ: acp.FulfillmentPickup, id: "shop-sf", want: true},
		"pickup elsewhere than named":  {group: pickup("shop-sf"), typ: acp.FulfillmentPickup, id: "shop-la"},
		"pickup at an unknown place":   {group: pickup("warehouse"), typ: acp.FulfillmentPickup, id: "shop-la", want: true},
	} {
		if got := shipping.OfferedToGroup(tc.group, tc.typ, tc.id, pickups); got != tc.want {
			t.Errorf("%s: OfferedToGroup() = %v, want %v", name, got, tc.want)
		}
	}
}

// TestPickupIDs: only the pickup options' ids, in order.
func TestPickupIDs(t *testing.T) {
	t.Parallel()
	type opt struct {
		typ acp.FulfillmentType
		id  string
	}
	options := []opt{{acp.FulfillmentShipping, "ups"}, {acp.FulfillmentPickup, "north"}, {acp.FulfillmentDigital, "email"}, {acp.FulfillmentPickup, "south"}}
	got := shipping.PickupIDs(options, func(o opt) (acp.FulfillmentType, string) { return o.typ, o.id })
	if !slices.Equal(got, []string{"north", "south"}) {
		t.Errorf("PickupIDs = %v, want [north south]", got)
	}
	if got := shipping.PickupIDs([]opt{{acp.FulfillmentShipping, "ups"}}, func(o opt) (acp.FulfillmentType, string) { return o.typ, o.id }); got != nil {
		t.Errorf("PickupIDs without pickups = %v, want none", got)
	}
}
