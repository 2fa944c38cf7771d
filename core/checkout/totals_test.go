package checkout_test

import (
	"math/rand/v2"
	"testing"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// expectedRate returns the rate in parts per million for a line, mirroring
// testTax: it is written out independently of the tax provider.
func expectedRate(country, state, category string) int64 {
	switch {
	case country == "US" && state == "CA":
		if category == "food" {
			return 0
		}
		return 72500
	case country == "US" && state == "NY":
		if category == "food" {
			return 0
		}
		return 40000
	case country == "US":
		if category == "food" {
			return 10000
		}
		return 50000
	}
	return 0
}

// roundPPM is amount × ppm / 1e6 rounded half up.
func roundPPM(amount, ppm int64) int64 { return (amount*ppm + 500_000) / 1_000_000 }

// TestTotalsProperty prices random carts to random destinations and checks
// the arithmetic the spec requires: line totals add up to the session
// totals, and tax and shipping follow the configured rules.
func TestTotalsProperty(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rng := rand.New(rand.NewPCG(2026, 11))
	destinations := []*acp.Address{nil, address("US", "CA"), address("US", "NY"), address("US", "TX"), address("CA", "ON"), address("FR", "75")}
	skus := []string{"mug", "beans", "ebook", "tee"}
	prices := map[string]int64{"mug": 1500, "beans": 2399, "ebook": 999, "tee": 2001}
	categories := map[string]string{"mug": "standard", "beans": "food", "ebook": "standard", "tee": "standard"}
	for i := 0; i < 300; i++ {
		var items []checkout.ItemInput
		for n := 1 + rng.IntN(4); n > 0; n-- {
			items = append(items, checkout.ItemInput{ID: skus[rng.IntN(len(skus))], Quantity: 1 + rng.Int64N(2)})
		}
		dest := destinations[rng.IntN(len(destinations))]
		in := checkout.CreateInput{Items: items}
		if dest != nil {
			in.FulfillmentDetails = &model.FulfillmentDetails{Address: dest}
		}
		sess := f.create(t, in)

		taxCountry, taxState := "US", "CA" // the origin, for carts without an address
		if dest != nil {
			taxCountry, taxState = dest.Country, dest.State
		}
		var sumBase, sumSubtotal, sumLineTax, sumLineTotal int64
		for _, l := range sess.Lines {
			wantBase := prices[l.ItemID] * l.Quantity
			wantTax := roundPPM(wantBase, expectedRate(taxCountry, taxState, categories[l.ItemID]))
			if l.BaseAmount != wantBase || l.Subtotal != wantBase || l.Tax != wantTax || l.Total != wantBase+wantTax {
				t.Fatalf("cart %d line %s: base=%d subtotal=%d tax=%d total=%d, want base=subtotal=%d tax=%d", i, l.ID, l.BaseAmount, l.Subtotal, l.Tax, l.Total, wantBase, wantTax)
			}
			sumBase += l.BaseAmount
			sumSubtotal += l.Subtotal
			sumLineTax += l.Tax
			sumLineTotal += l.Total
		}
		var fulfillment int64
		covered := map[string]bool{}
		for _, sel := range sess.Selected {
			fulfillment += sel.Amount
			for _, id := range sel.LineIDs {
				if covered[id] {
					t.Fatalf("cart %d: line %s selected twice", i, id)
				}
				covered[id] = true
			}
		}
		wantFulfillmentTax := roundPPM(fulfillment, expectedRate(taxCountry, taxState, "standard"))
		tot := sess.Totals
		if tot.ItemsBaseAmount != sumBase || tot.Subtotal != sumSubtotal || tot.Fulfillment != fulfillment {
			t.Fatalf("cart %d: totals %+v do not add up: base %d subtotal %d fulfillment %d", i, tot, sumBase, sumSubtotal, fulfillment)
		}
		if tot.Tax != sumLineTax+wantFulfillmentTax {
			t.Fatalf("cart %d: tax %d, want lines %d + fulfillment %d", i, tot.Tax, sumLineTax, wantFulfillmentTax)
		}
		if tot.Total != sumLineTotal+fulfillment+wantFulfillmentTax {
			t.Fatalf("cart %d: total %d, want %d", i, tot.Total, sumLineTotal+fulfillment+wantFulfillmentTax)
		}
		checkShippingRules(t, i, sess, dest)
	}
}

// checkShippingRules checks the default selection against testOptions.
func checkShippingRules(t *testing.T, cart int, sess *model.Session, dest *acp.Address) {
	t.Helper()
	for _, sel := range sess.Selected {
		var units, subtotal int64
		for _, l := range sess.Lines {
			for _, id := range sel.LineIDs {
				if id == l.ID {
					units += l.Quantity
					subtotal += l.Subtotal
				}
			}
		}
		var want int64
		switch sel.OptionID {
		case "standard":
			want = 500
			if subtotal >= 5000 {
				want = 0
			}
		case "express":
			want = 1500 + 100*units
		}
		if sel.Amount != want {
			t.Fatalf("cart %d: option %s for %d units worth %d costs %d, want %d", cart, sel.OptionID, units, subtotal, sel.Amount, want)
		}
		if dest != nil && sel.Type == acp.FulfillmentShipping && dest.Country != "US" && dest.Country != "CA" {
			t.Fatalf("cart %d: shipping option %s selected for %s", cart, sel.OptionID, dest.Country)
		}
	}
	// Every line is covered unless the destination cannot be served.
	covered := map[string]bool{}
	for _, sel := range sess.Selected {
		for _, id := range sel.LineIDs {
			covered[id] = true
		}
	}
	for _, l := range sess.Lines {
		if !covered[l.ID] && (dest == nil || dest.Country == "US" || dest.Country == "CA") {
			t.Fatalf("cart %d: line %s has no fulfillment option", cart, l.ID)
		}
	}
}
