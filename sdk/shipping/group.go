package shipping

import (
	"slices"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// OfferedToGroup reports whether an option of type typ with id id is
// offered to a fulfillment group (protocol 1.2; every option when group
// is nil, a checkout that is not split): only options of the group's
// type, and for a pickup group whose LocationID is one of pickupIDs (the
// ids of the provider's pickup options), only that option. Any other
// LocationID leaves every pickup option offered. The built-in shipping
// and the shipping-zones plugin follow this rule.
func OfferedToGroup(group *acp.FulfillmentGroup, typ acp.FulfillmentType, id string, pickupIDs []string) bool {
	switch {
	case group == nil:
		return true
	case group.Type != typ:
		return false
	case typ != acp.FulfillmentPickup || group.LocationID == "":
		return true
	}
	return !slices.Contains(pickupIDs, group.LocationID) || id == group.LocationID
}

// PickupIDs returns the ids of the pickup options among options, in
// order: the pickupIDs of OfferedToGroup. option gives an option's type
// and id.
func PickupIDs[T any](options []T, option func(T) (acp.FulfillmentType, string)) []string {
	var ids []string
	for _, o := range options {
		if typ, id := option(o); typ == acp.FulfillmentPickup {
			ids = append(ids, id)
		}
	}
	return ids
}
