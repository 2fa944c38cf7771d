package promotion_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

var discountNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// discountCart is two lines (a shirt twice, pants) and one shipping
// charge carrying both.
func discountCart(codes ...string) *catalog.DiscountRequest {
	return &catalog.DiscountRequest{
		Currency: "usd", Codes: codes, At: discountNow,
		Lines: []catalog.DiscountLine{
			{ID: "li_1", ItemID: "shirt", Categories: []string{"tops"}, Quantity: 2, UnitPrice: 2500, Subtotal: 5000},
			{ID: "li_2", ItemID: "pants", Categories: []string{"bottoms"}, Quantity: 1, UnitPrice: 6000, Subtotal: 6000},
		},
		Fulfillment: []catalog.FulfillmentCharge{{ID: "standard", LineIDs: []string{"li_1", "li_2"}, Amount: 599}},
	}
}

func evaluate(t *testing.T, d *promotion.Engine, req *catalog.DiscountRequest) *catalog.DiscountResponse {
	t.Helper()
	resp, err := d.Evaluate(context.Background(), req)
	if err != nil {
		t.Fatalf("Evaluate() error = %v", err)
	}
	checkInvariants(t, req, resp)
	return resp
}

// checkInvariants checks what the host checks: allocations add up to each
// amount and never exceed their line or charge.
func checkInvariants(t testing.TB, req *catalog.DiscountRequest, resp *catalog.DiscountResponse) {
	t.Helper()
	left := map[string]int64{}
	for _, l := range req.Lines {
		left["l:"+l.ID] = l.Subtotal
	}
	for _, f := range req.Fulfillment {
		left["f:"+f.ID] += f.Amount
	}
	for _, a := range resp.Applied {
		var sum int64
		for _, al := range a.Allocations {
			key := "l:" + al.LineID
			if al.FulfillmentID != "" {
				key = "f:" + al.FulfillmentID
			}
			if al.Amount <= 0 {
				t.Fatalf("discount %s: allocation %+v is not positive", a.ID, al)
			}
			left[key] -= al.Amount
			if left[key] < 0 {
				t.Fatalf("discount %s: %s discounted below zero", a.ID, key)
			}
			sum += al.Amount
		}
		if sum != a.Amount {
			t.Fatalf("discount %s: allocations add up to %d, amount %d", a.ID, sum, a.Amount)
		}
	}
}

func allocations(a catalog.AppliedDiscount) map[string]int64 {
	out := map[string]int64{}
	for _, al := range a.Allocations {
		out[al.LineID+al.FulfillmentID] = al.Amount
	}
	return out
}

func TestDiscountsKinds(t *testing.T) {
	tests := []struct {
		name       string
		promo      promotion.Promotion
		wantMethod string
		wantAmount int64
		wantAllocs map[string]int64
	}{
		{"percent on items each (ACP example)", promotion.Promotion{ID: "s20", Code: "SUMMER20", Kind: promotion.KindPercentOff, PercentOff: 20, AppliesTo: promotion.AppliesToCategories, Categories: []string{"tops", "bottoms"}},
			"each", 2200, map[string]int64{"li_1": 1000, "li_2": 1200}},
		{"percent on the order", promotion.Promotion{ID: "w10", Code: "SUMMER20", Kind: promotion.KindPercentOff, PercentOff: 10, AppliesTo: promotion.AppliesToOrder},
			"", 1100, map[string]int64{"li_1": 500, "li_2": 600}},
		{"amount on the order, split by largest remainder", promotion.Promotion{ID: "a7", Code: "SUMMER20", Kind: promotion.KindAmountOff, AmountOff: 701, AppliesTo: promotion.AppliesToOrder},
			"", 701, map[string]int64{"li_1": 319, "li_2": 382}},
		{"amount on an item", promotion.Promotion{ID: "p5", Code: "SUMMER20", Kind: promotion.KindAmountOff, AmountOff: 500, AppliesTo: promotion.AppliesToItems, Items: []string{"pants"}},
			"across", 500, map[string]int64{"li_2": 500}},
		{"amount above the items is capped", promotion.Promotion{ID: "big", Code: "SUMMER20", Kind: promotion.KindAmountOff, AmountOff: 1_000_000, AppliesTo: promotion.AppliesToItems, Items: []string{"shirt"}},
			"across", 5000, map[string]int64{"li_1": 5000}},
		{"free shipping", promotion.Promotion{ID: "fs", Code: "SUMMER20", Kind: promotion.KindFreeShipping, AppliesTo: promotion.AppliesToOrder},
			"", 599, map[string]int64{"standard": 599}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := promotion.New([]promotion.Promotion{tt.promo}, nil)
			resp := evaluate(t, d, discountCart("summer20"))
			if len(resp.Applied) != 1 || len(resp.Rejected) != 0 {
				t.Fatalf("applied %+v rejected %+v, want one applied", resp.Applied, resp.Rejected)
			}
			a := resp.Applied[0]
			if a.Code != "summer20" || a.Automatic || a.Method != tt.wantMethod || a.Amount != tt.wantAmount || a.Priority != 1 {
				t.Errorf("applied = %+v, want code summer20 (as sent), method %q, amount %d", a, tt.wantMethod, tt.wantAmount)
			}
			if got := allocations(a); !equalMaps(got, tt.wantAllocs) {
				t.Errorf("allocations = %v, want %v", got, tt.wantAllocs)
			}
		})
	}
}

func equalMaps(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestDiscountsRejections(t *testing.T) {
	past, future := discountNow.Add(-time.Hour), discountNow.Add(time.Hour)
	promos := []promotion.Promotion{
		{ID: "ok", Code: "OK", Kind: promotion.KindPercentOff, PercentOff: 5, AppliesTo: promotion.AppliesToOrder, Priority: 1},
		{ID: "old", Code: "OLD", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, EndsAt: past},
		{ID: "soon", Code: "SOON", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, StartsAt: future},
		{ID: "min", Code: "MIN", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, MinSubtotal: 20000},
		{ID: "used", Code: "USED", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, MaxUses: 10},
		{ID: "solo", Code: "SOLO", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, Combinable: false, Priority: 5},
		{ID: "hats", Code: "HATS", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToItems, Items: []string{"hat"}},
	}
	usesLeft := func(_ context.Context, code string) (int64, bool, error) { return 0, code == "USED", nil }
	tests := []struct {
		codes      []string
		wantReason string
	}{
		{[]string{"NOPE"}, acp.CodeDiscountCodeInvalid},
		{[]string{"old"}, acp.CodeDiscountCodeExpired},
		{[]string{"Soon"}, acp.CodeDiscountCodeInvalid},
		{[]string{"min"}, acp.CodeDiscountCodeMinimumNotMet},
		{[]string{"used"}, acp.CodeDiscountCodeUsageLimitReached},
		{[]string{"HATS"}, acp.CodeDiscountCodeInvalid},
	}
	d := promotion.New(promos, usesLeft)
	for _, tt := range tests {
		t.Run(tt.codes[0], func(t *testing.T) {
			resp := evaluate(t, d, discountCart(append([]string{"OK"}, tt.codes...)...))
			if len(resp.Applied) != 1 || resp.Applied[0].ID != "ok" {
				t.Fatalf("applied = %+v, want only OK", resp.Applied)
			}
			if len(resp.Rejected) != 1 || resp.Rejected[0].Code != tt.codes[0] || resp.Rejected[0].Reason != tt.wantReason || resp.Rejected[0].Message == "" {
				t.Fatalf("rejected = %+v, want %s for %s with a message", resp.Rejected, tt.wantReason, tt.codes[0])
			}
		})
	}
	t.Run("already applied", func(t *testing.T) {
		resp := evaluate(t, d, discountCart("OK", "ok"))
		if len(resp.Rejected) != 1 || resp.Rejected[0].Code != "ok" || resp.Rejected[0].Reason != acp.CodeDiscountCodeAlreadyApplied {
			t.Fatalf("rejected = %+v, want ok already applied", resp.Rejected)
		}
	})
	t.Run("not combinable", func(t *testing.T) {
		resp := evaluate(t, d, discountCart("SOLO", "OK"))
		if len(resp.Rejected) != 1 || resp.Rejected[0].Code != "SOLO" || resp.Rejected[0].Reason != acp.CodeDiscountCodeCombinationDisallowed {
			t.Fatalf("rejected = %+v, want SOLO not combinable", resp.Rejected)
		}
	})
	t.Run("usage count failure", func(t *testing.T) {
		broken := promotion.New(promos, func(context.Context, string) (int64, bool, error) { return 0, false, errors.New("store down") })
		if _, err := broken.Evaluate(context.Background(), discountCart("USED")); err == nil {
			t.Fatal("Evaluate() error = nil, want the usage count's failure")
		}
	})
}

func TestDiscountsStackingAndAutomatic(t *testing.T) {
	promos := []promotion.Promotion{
		{ID: "loyal", Code: "LOYALTY5", Kind: promotion.KindAmountOff, AmountOff: 500, AppliesTo: promotion.AppliesToCategories, Categories: []string{"tops", "bottoms"}, Combinable: true, Priority: 2},
		{ID: "summer", Code: "SUMMER20", Kind: promotion.KindPercentOff, PercentOff: 20, AppliesTo: promotion.AppliesToCategories, Categories: []string{"tops", "bottoms"}, Combinable: true, Priority: 1},
		{ID: "ship", Kind: promotion.KindFreeShipping, AppliesTo: promotion.AppliesToOrder, MinSubtotal: 10000, Combinable: true, Priority: 3},
		{ID: "late", Kind: promotion.KindAmountOff, AmountOff: 1, AppliesTo: promotion.AppliesToOrder, StartsAt: discountNow.Add(time.Hour), Combinable: true},
	}
	resp := evaluate(t, promotion.New(promos, nil), discountCart("LOYALTY5", "SUMMER20"))
	if len(resp.Applied) != 3 || len(resp.Rejected) != 0 {
		t.Fatalf("applied %+v rejected %+v", resp.Applied, resp.Rejected)
	}
	summer, loyal, ship := resp.Applied[0], resp.Applied[1], resp.Applied[2]
	if summer.ID != "summer" || summer.Priority != 1 || loyal.ID != "loyal" || loyal.Priority != 2 || ship.ID != "ship" || !ship.Automatic || ship.Code != "" {
		t.Fatalf("order = %s(%d) %s(%d) %s, want summer, loyal, automatic ship", summer.ID, summer.Priority, loyal.ID, loyal.Priority, ship.ID)
	}
	// LOYALTY5 applies to what SUMMER20 left: 4000 and 4800.
	if got := allocations(loyal); !equalMaps(got, map[string]int64{"li_1": 227, "li_2": 273}) {
		t.Errorf("loyalty allocations = %v", got)
	}
}

// FuzzDiscounts evaluates random promotions over random carts: no panic,
// allocations that add up and never discount a line or charge below zero.
func FuzzDiscounts(f *testing.F) {
	f.Add(int64(5000), int64(6000), int64(599), uint8(0), 20.0, int64(500), int64(0), "SUMMER20", uint8(3))
	f.Add(int64(1), int64(0), int64(0), uint8(1), 99.99, int64(math.MaxInt64), int64(math.MaxInt64), "x", uint8(255))
	f.Add(int64(math.MaxInt64/2), int64(math.MaxInt64/2), int64(math.MaxInt64/4), uint8(2), 0.001, int64(-5), int64(-1), "", uint8(7))
	f.Fuzz(func(t *testing.T, sub1, sub2, charge int64, kind uint8, pct float64, amount, minSub int64, code string, flags uint8) {
		kinds := []string{promotion.KindPercentOff, promotion.KindAmountOff, promotion.KindFreeShipping}
		scopes := []string{promotion.AppliesToOrder, promotion.AppliesToItems, promotion.AppliesToCategories}
		var promos []promotion.Promotion
		for i := range 3 {
			p := promotion.Promotion{
				ID: string(rune('a' + i)), Kind: kinds[(int(kind)+i)%3], PercentOff: pct, AmountOff: amount,
				AppliesTo: scopes[(int(flags)>>i)%3], Items: []string{"shirt"}, Categories: []string{"bottoms"},
				MinSubtotal: minSub, Combinable: flags&(1<<i) != 0, Priority: int(flags>>4) - i,
			}
			if i != 2 {
				p.Code = code + string(rune('A'+i))
			}
			promos = append(promos, p)
		}
		req := discountCart(code+"A", code+"b", code+"B", code)
		req.Lines[0].Subtotal, req.Lines[1].Subtotal, req.Fulfillment[0].Amount = max(sub1, 0), max(sub2, 0), max(charge, 0)
		resp, err := promotion.New(promos, nil).Evaluate(context.Background(), req)
		if err != nil {
			t.Fatalf("Evaluate() error = %v", err)
		}
		checkInvariants(t, req, resp)
		if got := len(resp.Rejected) + countCoded(resp.Applied); got != len(req.Codes) {
			t.Fatalf("%d codes answered, want %d", got, len(req.Codes))
		}
	})
}

func countCoded(applied []catalog.AppliedDiscount) int {
	n := 0
	for _, a := range applied {
		if a.Code != "" {
			n++
		}
	}
	return n
}

// TestDiscountsEdges: a percentage rounds half up on the decimal the
// seller wrote (33.3 % of 500 is 166.5, so 167); a discount that takes
// nothing off rejects its code rather than spend it; a code matches in
// any case but not in another spelling whose lower case differs (what
// keys its uses) nor with spaces around it.
func TestDiscountsEdges(t *testing.T) {
	t.Parallel()
	one := func(subtotal int64, codes ...string) *catalog.DiscountRequest {
		return &catalog.DiscountRequest{Currency: "usd", Codes: codes, At: discountNow,
			Lines: []catalog.DiscountLine{{ID: "li_1", ItemID: "shirt", Quantity: 1, UnitPrice: subtotal, Subtotal: subtotal}}}
	}
	testCases := map[string]struct {
		pct      float64
		req      *catalog.DiscountRequest
		applied  int64
		rejected string
	}{
		"33.3 % of 500 rounds half up": {pct: 33.3, req: one(500, "SAVE"), applied: 167},
		"8.2 % of 250 rounds half up":  {pct: 8.2, req: one(250, "SAVE"), applied: 21},
		"1.15 % of 100 is 1":           {pct: 1.15, req: one(100, "SAVE"), applied: 1},
		"nothing to take off":          {pct: 0.7, req: one(50, "SAVE"), rejected: "discount_code_minimum_not_met"},
		"another case":                 {pct: 10, req: one(1000, "save"), applied: 100},
		"a long s is another code":     {pct: 10, req: one(1000, "\u017fave"), rejected: "discount_code_invalid"},
		"spaces around":                {pct: 10, req: one(1000, " SAVE"), rejected: "discount_code_invalid"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := promotion.New([]promotion.Promotion{{ID: "p", Code: "SAVE", Kind: promotion.KindPercentOff, PercentOff: tc.pct,
				AppliesTo: promotion.AppliesToOrder, MaxUses: 5}}, nil)
			resp := evaluate(t, d, tc.req)
			switch {
			case tc.rejected != "":
				if len(resp.Applied) != 0 || len(resp.Rejected) != 1 || resp.Rejected[0].Reason != tc.rejected {
					t.Errorf("applied %+v, rejected %+v; want the code rejected with %s", resp.Applied, resp.Rejected, tc.rejected)
				}
			case len(resp.Applied) != 1 || resp.Applied[0].Amount != tc.applied:
				t.Errorf("applied %+v, want one discount of %d", resp.Applied, tc.applied)
			}
		})
	}
}
