package ucpwire

import (
	"fmt"
	"strings"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// The fulfillment extension maps onto the engine's split fulfillment:
// each UCP fulfillment method is one engine fulfillment group (its id,
// its line items, shipping or pickup, the selected destination as the
// group's address), quoted on its own; the method has exactly one UCP
// group (the platform's default supports_multi_group false), whose id is
// the method's, offering the engine group's options under their provider
// ids (the engine names them "<group id>/<option id>"). A shipping
// method's destination is "dest_<method id>"; a pickup method's
// destinations are the locations of its pickup options, "loc_<option
// id>", so that selecting a location selects its option.

type fulfillmentIn struct {
	Methods []methodIn `json:"methods"`
}

type methodIn struct {
	ID                    string          `json:"id"`
	Type                  string          `json:"type"`
	LineItemIDs           []string        `json:"line_item_ids"`
	Destinations          []destinationIn `json:"destinations"`
	SelectedDestinationID *string         `json:"selected_destination_id"`
	Groups                []groupIn       `json:"groups"`
}

// destinationIn is a shipping destination (a postal address with an id)
// or a retail location (id, name, address).
type destinationIn struct {
	ID string `json:"id"`
	addressIn
}

type groupIn struct {
	ID               string  `json:"id"`
	SelectedOptionID *string `json:"selected_option_id"`
}

// Fulfillment method types.
const (
	methodShipping = "shipping"
	methodPickup   = "pickup"
)

// methods decodes fulfillment.methods into the engine's groups and the
// options selected in them. A method without line_item_ids carries every
// line item of the request; one without an id is named method_<n>.
func (c *Codec) methods(v *validator, f *fulfillmentIn, lines []lineItemIn, buyer *buyerIn, create bool) ([]checkout.GroupInput, []checkout.SelectionInput) {
	if c.limits.MaxFulfillmentMethods > 0 && len(f.Methods) > c.limits.MaxFulfillmentMethods {
		v.fail(apierr.CodeInvalid, "$.fulfillment.methods", "$.fulfillment.methods may hold at most %d methods.", c.limits.MaxFulfillmentMethods)
		return nil, nil
	}
	var name string
	if buyer != nil {
		name = strings.TrimSpace(buyer.FirstName + " " + buyer.LastName)
	}
	var groups []checkout.GroupInput
	var selections []checkout.SelectionInput
	seen := map[string]bool{}
	for i, m := range f.Methods {
		p := fmt.Sprintf("$.fulfillment.methods[%d]", i)
		id := v.bounded(m.ID, p+".id", maxID)
		if id == "" {
			id = fmt.Sprintf("method_%d", i+1)
		}
		if strings.ContainsAny(id, "/") || strings.IndexFunc(id, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			v.fail(apierr.CodeInvalid, p+".id", "%s.id must not contain \"/\" or control characters.", p)
		}
		if seen[id] {
			v.fail(apierr.CodeInvalid, p+".id", "%s.id %q is the id of another method.", p, id)
		}
		seen[id] = true
		typ := m.Type
		switch {
		case typ == "" && create:
			v.fail(apierr.CodeMissing, p+".type", "%s.type is required.", p)
		case typ == "":
			typ = methodShipping
		case typ != methodShipping && typ != methodPickup:
			v.fail(apierr.CodeInvalid, p+".type", "%s.type must be shipping or pickup.", p)
		}
		items := m.LineItemIDs
		if items == nil {
			for _, li := range lines {
				if li.ID != "" {
					items = append(items, li.ID)
				} else if li.Item != nil {
					items = append(items, li.Item.ID)
				}
			}
		}
		if len(items) == 0 {
			// A method carrying nothing (a pickup offer for no line) has
			// nothing to quote.
			continue
		}
		for j, ref := range items {
			v.required(ref, fmt.Sprintf("%s.line_item_ids[%d]", p, j), maxID)
		}
		g := checkout.GroupInput{ID: id, ItemIDs: items, Type: acp.FulfillmentType(typ)}
		selected := ""
		if m.SelectedDestinationID != nil {
			selected = *m.SelectedDestinationID
		}
		switch typ {
		case methodShipping:
			if d := destination(m.Destinations, selected); d != nil {
				k := indexOf(m.Destinations, d)
				addr := v.address(&d.addressIn, fmt.Sprintf("%s.destinations[%d]", p, k), name)
				g.Details = &model.FulfillmentDetails{Name: addr.Name, PhoneNumber: d.PhoneNumber, Address: addr}
			} else if selected != "" {
				v.fail(apierr.CodeInvalid, p+".selected_destination_id", "%s.selected_destination_id %q names none of %s.destinations.", p, selected, p)
			}
		case methodPickup:
			if option, ok := strings.CutPrefix(selected, "loc_"); ok && option != "" {
				selections = append(selections, checkout.SelectionInput{Type: acp.FulfillmentPickup, OptionID: id + "/" + option})
			}
		}
		for j, grp := range m.Groups {
			gp := fmt.Sprintf("%s.groups[%d]", p, j)
			v.bounded(grp.ID, gp+".id", maxID)
			if grp.SelectedOptionID == nil || *grp.SelectedOptionID == "" {
				continue
			}
			option := v.bounded(*grp.SelectedOptionID, gp+".selected_option_id", maxID)
			if typ == methodPickup && len(selections) > 0 && selections[len(selections)-1].OptionID == id+"/"+option {
				continue
			}
			selections = append(selections, checkout.SelectionInput{Type: acp.FulfillmentType(typ), OptionID: id + "/" + option})
		}
		groups = append(groups, g)
	}
	return groups, selections
}

// destination is the destination selected among ds: the one named by
// selected, or the only one when none is named.
func destination(ds []destinationIn, selected string) *destinationIn {
	if selected == "" {
		if len(ds) == 1 {
			return &ds[0]
		}
		return nil
	}
	for i := range ds {
		if ds[i].ID == selected {
			return &ds[i]
		}
	}
	return nil
}

func indexOf(ds []destinationIn, d *destinationIn) int {
	for i := range ds {
		if &ds[i] == d {
			return i
		}
	}
	return 0
}

// The fulfillment extension's response shapes.
type fulfillmentJSON struct {
	Methods []methodJSON `json:"methods"`
}

type methodJSON struct {
	ID                    string            `json:"id"`
	Type                  string            `json:"type"`
	LineItemIDs           []string          `json:"line_item_ids"`
	SelectedDestinationID string            `json:"selected_destination_id,omitempty"`
	Destinations          []destinationJSON `json:"destinations,omitempty"`
	Groups                []groupJSON       `json:"groups"`
}

// destinationJSON is a shipping destination (id and address members) or
// a retail location (id, name, address).
type destinationJSON struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	*addressJSON
	Address *addressJSON `json:"address,omitempty"`
}

type addressJSON struct {
	ExtendedAddress string `json:"extended_address,omitempty"`
	StreetAddress   string `json:"street_address,omitempty"`
	AddressLocality string `json:"address_locality,omitempty"`
	AddressRegion   string `json:"address_region,omitempty"`
	AddressCountry  string `json:"address_country,omitempty"`
	PostalCode      string `json:"postal_code,omitempty"`
	FirstName       string `json:"first_name,omitempty"`
	LastName        string `json:"last_name,omitempty"`
	PhoneNumber     string `json:"phone_number,omitempty"`
}

type groupJSON struct {
	ID               string       `json:"id"`
	LineItemIDs      []string     `json:"line_item_ids"`
	Options          []optionJSON `json:"options"`
	SelectedOptionID string       `json:"selected_option_id,omitempty"`
}

type optionJSON struct {
	ID                      string      `json:"id"`
	Title                   string      `json:"title"`
	Description             string      `json:"description,omitempty"`
	Carrier                 string      `json:"carrier,omitempty"`
	EarliestFulfillmentTime string      `json:"earliest_fulfillment_time,omitempty"`
	LatestFulfillmentTime   string      `json:"latest_fulfillment_time,omitempty"`
	Totals                  []totalJSON `json:"totals"`
}

// fulfillment encodes the session's fulfillment groups as methods.
func fulfillment(s *model.Session) *fulfillmentJSON {
	out := &fulfillmentJSON{Methods: []methodJSON{}}
	for _, g := range s.Groups {
		if g.Type != acp.FulfillmentShipping && g.Type != acp.FulfillmentPickup {
			continue
		}
		m := methodJSON{ID: g.ID, Type: string(g.Type), LineItemIDs: nonNil(g.LineIDs)}
		grp := groupJSON{ID: g.ID, LineItemIDs: nonNil(g.LineIDs), Options: []optionJSON{}}
		selected := selectedIn(s, g.ID)

		for _, o := range s.Options {
			if o.GroupID != g.ID {
				continue
			}
			id := strings.TrimPrefix(o.ID, g.ID+"/")
			grp.Options = append(grp.Options, option(o, id))
			if o.ID == selected {
				grp.SelectedOptionID = id
			}
			if g.Type == acp.FulfillmentPickup && o.Pickup != nil {
				loc := destinationJSON{ID: "loc_" + id, Name: o.Pickup.Name, Address: address(&o.Pickup.Address)}
				m.Destinations = append(m.Destinations, loc)
				if o.ID == selected {
					m.SelectedDestinationID = loc.ID
				}
			}
		}
		if g.Type == acp.FulfillmentShipping && g.Details != nil && g.Details.Address != nil {
			dest := destinationJSON{ID: "dest_" + g.ID, addressJSON: address(g.Details.Address)}
			dest.PhoneNumber = g.Details.PhoneNumber
			m.Destinations, m.SelectedDestinationID = []destinationJSON{dest}, dest.ID
		}
		m.Groups = []groupJSON{grp}
		out.Methods = append(out.Methods, m)
	}
	return appendUngrouped(out, s)
}

// appendUngrouped adds the options of the lines in no fulfillment group
// (a checkout the platform has not split into methods yet): one method
// per type, shipping then pickup, named after its type and offering the
// options of that type, so that the platform sees what the engine
// selected by default and the charge it makes. Sent back, such a method
// becomes a group like any other.
func appendUngrouped(out *fulfillmentJSON, s *model.Session) *fulfillmentJSON {
	for _, typ := range []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup} {
		if findGroup(s.Groups, string(typ)) {
			continue
		}
		m := methodJSON{ID: string(typ), Type: string(typ), LineItemIDs: []string{}}
		grp := groupJSON{ID: string(typ), Options: []optionJSON{}}
		lines := map[string]bool{}
		for _, o := range s.Options {
			if o.GroupID != "" || o.Type != typ {
				continue
			}
			grp.Options = append(grp.Options, option(o, o.ID))
			if isSelected(s, o.ID) {
				grp.SelectedOptionID = o.ID
			}
			for _, id := range o.LineIDs {
				if !lines[id] {
					lines[id] = true
					m.LineItemIDs = append(m.LineItemIDs, id)
				}
			}
		}
		if len(grp.Options) == 0 {
			continue
		}
		grp.LineItemIDs = m.LineItemIDs
		m.Groups = []groupJSON{grp}
		out.Methods = append(out.Methods, m)
	}
	return out
}

func findGroup(groups []model.FulfillmentGroup, id string) bool {
	for _, g := range groups {
		if g.ID == id {
			return true
		}
	}
	return false
}

func isSelected(s *model.Session, optionID string) bool {
	for _, sel := range s.Selected {
		if sel.OptionID == optionID {
			return true
		}
	}
	return false
}

// selectedIn is the id of the option selected for group id, "" if none.
func selectedIn(s *model.Session, id string) string {
	for _, sel := range s.Selected {
		if strings.HasPrefix(sel.OptionID, id+"/") {
			return sel.OptionID
		}
	}
	return ""
}

func option(o model.FulfillmentOption, id string) optionJSON {
	out := optionJSON{ID: id, Title: o.Title, Description: o.Description, Carrier: o.Carrier,
		Totals: []totalJSON{{Type: "total", Amount: o.Amount}}}
	if out.Title == "" {
		out.Title = id
	}
	if o.EarliestDelivery != nil {
		out.EarliestFulfillmentTime = rfc3339(*o.EarliestDelivery)
	}
	if o.LatestDelivery != nil {
		out.LatestFulfillmentTime = rfc3339(*o.LatestDelivery)
	}
	return out
}

// address encodes a postal address; its name is split at its last space
// into first and last names.
func address(a *acp.Address) *addressJSON {
	b := model.Buyer{FullName: a.Name}
	first, last := b.Names()
	return &addressJSON{
		StreetAddress: a.LineOne, ExtendedAddress: a.LineTwo, AddressLocality: a.City, AddressRegion: a.State,
		AddressCountry: a.Country, PostalCode: a.PostalCode, FirstName: first, LastName: last,
	}
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
