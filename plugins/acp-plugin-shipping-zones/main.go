package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// version is this plugin's version, reported to the host.
const version = "0.1.0"

// addressParam is the JSONPath of the buyer's address in a session.
const addressParam = "$.fulfillment_details.address"

// errOverflow means an amount does not fit in int64.
var errOverflow = errors.New("a shipping amount overflows")

// zonePlugin quotes the configured zones.
type zonePlugin struct {
	logger *slog.Logger
	now    func() time.Time
	zones  atomic.Pointer[zones]
}

// Interface guard.
var _ shipping.Shipping = (*zonePlugin)(nil)

// newZonePlugin returns an unconfigured plugin that logs to logger and
// dates deliveries from now.
func newZonePlugin(logger *slog.Logger, now func() time.Time) *zonePlugin {
	return &zonePlugin{logger: logger, now: now}
}

// serveOpts describes the plugin to acpplugin.Serve.
func (p *zonePlugin) serveOpts() acpplugin.ServeOpts {
	return acpplugin.ServeOpts{
		Name:         "acp-plugin-shipping-zones",
		Version:      version,
		ConfigSchema: acpplugin.ConfigSchemaFor[config](),
		Configure:    p.Configure,
		Shipping:     p,
		Logger:       p.logger,
	}
}

// Configure checks the zones, refusing a configuration with any problem.
func (p *zonePlugin) Configure(_ context.Context, raw []byte) error {
	var cfg config
	if err := acpplugin.DecodeConfig(raw, &cfg); err != nil {
		return err
	}
	z := cfg.build()
	p.zones.Store(z)
	p.logger.Info("shipping zones configured", "zones", len(z.list), "digital", z.digital != nil)
	return nil
}

// answerMaxAge is how long the host may reuse an answer (its MaxAge) at
// most: the host's own ceiling, since an answer depends only on the
// request, the configuration (which only a restart, forgetting what the
// host kept, changes) and the day (maxAge).
const answerMaxAge = 5 * time.Minute

// maxAge is the MaxAge of an answer given at now: answerMaxAge, but never
// past the next midnight UTC, when the delivery dates, counted from
// today, move on.
func maxAge(now time.Time) time.Duration {
	return min(answerMaxAge, startOfDay(now).AddDate(0, 0, 1).Sub(now))
}

// Quote offers the options of the zone serving the destination (or of
// the default zone, without a destination) that can carry some of the
// cart's lines, and the digital option for digital lines. The host may
// reuse the answer until the day ends, 5 minutes at most (maxAge).
func (p *zonePlugin) Quote(_ context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	now := p.now()
	z := p.zones.Load()
	if z == nil {
		return nil, errors.New("shipping zones not configured")
	}
	if cur := acp.NormalizeCurrency(req.Currency); z.currency != "" && cur != z.currency {
		return nil, acp.WithReason(fmt.Errorf("the configured amounts are in %s, the quote is asked in %q", z.currency, cur), "currency_mismatch")
	}
	zn := z.defaultZone
	if req.Destination != nil {
		zn = nil
		for i := range z.list {
			if z.list[i].matches(req.Destination) {
				zn = &z.list[i]
				break
			}
		}
	}
	resp := &shipping.QuoteResponse{MaxAge: maxAge(now)}
	if zn != nil {
		today := startOfDay(now)
		pickups := shipping.PickupIDs(zn.options, func(o option) (acp.FulfillmentType, string) { return o.typ, o.ID })
		for _, o := range zn.options {
			lines := carried(req.Lines, o.typ)
			if len(lines) == 0 || !shipping.OfferedToGroup(req.Group, o.typ, o.ID, pickups) {
				continue
			}
			amount, ok, err := o.price(lines)
			if err != nil {
				return nil, fmt.Errorf("zone %q, option %q: %w", zn.name, o.ID, err)
			}
			if ok {
				resp.Options = append(resp.Options, o.quote(lines, amount, today))
			}
		}
	}
	if d := z.digital; d != nil && shipping.OfferedToGroup(req.Group, acp.FulfillmentDigital, d.ID, nil) {
		if lines := carried(req.Lines, acp.FulfillmentDigital); len(lines) > 0 {
			resp.Options = append(resp.Options, shipping.Option{
				ID: d.ID, Type: acp.FulfillmentDigital, Title: d.Title, Description: d.Description, LineIDs: lineIDs(lines),
			})
		}
	}
	if req.Destination != nil && zn == nil && !coversAll(req.Lines, resp.Options) {
		country := strings.ToUpper(strings.TrimSpace(req.Destination.Country))
		resp.Messages.AddError(acp.CodeRegionRestricted, addressParam,
			fmt.Sprintf("This store does not deliver to %s.", country), acp.ResolutionBuyerInput)
	}
	return resp, nil
}

// carried returns the lines whose item allows a fulfillment type.
func carried(lines []shipping.Line, typ acp.FulfillmentType) []shipping.Line {
	var out []shipping.Line
	for _, l := range lines {
		if slices.Contains(l.FulfillmentTypes, typ) {
			out = append(out, l)
		}
	}
	return out
}

func lineIDs(lines []shipping.Line) []string {
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = l.ID
	}
	return ids
}

// coversAll reports whether every line is carried by some option.
func coversAll(lines []shipping.Line, options []shipping.Option) bool {
	for _, l := range lines {
		if !slices.ContainsFunc(options, func(o shipping.Option) bool { return slices.Contains(o.LineIDs, l.ID) }) {
			return false
		}
	}
	return true
}

// price returns the option's amount for lines, or false when the lines
// are beyond its last bracket.
func (o option) price(lines []shipping.Line) (int64, bool, error) {
	var units, subtotal int64
	for _, l := range lines {
		var ok1, ok2 bool
		units, ok1 = addInt(units, max(l.Quantity, 0))
		subtotal, ok2 = addInt(subtotal, max(l.Subtotal, 0))
		if !ok1 || !ok2 {
			return 0, false, errOverflow
		}
	}
	var base int64
	switch {
	case o.Flat != nil:
		base = *o.Flat
	case o.WeightBrackets != nil:
		grams, err := totalGrams(lines)
		if err != nil {
			return 0, false, err
		}
		var ok bool
		if base, ok = pick(o.brackets, grams); !ok {
			return 0, false, nil
		}
	default:
		var ok bool
		if base, ok = pick(o.brackets, subtotal); !ok {
			return 0, false, nil
		}
	}
	if o.FreeOver > 0 && subtotal >= o.FreeOver {
		return 0, true, nil
	}
	perItem, ok1 := mulInt(o.PerItem, units)
	amount, ok2 := addInt(base, perItem)
	if !ok1 || !ok2 {
		return 0, false, errOverflow
	}
	return amount, true, nil
}

// pick returns the amount of the first bracket whose bound is at least v.
func pick(brackets []bracket, v int64) (int64, bool) {
	for _, b := range brackets {
		if b.upTo < 0 || v <= b.upTo {
			return b.amount, true
		}
	}
	return 0, false
}

// quote renders the option for lines.
func (o option) quote(lines []shipping.Line, amount int64, today time.Time) shipping.Option {
	out := shipping.Option{
		ID: o.ID, Type: o.typ, Title: o.Title, Description: o.Description, Carrier: o.Carrier,
		LineIDs: lineIDs(lines), Amount: amount,
	}
	if d := o.Delivery; d != nil {
		out.EarliestDelivery = addDays(today, d.Min, d.Unit == "business_days")
		out.LatestDelivery = addDays(today, d.Max, d.Unit == "business_days")
	}
	if pk := o.Pickup; pk != nil {
		out.Pickup = &shipping.PickupLocation{Name: pk.Name, Address: acp.Address(pk.Address), Phone: pk.Phone, Instructions: pk.Instructions}
	}
	return out
}

// startOfDay returns midnight UTC of t's UTC day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// addDays returns the day n days after day, counting only Monday to
// Friday when business is true.
func addDays(day time.Time, n int, business bool) time.Time {
	if !business {
		return day.AddDate(0, 0, n)
	}
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day
}

// addInt returns a+b for non-negative a and b, and false on overflow.
func addInt(a, b int64) (int64, bool) {
	s := a + b
	return s, s >= a
}

// mulInt returns a×b for non-negative a and b, and false on overflow.
func mulInt(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a > math.MaxInt64/b {
		return 0, false
	}
	return a * b, true
}

func main() {
	acpplugin.Serve(newZonePlugin(acpplugin.Logger(), time.Now).serveOpts())
}
