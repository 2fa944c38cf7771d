package main

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// now is the tests' clock: Friday 6 March 2026, 15:00 UTC.
var now = time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC)

// day returns midnight UTC of the day n days after now's.
func day(n int) time.Time { return time.Date(2026, 3, 6+n, 0, 0, 0, 0, time.UTC) }

// demoConfig is the demo store's fulfillment_options (the root acp.yaml)
// as zones.
const demoConfig = `{
  "currency": "usd",
  "default_zone": "us",
  "zones": [
    {"name": "us", "countries": ["US"], "options": [
      {"id": "standard", "type": "shipping", "title": "Standard shipping", "carrier": "USPS", "flat": 500, "free_over": 5000, "delivery": {"min": 4, "max": 6}},
      {"id": "express", "type": "shipping", "title": "Express shipping", "carrier": "UPS", "flat": 1500, "per_item": 100, "delivery": {"min": 1, "max": 2}},
      {"id": "pickup-sf", "type": "pickup", "title": "Pick up in San Francisco", "flat": 0,
       "pickup": {"name": "Demo Coffee Roastery", "address": {"name": "Demo Coffee Roastery", "line_one": "1 Ferry Building", "city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94111"}}}
    ]},
    {"name": "ca", "countries": ["ca"], "options": [
      {"id": "standard", "type": "shipping", "title": "Standard shipping", "carrier": "USPS", "flat": 500, "free_over": 5000, "delivery": {"min": 4, "max": 6}}
    ]}
  ],
  "digital": {"id": "email", "title": "Email delivery"}
}`

// bracketsConfig prices by weight and by cart value, with a zone narrowed
// to regions, business-day windows, and no default zone.
const bracketsConfig = `{
  "zones": [
    {"name": "west", "countries": ["US"], "regions": ["ca", "OR"], "options": [
      {"id": "ground", "type": "shipping", "title": "Ground", "carrier": "UPS",
       "weight_brackets": [{"up_to_grams": 454, "amount": 400}, {"up_to_grams": 5000, "amount": 900}],
       "delivery": {"min": 1, "max": 3, "unit": "business_days"}},
      {"id": "courier", "type": "local_delivery", "title": "Courier",
       "price_brackets": [{"up_to": 2000, "amount": 700}, {"up_to": 10000, "amount": 300}, {"amount": 0}]}
    ]},
    {"name": "us", "countries": ["US"], "options": [
      {"id": "ground", "type": "shipping", "title": "Ground", "weight_brackets": [{"up_to_grams": 100, "amount": 300}, {"amount": 1200}]}
    ]}
  ]
}`

func newPlugin(t *testing.T, cfg string) *acptest.Plugin {
	t.Helper()
	p := newZonePlugin(slog.New(slog.DiscardHandler), func() time.Time { return now })
	return acptest.New(t, p.serveOpts(), acptest.WithConfig(cfg))
}

var (
	shipOrPickup = []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup}
	allTypes     = []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentLocalDelivery}
	mugs         = shipping.Line{ID: "li_mug", ItemID: "mug-classic", Quantity: 2, Subtotal: 3000, Weight: &acp.Weight{Value: 350, Unit: "g"}, FulfillmentTypes: shipOrPickup}
	ebook        = shipping.Line{ID: "li_ebook", ItemID: "guide-brewing-ebook", Quantity: 1, Subtotal: 999, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}}
	grinders     = shipping.Line{ID: "li_grinder", ItemID: "grinder-pro", Quantity: 6, Subtotal: 53400, Weight: &acp.Weight{Value: 2.1, Unit: "kg"}, FulfillmentTypes: allTypes}
	beans        = shipping.Line{ID: "li_beans", ItemID: "beans", Quantity: 1, Subtotal: 2400, Weight: &acp.Weight{Value: 1, Unit: "lb"}, FulfillmentTypes: allTypes}
	sfPickup     = &shipping.PickupLocation{Name: "Demo Coffee Roastery", Address: acp.Address{
		Name: "Demo Coffee Roastery", LineOne: "1 Ferry Building", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94111",
	}}
)

func standard(ids []string, amount int64) shipping.Option {
	return shipping.Option{ID: "standard", Type: acp.FulfillmentShipping, Title: "Standard shipping", Carrier: "USPS", LineIDs: ids,
		Amount: amount, EarliestDelivery: day(4), LatestDelivery: day(6)}
}

func express(ids []string, amount int64) shipping.Option {
	return shipping.Option{ID: "express", Type: acp.FulfillmentShipping, Title: "Express shipping", Carrier: "UPS", LineIDs: ids,
		Amount: amount, EarliestDelivery: day(1), LatestDelivery: day(2)}
}

func pickupSF(ids []string) shipping.Option {
	return shipping.Option{ID: "pickup-sf", Type: acp.FulfillmentPickup, Title: "Pick up in San Francisco", LineIDs: ids, Pickup: sfPickup}
}

func email(ids []string) shipping.Option {
	return shipping.Option{ID: "email", Type: acp.FulfillmentDigital, Title: "Email delivery", LineIDs: ids}
}

func ground(ids []string, amount int64) shipping.Option {
	// From Friday, 1 business day is Monday and 3 are Wednesday.
	return shipping.Option{ID: "ground", Type: acp.FulfillmentShipping, Title: "Ground", Carrier: "UPS", LineIDs: ids, Amount: amount,
		EarliestDelivery: day(3), LatestDelivery: day(5)}
}

func courier(ids []string, amount int64) shipping.Option {
	return shipping.Option{ID: "courier", Type: acp.FulfillmentLocalDelivery, Title: "Courier", LineIDs: ids, Amount: amount}
}

func restricted(country string) acp.Messages {
	return acp.Messages{{Type: acp.MessageError, Code: acp.CodeRegionRestricted, Param: "$.fulfillment_details.address",
		Content: "This store does not deliver to " + country + ".", Resolution: acp.ResolutionBuyerInput}}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	plugins := map[string]*acptest.Plugin{
		"demo":     newPlugin(t, demoConfig),
		"brackets": newPlugin(t, bracketsConfig),
	}
	us := &acp.Address{Country: "US", State: "NY"}
	testCases := map[string]struct {
		plugin string
		dest   *acp.Address
		lines  []shipping.Line
		want   *shipping.QuoteResponse
	}{
		"zone options and the digital option": {
			plugin: "demo", dest: us, lines: []shipping.Line{mugs, ebook},
			want: &shipping.QuoteResponse{Options: []shipping.Option{
				standard([]string{"li_mug"}, 500), express([]string{"li_mug"}, 1700), pickupSF([]string{"li_mug"}), email([]string{"li_ebook"}),
			}},
		},
		"free over": {
			plugin: "demo", dest: us, lines: []shipping.Line{mugs, {ID: "li_2", Quantity: 1, Subtotal: 2000, FulfillmentTypes: shipOrPickup}},
			want: &shipping.QuoteResponse{Options: []shipping.Option{
				standard([]string{"li_mug", "li_2"}, 0), express([]string{"li_mug", "li_2"}, 1800), pickupSF([]string{"li_mug", "li_2"}),
			}},
		},
		"another zone, lower-case country": {
			plugin: "demo", dest: &acp.Address{Country: "ca", State: "QC"}, lines: []shipping.Line{mugs, ebook},
			want: &shipping.QuoteResponse{Options: []shipping.Option{standard([]string{"li_mug"}, 500), email([]string{"li_ebook"})}},
		},
		"no destination: the default zone": {
			plugin: "demo", lines: []shipping.Line{mugs},
			want: &shipping.QuoteResponse{Options: []shipping.Option{
				standard([]string{"li_mug"}, 500), express([]string{"li_mug"}, 1700), pickupSF([]string{"li_mug"}),
			}},
		},
		"no zone: region restricted": {
			plugin: "demo", dest: &acp.Address{Country: "FR"}, lines: []shipping.Line{mugs, ebook},
			want: &shipping.QuoteResponse{Options: []shipping.Option{email([]string{"li_ebook"})}, Messages: restricted("FR")},
		},
		"no zone, digital only: no message": {
			plugin: "demo", dest: &acp.Address{Country: "FR"}, lines: []shipping.Line{ebook},
			want: &shipping.QuoteResponse{Options: []shipping.Option{email([]string{"li_ebook"})}},
		},
		"empty cart": {
			plugin: "demo", dest: us,
			want: &shipping.QuoteResponse{},
		},
		"region zone first, by weight and by value": {
			// Beans: 1 lb = 453.59237 g, rounded up to 454 g: the first bracket.
			plugin: "brackets", dest: &acp.Address{Country: "US", State: "CA"}, lines: []shipping.Line{beans, ebook},
			want: &shipping.QuoteResponse{Options: []shipping.Option{ground([]string{"li_beans"}, 400), courier([]string{"li_beans"}, 300)}},
		},
		"weight rounded up into the next bracket": {
			// Beans and 2 mugs: 454 + 700 g.
			plugin: "brackets", dest: &acp.Address{Country: "US", State: "or"}, lines: []shipping.Line{beans, mugs},
			want: &shipping.QuoteResponse{Options: []shipping.Option{ground([]string{"li_beans", "li_mug"}, 900), courier([]string{"li_beans"}, 300)}},
		},
		"beyond the last weight bracket: not offered": {
			// 6 grinders of 2.1 kg: 12.6 kg; their subtotal takes the open price bracket.
			plugin: "brackets", dest: &acp.Address{Country: "US", State: "CA"}, lines: []shipping.Line{grinders},
			want: &shipping.QuoteResponse{Options: []shipping.Option{courier([]string{"li_grinder"}, 0)}},
		},
		"outside the regions: the next zone": {
			plugin: "brackets", dest: &acp.Address{Country: "US", State: "NY"}, lines: []shipping.Line{grinders},
			want: &shipping.QuoteResponse{Options: []shipping.Option{
				{ID: "ground", Type: acp.FulfillmentShipping, Title: "Ground", LineIDs: []string{"li_grinder"}, Amount: 1200},
			}},
		},
		"no destination, no default zone: nothing, no message": {
			plugin: "brackets", lines: []shipping.Line{beans, ebook},
			want: &shipping.QuoteResponse{},
		},
		"no zone, no digital option": {
			plugin: "brackets", dest: &acp.Address{Country: "DE"}, lines: []shipping.Line{ebook},
			want: &shipping.QuoteResponse{Messages: restricted("DE")},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := plugins[tc.plugin].Shipping().Quote(context.Background(), &shipping.QuoteRequest{Currency: "usd", Destination: tc.dest, Lines: tc.lines})
			if err != nil {
				t.Fatal(err)
			}
			tc.want.MaxAge = answerMaxAge // 15:00 UTC: the day has more to run
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Quote() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMaxAge: the host may reuse an answer for 5 minutes, but not into
// the next day, whose delivery dates differ.
func TestMaxAge(t *testing.T) {
	t.Parallel()
	midnight := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	testCases := map[string]struct {
		at   time.Time
		want time.Duration
	}{
		"mid-afternoon":                   {at: now, want: 5 * time.Minute},
		"at midnight":                     {at: midnight, want: 5 * time.Minute},
		"five minutes before midnight":    {at: midnight.Add(-5 * time.Minute), want: 5 * time.Minute},
		"90 seconds before midnight":      {at: midnight.Add(-90 * time.Second), want: 90 * time.Second},
		"less than a millisecond to go":   {at: midnight.Add(-time.Microsecond), want: 0}, // travels in whole milliseconds
		"in another zone, same UTC times": {at: midnight.Add(-time.Minute).In(time.FixedZone("PST", -8*3600)), want: time.Minute},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := acptest.New(t, newZonePlugin(slog.New(slog.DiscardHandler), func() time.Time { return tc.at }).serveOpts(), acptest.WithConfig(demoConfig))
			got, err := p.Shipping().Quote(context.Background(), &shipping.QuoteRequest{Currency: "usd", Lines: []shipping.Line{mugs}})
			if err != nil {
				t.Fatal(err)
			}
			if got.MaxAge != tc.want {
				t.Errorf("MaxAge at %v = %v, want %v", tc.at, got.MaxAge, tc.want)
			}
		})
	}
}

func TestQuoteFailures(t *testing.T) {
	t.Parallel()
	demo := newPlugin(t, demoConfig)
	brackets := newPlugin(t, bracketsConfig)
	ctx := context.Background()
	_, err := demo.Shipping().Quote(ctx, &shipping.QuoteRequest{Currency: "eur", Lines: []shipping.Line{mugs}})
	var e *acp.Error
	if !errors.As(err, &e) || e.Reason != "currency_mismatch" || e.Retryable || e.Source != acp.SourcePlugin {
		t.Errorf("Quote() in eur = %v, want a currency_mismatch plugin failure", err)
	}
	bad := shipping.Line{ID: "li_1", ItemID: "anvil", Quantity: 1, Weight: &acp.Weight{Value: 3, Unit: "stone"}, FulfillmentTypes: allTypes}
	_, err = brackets.Shipping().Quote(ctx, &shipping.QuoteRequest{Currency: "usd", Destination: &acp.Address{Country: "US"}, Lines: []shipping.Line{bad}})
	if err == nil || !strings.Contains(err.Error(), `weight unit "stone"`) {
		t.Errorf("Quote() with a bad weight = %v, want an error naming the unit", err)
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	option := func(extra string) string {
		return `{"zones": [{"name": "us", "countries": ["US"], "options": [{"id": "std", "type": "shipping", "title": "Standard"` + extra + `}]}]}`
	}
	testCases := map[string]struct {
		config  string
		wantErr string
	}{
		"demo":                    {config: demoConfig},
		"brackets":                {config: bracketsConfig},
		"any country":             {config: `{"zones": [{"name": "world", "countries": ["*"], "options": [{"id": "post", "type": "shipping", "title": "Post", "flat": 0}]}]}`},
		"no zones":                {config: `{}`, wantErr: "does not match the plugin's schema"},
		"unknown key":             {config: strings.Replace(demoConfig, `"currency"`, `"currencies"`, 1), wantErr: "does not match the plugin's schema"},
		"no price":                {config: option(``), wantErr: `zones[0].options[0] has no price: exactly one of flat, weight_brackets and price_brackets is required`},
		"two prices":              {config: option(`, "flat": 1, "price_brackets": [{"amount": 1}]`), wantErr: `zones[0].options[0] has flat and price_brackets: exactly one of`},
		"negative amount":         {config: option(`, "flat": -1`), wantErr: `zones[0].options[0].flat must be 0 or more, got -1`},
		"decimal amount":          {config: option(`, "flat": 4.99`), wantErr: "does not match the plugin's schema"},
		"bad type":                {config: option(`, "flat": 1, "type": "drone"`), wantErr: `zones[0].options[0].type: "drone" is not one of shipping, local_delivery, pickup, digital`},
		"bad country":             {config: strings.Replace(demoConfig, `["US"]`, `["USA"]`, 1), wantErr: `zones[0].countries[0]: "USA" is not a two-letter ISO 3166-1 country code`},
		"pickup without place":    {config: strings.Replace(option(`, "flat": 0`), `"shipping"`, `"pickup"`, 1), wantErr: "options[0].pickup is required for a pickup option"},
		"place without pickup":    {config: option(`, "flat": 0, "pickup": {"name": "Shop", "address": {"line_one": "1 Main St", "city": "Oslo", "country": "NO"}}`), wantErr: "pickup is only for pickup options"},
		"brackets not rising":     {config: option(`, "weight_brackets": [{"up_to_grams": 500, "amount": 1}, {"up_to_grams": 500, "amount": 2}]`), wantErr: "weight_brackets[1].up_to_grams must be above the previous"},
		"open bracket not last":   {config: option(`, "price_brackets": [{"amount": 1}, {"up_to": 500, "amount": 2}]`), wantErr: "price_brackets[0].up_to is required: only the last bracket"},
		"wrong bracket bound":     {config: option(`, "price_brackets": [{"up_to_grams": 500, "amount": 1}]`), wantErr: "does not match the plugin's schema"},
		"wrong weight bound":      {config: option(`, "weight_brackets": [{"up_to": 500, "amount": 1}]`), wantErr: "does not match the plugin's schema"},
		"negative bound":          {config: option(`, "weight_brackets": [{"up_to_grams": -1, "amount": 1}]`), wantErr: `weight_brackets[0].up_to_grams must be 0 or more, got -1`},
		"negative bracket":        {config: option(`, "price_brackets": [{"amount": -1}]`), wantErr: `price_brackets[0].amount must be 0 or more, got -1`},
		"no brackets":             {config: option(`, "price_brackets": []`), wantErr: `zones[0].options[0].price_brackets is empty`},
		"negative per item":       {config: option(`, "flat": 1, "per_item": -1`), wantErr: `zones[0].options[0].per_item must be 0 or more, got -1`},
		"no countries":            {config: `{"zones": [{"name": "us", "countries": [], "options": [{"id": "std", "type": "shipping", "title": "Standard", "flat": 1}]}]}`, wantErr: `zones[0].countries is empty`},
		"no options":              {config: `{"zones": [{"name": "us", "countries": ["US"], "options": []}]}`, wantErr: `zones[0].options is empty`},
		"bad region":              {config: strings.Replace(bracketsConfig, `"OR"`, `"OREG"`, 1), wantErr: `zones[0].regions[1]: "OREG" is not a state or province code`},
		"window backwards":        {config: option(`, "flat": 1, "delivery": {"min": 5, "max": 2}`), wantErr: "delivery.max must be at least min, got min 5, max 2"},
		"window beyond a year":    {config: option(`, "flat": 1, "delivery": {"min": 5, "max": 366}`), wantErr: `zones[0].options[0].delivery: min and max must be 0 to 365 days, got min 5, max 366`},
		"negative window":         {config: option(`, "flat": 1, "delivery": {"min": -1, "max": 2}`), wantErr: `zones[0].options[0].delivery: min and max must be 0 to 365 days, got min -1, max 2`},
		"bad window unit":         {config: option(`, "flat": 1, "delivery": {"min": 1, "max": 2, "unit": "weeks"}`), wantErr: `zones[0].options[0].delivery.unit: "weeks" is not days or business_days`},
		"blank option title":      {config: strings.Replace(option(`, "flat": 1`), `"Standard"`, `" "`, 1), wantErr: "options[0].title is required"},
		"unknown default zone":    {config: strings.Replace(demoConfig, `"default_zone": "us"`, `"default_zone": "eu"`, 1), wantErr: `default_zone: no zone is named "eu"`},
		"duplicate zone":          {config: strings.Replace(demoConfig, `"name": "ca"`, `"name": "us"`, 1), wantErr: `duplicate zone name "us"`},
		"duplicate option":        {config: strings.Replace(demoConfig, `"id": "express"`, `"id": "standard"`, 1), wantErr: `duplicate option id "standard" in zone "us"`},
		"digital id taken":        {config: strings.Replace(demoConfig, `"id": "email"`, `"id": "express"`, 1), wantErr: `"express" is also the digital option's id`},
		"null zones":              {config: `{"zones": null}`, wantErr: "zones is required"},
		"bad currency":            {config: strings.Replace(demoConfig, `"usd"`, `"dollars"`, 1), wantErr: `currency: "dollars" is not a three-letter ISO 4217 code`},
		"pickup in a bad country": {config: strings.Replace(demoConfig, `"country": "US", "postal_code"`, `"country": "USA", "postal_code"`, 1), wantErr: `zones[0].options[2].pickup.address.country: "USA" is not a two-letter`},
		"pickup address partial":  {config: strings.Replace(demoConfig, `"line_one": "1 Ferry Building", `, ``, 1), wantErr: "does not match the plugin's schema"},
		"negative free over":      {config: option(`, "flat": 1, "free_over": -1`), wantErr: "zones[0].options[0].free_over must be 0 or more, got -1"},
		"no price at all, no type": {config: strings.Replace(option(``), `"shipping"`, `"drone"`, 1),
			wantErr: `zones[0].options[0].type: "drone" is not one of shipping, local_delivery, pickup, digital; zones[0].options[0] has no price`},
		"every problem reported": {config: strings.Replace(strings.Replace(demoConfig, `"id": "express"`, `"id": "standard"`, 1), `"default_zone": "us"`, `"default_zone": "eu"`, 1), wantErr: `duplicate option id "standard" in zone "us" (also options[0]); default_zone: no zone is named "eu"`},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := acptest.Start(t, newZonePlugin(slog.New(slog.DiscardHandler), time.Now).serveOpts())
			err := p.Configure(context.Background(), []byte(tc.config))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Configure() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestTotalGrams(t *testing.T) {
	t.Parallel()
	line := func(value float64, unit string, qty int64) shipping.Line {
		return shipping.Line{ID: "li", Quantity: qty, Weight: &acp.Weight{Value: value, Unit: unit}}
	}
	testCases := map[string]struct {
		lines   []shipping.Line
		want    int64
		wantErr string
	}{
		"grams":                {lines: []shipping.Line{line(350, "g", 2)}, want: 700},
		"decimal kilograms":    {lines: []shipping.Line{line(2.1, "kg", 1)}, want: 2100},
		"pound rounds up":      {lines: []shipping.Line{line(1, "lb", 1)}, want: 454},
		"rounded once":         {lines: []shipping.Line{line(1, "oz", 100)}, want: 2835},
		"units mixed":          {lines: []shipping.Line{line(1, "KG", 1), line(0.5, "g", 1), line(0.5, "g", 1)}, want: 1001},
		"no weight is 0 g":     {lines: []shipping.Line{{ID: "li", Quantity: 3}}, want: 0},
		"saturates":            {lines: []shipping.Line{line(1e12, "lb", math.MaxInt64)}, want: math.MaxInt64},
		"unknown unit":         {lines: []shipping.Line{line(1, "stone", 1)}, wantErr: `weight unit "stone"`},
		"negative weight":      {lines: []shipping.Line{line(-1, "g", 1)}, wantErr: "not a plausible weight"},
		"implausible weight":   {lines: []shipping.Line{line(1e300, "g", 1)}, wantErr: "not a plausible weight"},
		"not a number":         {lines: []shipping.Line{line(math.NaN(), "g", 1)}, wantErr: "not a plausible weight"},
		"infinity":             {lines: []shipping.Line{line(math.Inf(1), "g", 1)}, wantErr: "not a plausible weight"},
		"oz, exactly":          {lines: []shipping.Line{line(8, "oz", 1)}, want: 227}, // 226.796185 g
		"sub-gram rounds up":   {lines: []shipping.Line{line(0.001, "g", 1)}, want: 1},
		"zero quantity is 0 g": {lines: []shipping.Line{line(5, "g", 0)}, want: 0},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := totalGrams(tc.lines)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("totalGrams() = %d, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("totalGrams() = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	t.Parallel()
	friday := day(0)
	testCases := map[string]struct {
		from     time.Time // default friday
		n        int
		business bool
		want     time.Time
	}{
		"calendar days":                   {n: 3, want: day(3)},
		"zero days":                       {n: 0, business: true, want: friday},
		"one business day skips weekend":  {n: 1, business: true, want: day(3)},
		"six business days":               {n: 6, business: true, want: day(10)},
		"from a Saturday to Monday":       {from: day(1), n: 1, business: true, want: day(3)},
		"calendar days cross a month end": {n: 30, want: time.Date(2026, 4, 5, 0, 0, 0, 0, time.UTC)},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := tc.from
			if start.IsZero() {
				start = friday
			}
			if got := addDays(start, tc.n, tc.business); !got.Equal(tc.want) {
				t.Errorf("addDays(%v, %d, %v) = %v, want %v", start, tc.n, tc.business, got, tc.want)
			}
		})
	}
}

// A fulfillment group (protocol 1.2) gets only options of its type, and a
// pickup group naming a pickup option by its location_id only that one.
func TestQuoteGroup(t *testing.T) {
	t.Parallel()
	p := newPlugin(t, demoConfig)
	// The demo with a second pickup location, listed first in the US zone.
	twoPickups := strings.Replace(demoConfig, `{"name": "us", "countries": ["US"], "options": [`, `{"name": "us", "countries": ["US"], "options": [
      {"id": "pickup-oak", "type": "pickup", "title": "Pick up in Oakland", "flat": 0,
       "pickup": {"name": "Oakland shop", "address": {"name": "Oakland shop", "line_one": "1 Broadway", "city": "Oakland", "state": "CA", "country": "US", "postal_code": "94607"}}},`, 1)
	oak := shipping.Option{ID: "pickup-oak", Type: acp.FulfillmentPickup, Title: "Pick up in Oakland", LineIDs: []string{"li_mug"},
		Pickup: &shipping.PickupLocation{Name: "Oakland shop", Address: acp.Address{Name: "Oakland shop", LineOne: "1 Broadway", City: "Oakland", State: "CA", Country: "US", PostalCode: "94607"}}}
	plugins := map[string]*acptest.Plugin{"demo": p, "two pickups": newPlugin(t, twoPickups)}
	us := &acp.Address{Country: "US", State: "NY"}
	testCases := map[string]struct {
		plugin string
		group  acp.FulfillmentGroup
		lines  []shipping.Line
		want   []shipping.Option
	}{
		"shipping group":                 {"demo", acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentShipping}, []shipping.Line{mugs, ebook}, []shipping.Option{standard([]string{"li_mug"}, 500), express([]string{"li_mug"}, 1700)}},
		"pickup group":                   {"demo", acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentPickup}, []shipping.Line{mugs}, []shipping.Option{pickupSF([]string{"li_mug"})}},
		"digital group":                  {"demo", acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentDigital}, []shipping.Line{mugs, ebook}, []shipping.Option{email([]string{"li_ebook"})}},
		"local delivery group: none":     {"demo", acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentLocalDelivery}, []shipping.Line{mugs}, nil},
		"pickup at a named location":     {"two pickups", acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentPickup, LocationID: "pickup-oak"}, []shipping.Line{mugs}, []shipping.Option{oak}},
		"pickup at an unknown location":  {"two pickups", acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentPickup, LocationID: "elsewhere"}, []shipping.Line{mugs}, []shipping.Option{oak, pickupSF([]string{"li_mug"})}},
		"pickup with no location chosen": {"two pickups", acp.FulfillmentGroup{ID: "g", Type: acp.FulfillmentPickup}, []shipping.Line{mugs}, []shipping.Option{oak, pickupSF([]string{"li_mug"})}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			group := tc.group
			got, err := plugins[tc.plugin].Shipping().Quote(context.Background(), &shipping.QuoteRequest{Currency: "usd", Destination: us, Lines: tc.lines, Group: &group})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&shipping.QuoteResponse{Options: tc.want, MaxAge: answerMaxAge}, got); diff != "" {
				t.Errorf("Quote() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
