package builtin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// Shipping offers the options under fulfillment_options. An option carries
// every line whose item allows its type; shipping and local delivery
// options are offered only to their countries once an address is known.
type Shipping struct {
	options []ShippingOption
	now     func() time.Time
}

// ShippingOption is one option the built-in shipping offers.
type ShippingOption struct {
	// ID identifies the option to agents.
	ID string
	// Type is the fulfillment type the option serves.
	Type acp.FulfillmentType
	// Title, Description and Carrier are shown to buyers.
	Title, Description, Carrier string
	// Price is how the option is priced.
	Price PriceRule
	// DeliveryDays, when set, is the delivery window in days from today.
	DeliveryDays *DayRange
	// Countries limits shipping and local delivery to these ISO 3166-1
	// alpha-2 countries; empty means everywhere.
	Countries []string
	// Pickup is where a pickup option is collected.
	Pickup *shipping.PickupLocation
}

// PriceRule prices an option for the lines it carries: Flat + PerItem
// per unit, or nothing when their subtotal reaches FreeOver (0: never).
type PriceRule struct {
	Flat, PerItem, FreeOver int64
}

// DayRange is a delivery window in days from today.
type DayRange struct {
	Min, Max int
}

// Interface guard.
var _ shipping.Shipping = (*Shipping)(nil)

// NewShipping offers options; now is time.Now when nil.
func NewShipping(options []ShippingOption, now func() time.Time) *Shipping {
	if now == nil {
		now = time.Now
	}
	return &Shipping{options: options, now: now}
}

// Quote prices every option that can carry at least one line.
func (s *Shipping) Quote(_ context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	resp := &shipping.QuoteResponse{}
	pickups := shipping.PickupIDs(s.options, func(o ShippingOption) (acp.FulfillmentType, string) { return o.Type, o.ID })
	for _, opt := range s.options {
		typ := opt.Type
		if !s.serves(opt, typ, req.Destination) || !shipping.OfferedToGroup(req.Group, typ, opt.ID, pickups) {
			continue
		}
		var lineIDs []string
		var units, subtotal int64
		for _, line := range req.Lines {
			if !slices.Contains(line.FulfillmentTypes, typ) {
				continue
			}
			if lineIDs == nil {
				// Allocated once, for every line it may carry.
				lineIDs = make([]string, 0, len(req.Lines))
			}
			lineIDs = append(lineIDs, line.ID)
			units += line.Quantity
			subtotal += line.Subtotal
		}
		if len(lineIDs) == 0 {
			continue
		}
		if resp.Options == nil {
			// Allocated once, for an option per configured one.
			resp.Options = make([]shipping.Option, 0, len(s.options))
		}
		resp.Options = append(resp.Options, s.option(opt, typ, lineIDs, price(opt.Price, units, subtotal)))
	}
	return resp, nil
}

func (s *Shipping) serves(opt ShippingOption, typ acp.FulfillmentType, dest *acp.Address) bool {
	if !typ.NeedsAddress() || dest == nil || len(opt.Countries) == 0 {
		return true
	}
	return slices.ContainsFunc(opt.Countries, func(c string) bool { return strings.EqualFold(c, dest.Country) })
}

func (s *Shipping) option(opt ShippingOption, typ acp.FulfillmentType, lineIDs []string, amount int64) shipping.Option {
	o := shipping.Option{
		ID:          opt.ID,
		Type:        typ,
		Title:       opt.Title,
		Description: opt.Description,
		Carrier:     opt.Carrier,
		LineIDs:     lineIDs,
		Amount:      amount,
	}
	if opt.DeliveryDays != nil {
		today := s.now().UTC().Truncate(24 * time.Hour)
		o.EarliestDelivery = today.AddDate(0, 0, opt.DeliveryDays.Min)
		o.LatestDelivery = today.AddDate(0, 0, opt.DeliveryDays.Max)
	}
	if opt.Pickup != nil {
		pickup := *opt.Pickup
		o.Pickup = &pickup
	}
	return o
}

// price applies a price rule to the lines an option carries.
func price(rule PriceRule, units, subtotal int64) int64 {
	if rule.FreeOver > 0 && subtotal >= rule.FreeOver {
		return 0
	}
	return rule.Flat + rule.PerItem*units
}
