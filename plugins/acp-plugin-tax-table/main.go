package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// version is this plugin's version, reported to the host.
const version = "0.1.0"

// config is the plugin's config block, and its one description: the
// host checks the block against the JSON Schema derived from it
// (acpplugin.ConfigSchemaFor; acp plugins describe --json prints it),
// Validate refuses what the types cannot say, and table reads the rates.
type config struct {
	ShippingTaxable bool         `json:"shipping_taxable,omitempty" jsonschema:"Whether the fulfillment charge is taxed, at the destination's standard rate. Default false."`
	Origin          *placeConfig `json:"origin,omitempty" jsonschema:"Where the seller ships from: the place taxed when a cart has no destination yet (digital goods, pickup). Required when rates is not empty."`
	Rates           []rateConfig `json:"rates,omitempty" jsonschema:"The table: a rate per country, or per region of a country. A destination's region's rate applies, else its country's; a place not listed is not taxed."`
}

// placeConfig is a country and optional region.
type placeConfig struct {
	Country string `json:"country" jsonschema:"ISO 3166-1 alpha-2 country code, such as US."`
	Region  string `json:"region,omitempty" jsonschema:"State or province code, up to three letters or digits, such as CA. Absent for the whole country."`
}

// rateConfig is one entry of rates.
type rateConfig struct {
	placeConfig
	Rate       rateText            `json:"rate" jsonschema:"The standard rate, as a fraction from 0 up to but not including 1 with at most six decimal places: \"0.0725\" or 0.0725 for 7.25 %."`
	Categories map[string]rateText `json:"categories,omitempty" jsonschema:"Each tax category's own rate here (a catalog item's tax_category), written as rate is. standard, the category of items that name none, is refused: its rate is rate."`
}

// Validate refuses country and region codes that are not codes, rates
// without an origin, two rates for one place and a category named
// standard or nothing, reporting every problem with its path. table
// reads the rates themselves.
func (c config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch {
	case c.Origin != nil:
		c.Origin.check("origin", add)
	case len(c.Rates) > 0:
		add("origin is required when rates is set: carts without a destination, such as digital goods, are taxed at the origin")
	}
	first := map[place]int{}
	for i, r := range c.Rates {
		path := fmt.Sprintf("rates[%d]", i)
		r.check(path, add)
		pl := r.place()
		if j, dup := first[pl]; dup {
			add("%s: duplicate rate for %s (also rates[%d])", path, jurisdiction(pl), j)
		} else {
			first[pl] = i
		}
		for name := range r.Categories {
			switch {
			case strings.TrimSpace(name) == "":
				add("%s.categories: a category name is empty", path)
			case strings.EqualFold(strings.TrimSpace(name), standardCategory):
				add("%s.categories: %q is not a category: it is the standard rate, which lines without a category of their own and (with shipping_taxable) the fulfillment charge pay; set %s.rate instead", path, name, path)
			}
		}
	}
	return joinProblems(problems)
}

// check reports a country that is not two letters and a region that is
// not up to three letters or digits.
func (p placeConfig) check(path string, add func(string, ...any)) {
	if !countryCode.MatchString(p.Country) {
		add("%s.country: %q is not a two-letter ISO 3166-1 country code, such as US", path, p.Country)
	}
	if !regionCode.MatchString(p.Region) {
		add("%s.region: %q is not a state or province code of up to three letters or digits, such as CA", path, p.Region)
	}
}

// countryCode and regionCode are the forms of a place's codes (region
// empty for the whole country).
var (
	countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)
	regionCode  = regexp.MustCompile(`^[A-Za-z0-9]{0,3}$`)
)

// place returns the place, upper case (check admits only letters and
// digits, so that is the only normalisation).
func (p placeConfig) place() place {
	return place{strings.ToUpper(p.Country), strings.ToUpper(p.Region)}
}

// joinProblems returns the problems, sorted, as one error, or nil.
func joinProblems(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return errors.New(strings.Join(problems, "; "))
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
		ConfigSchema: acpplugin.ConfigSchemaFor[config](),
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

// table builds the table from a valid config, reading each rate; a rate
// that is not a fraction below 1 with at most six decimal places refuses
// the config, with its path.
func (c config) table() (*table, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	read := func(path string, text rateText) rate {
		ppm, err := parsePPM(string(text))
		if err != nil {
			add("%s: %v", path, err)
		}
		return rate(ppm)
	}
	tbl := &table{shippingTaxable: c.ShippingTaxable, rates: make(map[place]rates, len(c.Rates))}
	if c.Origin != nil {
		o := c.Origin.place()
		tbl.origin = acp.Address{Country: o.country, State: o.region}
	}
	for i, r := range c.Rates {
		path := fmt.Sprintf("rates[%d]", i)
		rs := rates{standard: read(path+".rate", r.Rate), categories: make(map[string]rate, len(r.Categories))}
		for name, text := range r.Categories {
			rs.categories[name] = read(fmt.Sprintf("%s.categories[%q]", path, name), text)
		}
		tbl.rates[r.place()] = rs
	}
	if err := joinProblems(problems); err != nil {
		return nil, err
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

// answerMaxAge is how long the host may reuse an answer (its MaxAge): an
// answer depends on the request and the table alone, and the table only
// changes with the configuration, which takes a restart of the plugin
// (the host forgets what it kept of a plugin at each start). So any age
// would do; this is the host's own ceiling, beyond which it would gain
// nothing.
const answerMaxAge = 5 * time.Minute

// Quote taxes every line and, when configured, the fulfillment charge, at
// the destination's rates, or the origin's when there is no destination.
// A place the table does not list is not taxed. The host may reuse the
// answer for the same request for answerMaxAge.
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
	resp := &tax.QuoteResponse{Lines: make([]tax.LineTax, len(req.Lines)), MaxAge: answerMaxAge}
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
