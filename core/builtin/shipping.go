package builtin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// Shipping offers the options under fulfillment_options. An option carries
// every line whose item allows its type; shipping and local delivery
// options are offered only to their countries once an address is known.
type Shipping struct {
	options []config.FulfillmentOption
	now     func() time.Time
}

// Interface guard.
var _ shipping.Shipping = (*Shipping)(nil)

// NewShipping builds the options from validated config.
func NewShipping(options []config.FulfillmentOption, now func() time.Time) *Shipping {
	if now == nil {
		now = time.Now
	}
	return &Shipping{options: options, now: now}
}

// Quote prices every option that can carry at least one line.
func (s *Shipping) Quote(_ context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	resp := &shipping.QuoteResponse{}
	for _, opt := range s.options {
		typ := acp.FulfillmentType(opt.Type)
		if !s.serves(opt, typ, req.Destination) {
			continue
		}
		var lineIDs []string
		var units, subtotal int64
		for _, line := range req.Lines {
			if !slices.Contains(line.FulfillmentTypes, typ) {
				continue
			}
			lineIDs = append(lineIDs, line.ID)
			units += line.Quantity
			subtotal += line.Subtotal
		}
		if len(lineIDs) == 0 {
			continue
		}
		resp.Options = append(resp.Options, s.option(opt, typ, lineIDs, price(opt.Price, units, subtotal)))
	}
	return resp, nil
}

func (s *Shipping) serves(opt config.FulfillmentOption, typ acp.FulfillmentType, dest *acp.Address) bool {
	if !typ.NeedsAddress() || dest == nil || len(opt.Countries) == 0 {
		return true
	}
	return slices.ContainsFunc(opt.Countries, func(c string) bool { return strings.EqualFold(c, dest.Country) })
}

func (s *Shipping) option(opt config.FulfillmentOption, typ acp.FulfillmentType, lineIDs []string, amount int64) shipping.Option {
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
	if p := opt.Pickup; p != nil {
		o.Pickup = &shipping.PickupLocation{
			Name: p.Name,
			Address: acp.Address{
				Name: p.Address.Name, LineOne: p.Address.LineOne, LineTwo: p.Address.LineTwo, City: p.Address.City,
				State: p.Address.State, Country: p.Address.Country, PostalCode: p.Address.PostalCode,
			},
			Phone:        p.Phone,
			Instructions: p.Instructions,
		}
	}
	return o
}

// price applies a price rule to the lines an option carries.
func price(rule config.PriceRule, units, subtotal int64) int64 {
	if rule.FreeOver > 0 && subtotal >= rule.FreeOver {
		return 0
	}
	return rule.Flat + rule.PerItem*units
}
