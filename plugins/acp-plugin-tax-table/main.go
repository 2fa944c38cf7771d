package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// version is this plugin's version, reported to the host.
const version = "0.1.0"

// configSchema is the JSON Schema of the plugin's config block.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "acp-plugin-tax-table",
  "type": "object",
  "properties": {
    "shipping_taxable": {"type": "boolean", "description": "Whether the fulfillment charge is taxed at the destination's standard rate; default false."},
    "origin": {
      "type": "object",
      "description": "Where the seller ships from: the place taxed when a cart has no destination.",
      "properties": {
        "country": {"$ref": "#/$defs/country"},
        "region": {"$ref": "#/$defs/region"}
      },
      "required": ["country"],
      "additionalProperties": false
    },
    "rates": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "country": {"$ref": "#/$defs/country"},
          "region": {"$ref": "#/$defs/region"},
          "rate": {"$ref": "#/$defs/rate"},
          "categories": {"type": "object", "additionalProperties": {"$ref": "#/$defs/rate"}}
        },
        "required": ["country", "rate"],
        "additionalProperties": false
      }
    }
  },
  "additionalProperties": false,
  "$defs": {
    "country": {"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2 country code."},
    "region": {"type": "string", "pattern": "^[A-Za-z0-9]{0,3}$", "description": "State or province code; empty for the whole country."},
    "rate": {"type": ["string", "number"], "description": "A fraction from 0 up to but not including 1, such as \"0.0725\"; at most six decimal places."}
  }
}`

// config is the plugin's config block.
type config struct {
	ShippingTaxable bool         `json:"shipping_taxable"`
	Origin          *placeConfig `json:"origin"`
	Rates           []rateConfig `json:"rates"`
}

// placeConfig is a country and optional region.
type placeConfig struct {
	Country string `json:"country"`
	Region  string `json:"region"`
}

// rateConfig is one entry of rates.
type rateConfig struct {
	Country    string          `json:"country"`
	Region     string          `json:"region"`
	Rate       rate            `json:"rate"`
	Categories map[string]rate `json:"categories"`
}

// place is a country and region, upper case; region is "" for the whole
// country.
type place struct{ country, region string }

// rates is the rate of one place.
type rates struct {
	standard   rate
	categories map[string]rate
}

// standardCategory is the tax category of a line that names none; it is
// taxed at the standard rate, and cannot be given a rate of its own.
const standardCategory = "standard"

// rateFor returns the rate of a tax category: its own, else the standard
// rate.
func (r rates) rateFor(category string) rate {
	if ppm, ok := r.categories[category]; ok {
		return ppm
	}
	return r.standard
}

// table is a configured tax table.
type table struct {
	shippingTaxable bool
	origin          acp.Address
	rates           map[place]rates
}

// taxTable serves the configured table.
type taxTable struct {
	logger *slog.Logger
	table  atomic.Pointer[table]
}

// Interface guard.
var _ tax.Tax = (*taxTable)(nil)

// newTaxTable returns an unconfigured tax table that logs to logger.
func newTaxTable(logger *slog.Logger) *taxTable {
	return &taxTable{logger: logger}
}

// serveOpts describes the plugin to acpplugin.Serve.
func (t *taxTable) serveOpts() acpplugin.ServeOpts {
	return acpplugin.ServeOpts{
		Name:         "acp-plugin-tax-table",
		Version:      version,
		ConfigSchema: configSchema,
		Configure:    t.Configure,
		Tax:          t,
		Logger:       t.logger,
	}
}

// Configure builds the table, refusing a configuration with any problem.
func (t *taxTable) Configure(_ context.Context, raw []byte) error {
	var cfg config
	if err := acpplugin.DecodeConfig(raw, &cfg); err != nil {
		return err
	}
	tbl, err := cfg.table()
	if err != nil {
		return err
	}
	t.table.Store(tbl)
	t.logger.Info("tax table configured", "rates", len(tbl.rates))
	return nil
}

// table checks the config and builds the table from it.
func (cfg config) table() (*table, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// The schema's patterns admit only letters and digits: upper case is
	// the only normalisation left.
	placeOf := func(country, region string) place {
		return place{strings.ToUpper(country), strings.ToUpper(region)}
	}
	tbl := &table{shippingTaxable: cfg.ShippingTaxable, rates: make(map[place]rates, len(cfg.Rates))}
	switch {
	case cfg.Origin != nil:
		o := placeOf(cfg.Origin.Country, cfg.Origin.Region)
		tbl.origin = acp.Address{Country: o.country, State: o.region}
	case len(cfg.Rates) > 0:
		add("origin is required when rates is set: carts without a destination, such as digital goods, are taxed at the origin")
	}
	first := map[place]int{}
	for i, r := range cfg.Rates {
		path := fmt.Sprintf("rates[%d]", i)
		pl := placeOf(r.Country, r.Region)
		if j, dup := first[pl]; dup {
			add("%s: duplicate rate for %s (also rates[%d])", path, jurisdiction(pl), j)
			continue
		}
		first[pl] = i
		rs := rates{standard: r.Rate, categories: make(map[string]rate, len(r.Categories))}
		for name, ppm := range r.Categories {
			switch {
			case strings.TrimSpace(name) == "":
				add("%s.categories: a category name is empty", path)
			case strings.EqualFold(strings.TrimSpace(name), standardCategory):
				add("%s.categories: %q is not a category: it is the standard rate, which lines without a category of their own and (with shipping_taxable) the fulfillment charge pay; set %s.rate instead", path, name, path)
			}
			rs.categories[name] = ppm
		}
		tbl.rates[pl] = rs
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return tbl, nil
}

// jurisdiction names a place: "US-CA", or "US" for a country.
func jurisdiction(p place) string {
	if p.region == "" {
		return p.country
	}
	return p.country + "-" + p.region
}

// lookup returns the rates of an address: its country and region's, else
// its country's.
func (tbl *table) lookup(a *acp.Address) (rates, place, bool) {
	country, region := strings.ToUpper(strings.TrimSpace(a.Country)), strings.ToUpper(strings.TrimSpace(a.State))
	if region != "" {
		if r, ok := tbl.rates[place{country, region}]; ok {
			return r, place{country, region}, true
		}
	}
	r, ok := tbl.rates[place{country, ""}]
	return r, place{country, ""}, ok
}

// Quote taxes every line and, when configured, the fulfillment charge, at
// the destination's rates, or the origin's when there is no destination.
// A place the table does not list is not taxed.
func (t *taxTable) Quote(_ context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	tbl := t.table.Load()
	if tbl == nil {
		return nil, errors.New("tax table not configured")
	}
	dest := req.Destination
	if dest == nil {
		dest = &tbl.origin
	}
	r, pl, ok := tbl.lookup(dest)
	resp := &tax.QuoteResponse{Lines: make([]tax.LineTax, len(req.Lines))}
	var total int64
	var at collected
	for i, line := range req.Lines {
		resp.Lines[i].ID = line.ID
		if !ok {
			continue
		}
		category := line.TaxCategory
		if category == "" {
			category = standardCategory
		}
		ppm := r.rateFor(category)
		resp.Lines[i].Amount = acp.ApplyPPM(line.Amount, int64(ppm))
		var fits bool
		if total, fits = add(total, resp.Lines[i].Amount); !fits {
			return nil, errors.New("the cart's tax overflows")
		}
		if ppm == r.standard {
			category = "" // counted with the standard rate
		}
		at.add(ppm, resp.Lines[i].Amount, category)
	}
	if ok && tbl.shippingTaxable {
		resp.Fulfillment = acp.ApplyPPM(req.Fulfillment, int64(r.standard))
		var fits bool
		if total, fits = add(total, resp.Fulfillment); !fits {
			return nil, errors.New("the cart's tax overflows")
		}
		at.add(r.standard, resp.Fulfillment, "")
	}
	if ok && total > 0 {
		resp.Breakdown = at.breakdown(jurisdiction(pl), r.standard)
	}
	return resp, nil
}

// collected is the tax collected at each rate of one place, and the
// categories whose own rate it is. Every amount is at most the cart's
// total tax, so adding to one never overflows once the total has not.
type collected map[rate]*atRate

// atRate is the tax collected at one rate.
type atRate struct {
	amount     int64
	categories map[string]bool
}

// add records amount collected at ppm, for category when that is the
// category's own rate ("" for the standard rate). Zero amounts are not
// recorded.
func (c *collected) add(ppm rate, amount int64, category string) {
	if amount <= 0 {
		return
	}
	if *c == nil {
		*c = collected{}
	}
	a := (*c)[ppm]
	if a == nil {
		a = &atRate{categories: map[string]bool{}}
		(*c)[ppm] = a
	}
	a.amount += amount
	if category != "" {
		a.categories[category] = true
	}
}

// breakdown returns one entry per rate at which tax was collected: name
// for the standard rate, first (a category whose own rate equals it is
// counted there), then "name (category, …)" for each other rate, by name.
func (c collected) breakdown(name string, standard rate) []tax.Jurisdiction {
	var out, others []tax.Jurisdiction
	for ppm, a := range c {
		if ppm == standard {
			out = append(out, tax.Jurisdiction{Name: name, Rate: ppm.fraction(), Amount: a.amount})
			continue
		}
		cats := make([]string, 0, len(a.categories))
		for cat := range a.categories {
			cats = append(cats, cat)
		}
		sort.Strings(cats)
		others = append(others, tax.Jurisdiction{Name: name + " (" + strings.Join(cats, ", ") + ")", Rate: ppm.fraction(), Amount: a.amount})
	}
	sort.Slice(others, func(i, j int) bool { return others[i].Name < others[j].Name })
	return append(out, others...)
}

// add returns a+b for non-negative a and b, and false on overflow.
func add(a, b int64) (int64, bool) {
	s := a + b
	return s, s >= a
}

func main() {
	acpplugin.Serve(newTaxTable(acpplugin.Logger()).serveOpts())
}
