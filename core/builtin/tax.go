package builtin

import (
	"context"
	"math"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Tax applies the rates under tax.rates: the destination's country and
// region rate, else its country rate, else no tax. Each line is taxed and
// rounded on its own (half up), and the session's tax is their sum.
type Tax struct {
	shippingTaxable bool
	origin          acp.Address
	rates           map[place]rate
}

type place struct{ country, region string }

type rate struct {
	standard   int64
	categories map[string]int64
	display    float64
}

// Interface guard.
var _ tax.Tax = (*Tax)(nil)

// TaxTable is what the built-in tax applies.
type TaxTable struct {
	// ShippingTaxable taxes fulfillment charges at the destination's
	// standard rate.
	ShippingTaxable bool
	// Origin is where the seller is (Country and State are used); carts
	// with no destination address (digital goods) are taxed there.
	Origin acp.Address
	// Rates are the rates by country and region; country and region win
	// over country alone.
	Rates []TaxRate
}

// TaxRate is a rate for a country and optional region.
type TaxRate struct {
	// Country is the ISO 3166-1 alpha-2 country code.
	Country string
	// Region is the state or province code; empty matches the whole
	// country.
	Region string
	// Rate is the standard rate as a fraction: 0.0725 for 7.25 %.
	Rate float64
	// Categories override Rate for tax categories.
	Categories map[string]float64
}

// NewTax builds the tax from its table.
func NewTax(table TaxTable) *Tax {
	t := &Tax{
		shippingTaxable: table.ShippingTaxable,
		origin:          acp.Address{Country: table.Origin.Country, State: table.Origin.State},
		rates:           make(map[place]rate, len(table.Rates)),
	}
	for _, r := range table.Rates {
		rt := rate{standard: toPPM(r.Rate), display: r.Rate, categories: map[string]int64{}}
		for name, fr := range r.Categories {
			rt.categories[name] = toPPM(fr)
		}
		t.rates[place{strings.ToUpper(r.Country), strings.ToUpper(r.Region)}] = rt
	}
	return t
}

// Quote taxes every line and, when configured, the fulfillment charge.
func (t *Tax) Quote(_ context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	dest := req.Destination
	if dest == nil {
		dest = &t.origin
	}
	r, name, ok := t.lookup(dest)
	resp := &tax.QuoteResponse{Lines: make([]tax.LineTax, len(req.Lines))}
	var total int64
	for i, line := range req.Lines {
		resp.Lines[i].ID = line.ID
		if !ok {
			continue
		}
		resp.Lines[i].Amount = acp.ApplyPPM(line.Amount, r.ppmFor(line.TaxCategory))
		total += resp.Lines[i].Amount
	}
	if ok && t.shippingTaxable {
		resp.Fulfillment = acp.ApplyPPM(req.Fulfillment, r.standard)
		total += resp.Fulfillment
	}
	if ok && total > 0 {
		resp.Breakdown = []tax.Jurisdiction{{Name: name, Rate: r.display, Amount: total}}
	}
	return resp, nil
}

func (t *Tax) lookup(a *acp.Address) (rate, string, bool) {
	country, region := strings.ToUpper(a.Country), strings.ToUpper(a.State)
	if r, ok := t.rates[place{country, region}]; ok && region != "" {
		return r, country + "-" + region, true
	}
	if r, ok := t.rates[place{country, ""}]; ok {
		return r, country, true
	}
	return rate{}, "", false
}

func (r rate) ppmFor(category string) int64 {
	if ppm, ok := r.categories[category]; ok {
		return ppm
	}
	return r.standard
}

func toPPM(fraction float64) int64 {
	return int64(math.Round(fraction * acp.PPM))
}
