package acpwire

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// wireGroup is ACP's FulfillmentGroup (2026-01-30 and later), in requests
// and responses: lines that go to one destination by one kind of
// fulfillment.
type wireGroup struct {
	ID                 string                  `json:"id"`
	ItemIDs            []string                `json:"item_ids"`
	DestinationType    string                  `json:"destination_type"`
	FulfillmentDetails *wireFulfillmentDetails `json:"fulfillment_details,omitempty"`
	LocationID         string                  `json:"location_id,omitempty"`
	Instructions       string                  `json:"instructions,omitempty"`
}

// groups validates the fulfillment groups of a request. Which lines their
// item_ids name is the engine's decision, as it knows the cart; here the
// ids, types, bounds and details are checked.
func (v *validator) groups(in []wireGroup, param string) []checkout.GroupInput {
	if len(in) > v.limits.MaxFulfillmentGroups {
		v.fail(apierr.CodeInvalid, param, "%s may hold at most %d groups.", param, v.limits.MaxFulfillmentGroups)
		return nil
	}
	out := make([]checkout.GroupInput, 0, len(in))
	seen := map[string]int{}
	for i, g := range in {
		p := fmt.Sprintf("%s[%d]", param, i)
		v.required(g.ID, p+".id", maxIDLength)
		if strings.Contains(g.ID, "/") {
			// A group's options are named "<group id>/<option id>".
			v.fail(apierr.CodeInvalid, p+".id", "%s.id must not contain \"/\".", p)
		}
		if strings.IndexFunc(g.ID, controlOrFormat) >= 0 {
			// The id names the order's planned fulfillment, which the
			// seller reads in a terminal.
			v.fail(apierr.CodeInvalid, p+".id", "%s.id must not contain control or format characters.", p)
		}
		if first, dup := seen[g.ID]; dup && g.ID != "" {
			v.fail(apierr.CodeInvalid, p+".id", "%s.id %q is already the id of %s[%d].", p, g.ID, param, first)
		}
		seen[g.ID] = i
		if g.DestinationType == "" {
			v.fail(apierr.CodeMissing, p+".destination_type", "%s.destination_type is required.", p)
		}
		v.oneOf(g.DestinationType, p+".destination_type", "shipping", "pickup", "local_delivery", "digital")
		switch {
		case g.ItemIDs == nil:
			v.fail(apierr.CodeMissing, p+".item_ids", "%s.item_ids is required.", p)
		case len(g.ItemIDs) == 0:
			v.fail(apierr.CodeInvalid, p+".item_ids", "%s.item_ids must name at least one line item.", p)
		case len(g.ItemIDs) > v.limits.MaxLineItems:
			v.fail(apierr.CodeInvalid, p+".item_ids", "%s.item_ids may hold at most %d ids.", p, v.limits.MaxLineItems)
		}
		for j, id := range g.ItemIDs {
			v.required(id, fmt.Sprintf("%s.item_ids[%d]", p, j), maxIDLength)
		}
		v.bounded(g.LocationID, p+".location_id", maxIDLength)
		v.bounded(g.Instructions, p+".instructions", maxTextLength)
		out = append(out, checkout.GroupInput{
			ID: g.ID, ItemIDs: g.ItemIDs, Type: acp.FulfillmentType(g.DestinationType),
			Details:    v.fulfillmentDetails(g.FulfillmentDetails, p+".fulfillment_details"),
			LocationID: g.LocationID, Instructions: g.Instructions,
		})
	}
	return out
}

// groups encodes the session's fulfillment groups, naming their lines by
// line item id.
func (c *v2026) groups(groups []model.FulfillmentGroup) []wireGroup {
	var out []wireGroup
	for _, g := range groups {
		out = append(out, wireGroup{
			ID: g.ID, ItemIDs: g.LineIDs, DestinationType: string(g.Type),
			FulfillmentDetails: c.fulfillmentDetails(g.Details), LocationID: g.LocationID, Instructions: g.Instructions,
		})
	}
	return out
}

// controlOrFormat reports whether r is a control or format character
// (Unicode Cc or Cf, such as a newline, an escape or a bidirectional
// override).
func controlOrFormat(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf)
}
