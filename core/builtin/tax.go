package builtin

import (
	"context"
	"math"
	"strings"

	"github.com/acp-sidecar/acp/config"
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

// NewTax builds the tax table from validated config.
func NewTax(cfg config.Tax) *Tax {
	t := &Tax{
		shippingTaxable: cfg.ShippingTaxable,
		origin:          acp.Address{Country: cfg.Origin.Country, State: cfg.Origin.Region},
		rates:           make(map[place]rate, len(cfg.Rates)),
	}
	for _, r := range cfg.Rates {
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
