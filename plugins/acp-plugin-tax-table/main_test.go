package main

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// demoConfig is the demo store's tax table (the root acp.yaml), with
// string rates and number rates mixed.
const demoConfig = `{
  "shipping_taxable": false,
  "origin": {"country": "US", "region": "CA"},
  "rates": [
    {"country": "US", "region": "CA", "rate": "0.0725", "categories": {"food": "0"}},
    {"country": "US", "region": "NY", "rate": 0.04, "categories": {"food": 0}},
    {"country": "US", "rate": "5e-2", "categories": {"food": "0"}}
  ]
}`

// reducedConfig has category rates other than zero, one of them equal to
// the standard rate, two of them equal to each other.
const reducedConfig = `{
  "shipping_taxable": true,
  "origin": {"country": "US", "region": "CA"},
  "rates": [
    {"country": "US", "region": "CA", "rate": "0.0725", "categories": {"food": "0.025", "books": "0.025", "clothing": "0.0725", "medicine": "0"}}
  ]
}`

// newPlugin serves a tax table configured with cfg.
func newPlugin(t *testing.T, cfg string) *acptest.Plugin {
	t.Helper()
	return acptest.New(t, newTaxTable(slog.New(slog.DiscardHandler)).serveOpts(), acptest.WithConfig(cfg))
}

func TestQuote(t *testing.T) {
	t.Parallel()
	plugins := map[string]*acptest.Plugin{
		"demo":           newPlugin(t, demoConfig),
		"shipping taxed": newPlugin(t, strings.Replace(demoConfig, `"shipping_taxable": false`, `"shipping_taxable": true`, 1)),
		"empty":          newPlugin(t, ``),
		"reduced":        newPlugin(t, reducedConfig),
	}
	lines := []tax.Line{
		{ID: "li_1", Amount: 1234, TaxCategory: "standard"},
		{ID: "li_2", Amount: 2400, TaxCategory: "food"},
		{ID: "li_3", Amount: 1000},
	}
	untaxed := &tax.QuoteResponse{Lines: []tax.LineTax{{ID: "li_1"}, {ID: "li_2"}, {ID: "li_3"}}}
	testCases := map[string]struct {
		plugin string
		dest   *acp.Address
		lines  []tax.Line // default lines
		// freeShipping makes the fulfillment charge 0 instead of 500.
		freeShipping bool
		want         *tax.QuoteResponse
	}{
		"region rate, half up, category override": {
			plugin: "demo",
			dest:   &acp.Address{Country: "US", State: "CA"},
			// 1234 × 7.25 % = 89.465 → 89; food at 0; 1000 × 7.25 % = 72.5 → 73.
			want: &tax.QuoteResponse{
				Lines:     []tax.LineTax{{ID: "li_1", Amount: 89}, {ID: "li_2"}, {ID: "li_3", Amount: 73}},
				Breakdown: []tax.Jurisdiction{{Name: "US-CA", Rate: 0.0725, Amount: 162}},
			},
		},
		"number rate, lower-case address": {
			plugin: "demo",
			dest:   &acp.Address{Country: "us", State: "ny"},
			want: &tax.QuoteResponse{
				Lines:     []tax.LineTax{{ID: "li_1", Amount: 49}, {ID: "li_2"}, {ID: "li_3", Amount: 40}},
				Breakdown: []tax.Jurisdiction{{Name: "US-NY", Rate: 0.04, Amount: 89}},
			},
		},
		"country rate for an unlisted region": {
			plugin: "demo",
			dest:   &acp.Address{Country: "US", State: "TX"},
			want: &tax.QuoteResponse{
				Lines:     []tax.LineTax{{ID: "li_1", Amount: 62}, {ID: "li_2"}, {ID: "li_3", Amount: 50}},
				Breakdown: []tax.Jurisdiction{{Name: "US", Rate: 0.05, Amount: 112}},
			},
		},
		"unlisted country is not taxed": {
			plugin: "demo",
			dest:   &acp.Address{Country: "FR", State: "75"},
			want:   untaxed,
		},
		"no destination is taxed at the origin": {
			plugin: "demo",
			want: &tax.QuoteResponse{
				Lines:     []tax.LineTax{{ID: "li_1", Amount: 89}, {ID: "li_2"}, {ID: "li_3", Amount: 73}},
				Breakdown: []tax.Jurisdiction{{Name: "US-CA", Rate: 0.0725, Amount: 162}},
			},
		},
		"shipping taxed at the standard rate": {
			plugin: "shipping taxed",
			dest:   &acp.Address{Country: "US", State: "CA"},
			// The fulfillment charge of 500 is taxed at 7.25 %: 36.25 → 36.
			want: &tax.QuoteResponse{
				Lines:       []tax.LineTax{{ID: "li_1", Amount: 89}, {ID: "li_2"}, {ID: "li_3", Amount: 73}},
				Fulfillment: 36,
				Breakdown:   []tax.Jurisdiction{{Name: "US-CA", Rate: 0.0725, Amount: 198}},
			},
		},
		"shipping not taxed where nothing is": {
			plugin: "shipping taxed",
			dest:   &acp.Address{Country: "DE"},
			want:   untaxed,
		},
		"the largest amount does not overflow": {
			plugin: "demo",
			dest:   &acp.Address{Country: "US", State: "CA"},
			lines:  []tax.Line{{ID: "li_1", Amount: math.MaxInt64}, {ID: "li_2", Amount: -5}},
			want: &tax.QuoteResponse{
				Lines:     []tax.LineTax{{ID: "li_1", Amount: 668694472671971246}, {ID: "li_2"}},
				Breakdown: []tax.Jurisdiction{{Name: "US-CA", Rate: 0.0725, Amount: 668694472671971246}},
			},
		},
		"one entry per rate applied": {
			plugin: "reduced",
			dest:   &acp.Address{Country: "US", State: "CA"},
			lines: []tax.Line{
				{ID: "li_1", Amount: 1234, TaxCategory: "standard"}, // 89.465 → 89 at 7.25 %
				{ID: "li_2", Amount: 2400, TaxCategory: "food"},     // 60 at 2.5 %
				{ID: "li_3", Amount: 1000},                          // 72.5 → 73 at 7.25 %
				{ID: "li_4", Amount: 1000, TaxCategory: "books"},    // 25 at 2.5 %
				{ID: "li_5", Amount: 2000, TaxCategory: "clothing"}, // 145 at 7.25 %, the standard rate
				{ID: "li_6", Amount: 3000, TaxCategory: "medicine"}, // 0
			},
			// The fulfillment charge of 500 at the standard rate: 36.25 → 36.
			want: &tax.QuoteResponse{
				Lines:       []tax.LineTax{{ID: "li_1", Amount: 89}, {ID: "li_2", Amount: 60}, {ID: "li_3", Amount: 73}, {ID: "li_4", Amount: 25}, {ID: "li_5", Amount: 145}, {ID: "li_6"}},
				Fulfillment: 36,
				Breakdown: []tax.Jurisdiction{
					{Name: "US-CA", Rate: 0.0725, Amount: 89 + 73 + 145 + 36},
					{Name: "US-CA (books, food)", Rate: 0.025, Amount: 60 + 25},
				},
			},
		},
		"only a category rate applied": {
			plugin:       "reduced",
			dest:         &acp.Address{Country: "US", State: "CA"},
			lines:        []tax.Line{{ID: "li_1", Amount: 2400, TaxCategory: "food"}, {ID: "li_2", Amount: 100, TaxCategory: "medicine"}},
			freeShipping: true,
			want: &tax.QuoteResponse{
				Lines:     []tax.LineTax{{ID: "li_1", Amount: 60}, {ID: "li_2"}},
				Breakdown: []tax.Jurisdiction{{Name: "US-CA (food)", Rate: 0.025, Amount: 60}},
			},
		},
		"an empty table taxes nothing": {
			plugin: "empty",
			dest:   &acp.Address{Country: "US", State: "CA"},
			want:   untaxed,
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := &tax.QuoteRequest{Currency: "usd", Destination: tc.dest, Lines: lines, Fulfillment: 500}
			if tc.freeShipping {
				req.Fulfillment = 0
			}
			if tc.lines != nil {
				req.Lines = tc.lines
			}
			got, err := plugins[tc.plugin].Tax().Quote(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			want := *tc.want
			want.MaxAge = answerMaxAge // every answer: it depends on the request and the table alone
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("Quote() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQuoteOverflow(t *testing.T) {
	t.Parallel()
	p := newPlugin(t, demoConfig)
	// Each line's tax at 7.25 % is 668694472671971246: 14 of them exceed int64.
	lines := make([]tax.Line, 14)
	for i := range lines {
		lines[i] = tax.Line{ID: "li_" + strconv.Itoa(i), Amount: math.MaxInt64}
	}
	req := &tax.QuoteRequest{Currency: "usd", Destination: &acp.Address{Country: "US", State: "CA"}, Lines: lines}
	if got, err := p.Tax().Quote(context.Background(), req); err == nil || !strings.Contains(err.Error(), "the cart's tax overflows") {
		t.Errorf("Quote() = %+v, %v; want the cart's tax to overflow", got, err)
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		config  string
		wantErr string
	}{
		"demo":                {config: demoConfig},
		"absent":              {config: ``},
		"no rates, no origin": {config: `{"shipping_taxable": true}`},
		"unknown key":         {config: `{"rates": [], "nexus": ["CA"]}`, wantErr: "does not match the plugin's schema"},
		"unknown rate key":    {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "0.05", "state": "CA"}]}`, wantErr: "does not match the plugin's schema"},
		"rate of wrong type":  {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": true}]}`, wantErr: "does not match the plugin's schema"},
		"rate missing":        {config: `{"origin": {"country": "US"}, "rates": [{"country": "US"}]}`, wantErr: "does not match the plugin's schema"},
		"bad country":         {config: `{"origin": {"country": "USA"}}`, wantErr: `origin.country: "USA" is not a two-letter ISO 3166-1 country code`},
		"origin required":     {config: `{"rates": [{"country": "US", "rate": "0.05"}]}`, wantErr: "origin is required when rates is set"},
		"rate of 1":           {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "1"}]}`, wantErr: `rates[0].rate: tax rate "1" is not below 1`},
		"percent":             {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "7.25%"}]}`, wantErr: `tax rate "7.25%" is not a decimal number`},
		"negative":            {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": -0.05}]}`, wantErr: `tax rate "-0.05" is negative`},
		"too precise":         {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "0.0000001"}]}`, wantErr: "more precise than six decimal places"},
		"bad category rate":   {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "0.05", "categories": {"food": "2"}}]}`, wantErr: `rates[0].categories["food"]: tax rate "2" is not below 1`},
		"duplicate place":     {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "0.05"}, {"country": "us", "region": "", "rate": "0.06"}]}`, wantErr: "rates[1]: duplicate rate for US (also rates[0])"},
		"duplicate region":    {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "region": "CA", "rate": "0.05"}, {"country": "US", "region": "ca", "rate": "0.06"}]}`, wantErr: "duplicate rate for US-CA"},
		"standard category":   {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "0.05", "categories": {"standard": "0.04"}}]}`, wantErr: `rates[0].categories: "standard" is not a category`},
		"Standard category":   {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "0.05", "categories": {" Standard": "0.05"}}]}`, wantErr: `rates[0].categories: " Standard" is not a category`},
		"empty category name": {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": "0.05", "categories": {" ": "0"}}]}`, wantErr: "a category name is empty"},
		"bad region":          {config: `{"origin": {"country": "US", "region": "C-A"}}`, wantErr: `origin.region: "C-A" is not a state or province code`},
		"rate null":           {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "rate": null}]}`, wantErr: "does not match the plugin's schema"},
		"bad rate country":    {config: `{"origin": {"country": "US"}, "rates": [{"country": "U1", "rate": "0.05"}]}`, wantErr: `rates[0].country: "U1" is not a two-letter`},
		"long rate region":    {config: `{"origin": {"country": "US"}, "rates": [{"country": "US", "region": "ABCD", "rate": "0.05"}]}`, wantErr: `rates[0].region: "ABCD" is not a state or province code`},
		"every problem reported": {config: `{"origin": {"country": "U"}, "rates": [{"country": "US", "rate": "0.05"}, {"country": "US", "rate": "0.06"}]}`,
			wantErr: `origin.country: "U" is not a two-letter ISO 3166-1 country code, such as US; rates[1]: duplicate rate for US (also rates[0])`},
		"not JSON":              {config: `{"rates": `, wantErr: "config is not JSON"},
		"trailing data refused": {config: `{} {}`, wantErr: "config"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := acptest.Start(t, newTaxTable(slog.New(slog.DiscardHandler)).serveOpts())
			err := p.Configure(context.Background(), []byte(tc.config))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Configure() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestParsePPM(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		text    string
		want    int64
		wantErr string
	}{
		"decimal":                {text: "0.0725", want: 72500},
		"trailing zero":          {text: "0.07250", want: 72500},
		"no leading zero":        {text: ".5", want: 500000},
		"zero":                   {text: "0", want: 0},
		"zero with places":       {text: "0.000000000", want: 0},
		"one ppm":                {text: "0.000001", want: 1},
		"one ppm, padded":        {text: "0.0000010", want: 1},
		"exponent":               {text: "7.25e-2", want: 72500},
		"upper-case exponent":    {text: "725E-4", want: 72500},
		"largest":                {text: "0.999999", want: 999999},
		"spaces":                 {text: " 0.08875 ", want: 88750},
		"finer than ppm":         {text: "0.0000001", wantErr: "more precise"},
		"finer than ppm, padded": {text: "0.00000010", wantErr: "more precise"},
		"one":                    {text: "1", wantErr: "not below 1"},
		"one with places":        {text: "1.000", wantErr: "not below 1"},
		"positive exponent":      {text: "1e+2", wantErr: "not below 1"},
		"huge":                   {text: "123456789012345678901234567890", wantErr: "not below 1"},
		"huge negative exponent": {text: "1e-99999999", wantErr: "not a decimal number"},
		"negative":               {text: "-0.1", wantErr: "negative"},
		"percent":                {text: "7%", wantErr: "not a decimal number"},
		"fraction":               {text: "1/2", wantErr: "not a decimal number"},
		"empty":                  {text: "", wantErr: "not a decimal number"},
		"dot":                    {text: ".", wantErr: "not a decimal number"},
		"two dots":               {text: "0.1.2", wantErr: "not a decimal number"},
		"hex":                    {text: "0x1", wantErr: "not a decimal number"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePPM(tc.text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("parsePPM(%q) = %d, %v; want error containing %q", tc.text, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parsePPM(%q) = %d, %v; want %d", tc.text, got, err, tc.want)
			}
		})
	}
}
