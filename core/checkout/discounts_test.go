package checkout_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

// The fixture's clock is 2026-11-27T12:00Z.
var (
	promoPast   = time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC)
	promoFuture = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

// testPromotions are the promotions of the discount tests.
var testPromotions = []promotion.Promotion{
	{ID: "welcome10", Name: "10% off", Code: "WELCOME10", Kind: promotion.KindPercentOff, PercentOff: 10, AppliesTo: promotion.AppliesToOrder, Combinable: true, Priority: 2},
	{ID: "spring5", Name: "$5 off", Code: "SPRING5", Kind: promotion.KindAmountOff, AmountOff: 500, AppliesTo: promotion.AppliesToOrder, EndsAt: promoPast},
	{ID: "winter", Name: "Winter", Code: "WINTER", Kind: promotion.KindAmountOff, AmountOff: 500, AppliesTo: promotion.AppliesToOrder, StartsAt: promoFuture},
	{ID: "big", Name: "Big", Code: "BIG", Kind: promotion.KindAmountOff, AmountOff: 500, AppliesTo: promotion.AppliesToOrder, MinSubtotal: 100000},
	{ID: "limited", Name: "Limited", Code: "LIMITED", Kind: promotion.KindAmountOff, AmountOff: 300, AppliesTo: promotion.AppliesToOrder, MaxUses: 10, Combinable: true, Priority: 3},
	{ID: "solo", Name: "Solo", Code: "SOLO", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, Priority: 9},
	{ID: "mugs20", Name: "20% off mugs", Code: "MUGS20", Kind: promotion.KindPercentOff, PercentOff: 20, AppliesTo: promotion.AppliesToItems, Items: []string{"mug"}, Combinable: true, Priority: 1},
	{ID: "shipmugs", Name: "Free mug shipping", Code: "SHIPMUGS", Kind: promotion.KindFreeShipping, AppliesTo: promotion.AppliesToItems, Items: []string{"mug"}, Combinable: true, Priority: 4},
}

// discountFixture is the engine with testPromotions; uses says how many
// uses LIMITED has left.
func discountFixture(t testing.TB, uses *atomic.Int64) *fixture {
	t.Helper()
	left := func(_ context.Context, code string) (int64, bool, error) {
		if uses == nil {
			return 0, false, nil
		}
		return uses.Load(), true, nil
	}
	return newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Discounts = promotion.New(testPromotions, left)
	})
}

func withCodes(codes ...string) checkout.CreateInput {
	return checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 2}, {ID: "ebook", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Extensions:         []string{"discount"},
		DiscountCodes:      codes,
	}
}

// checkTotals checks the totals arithmetic of model.Totals.
func checkTotals(t *testing.T, sess *model.Session) {
	t.Helper()
	var base, itemsDiscount, subtotal, tax, lineOrder int64
	for _, l := range sess.Lines {
		base += l.BaseAmount
		itemsDiscount += l.Discount
		subtotal += l.Subtotal
		tax += l.Tax
		if l.Subtotal < 0 || l.Total < 0 || l.Subtotal != l.BaseAmount-l.Discount || l.Total != l.Subtotal+l.Tax {
			t.Fatalf("line %s: base %d discount %d subtotal %d tax %d total %d; want subtotal = base - discount, total = subtotal + tax", l.ID, l.BaseAmount, l.Discount, l.Subtotal, l.Tax, l.Total)
		}
	}
	var allocated int64
	if sess.Discounts != nil {
		for _, a := range sess.Discounts.Applied {
			var sum int64
			for _, al := range a.Allocations {
				sum += al.Amount
				if al.LineID != "" && a.Method == "" {
					lineOrder += al.Amount
				}
			}
			if sum != a.Amount {
				t.Fatalf("discount %s: allocations %d, amount %d", a.ID, sum, a.Amount)
			}
			allocated += a.Amount
		}
	}
	tt := sess.Totals
	if tt.ItemsBaseAmount != base || tt.ItemsDiscount != itemsDiscount || tt.Subtotal != subtotal || tt.Discount != lineOrder+tt.FulfillmentDiscount {
		t.Fatalf("totals %+v, lines: base %d items discount %d subtotal %d order-level on lines %d", tt, base, itemsDiscount, subtotal, lineOrder)
	}
	if allocated != tt.ItemsDiscount+tt.Discount {
		t.Fatalf("discounts allocate %d, totals show %d + %d", allocated, tt.ItemsDiscount, tt.Discount)
	}
	if tt.Total != tt.Subtotal-tt.Discount+tt.Fulfillment+tt.Tax || tt.Total < 0 {
		t.Fatalf("total %d != %d - %d + %d + %d", tt.Total, tt.Subtotal, tt.Discount, tt.Fulfillment, tt.Tax)
	}
}

func TestDiscountRejectionsAreWarnings(t *testing.T) {
	t.Parallel()
	var uses atomic.Int64
	f := discountFixture(t, &uses)
	tests := []struct {
		code, reason string
	}{
		{"NOPE", acp.CodeDiscountCodeInvalid},
		{"spring5", acp.CodeDiscountCodeExpired},
		{"winter", acp.CodeDiscountCodeInvalid}, // not yet started: the nearest code
		{"BIG", acp.CodeDiscountCodeMinimumNotMet},
		{"LIMITED", acp.CodeDiscountCodeUsageLimitReached},
		{"SOLO", acp.CodeDiscountCodeCombinationDisallowed},
		{"welcome10", acp.CodeDiscountCodeAlreadyApplied},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			sess := f.create(t, withCodes("WELCOME10", tt.code))
			d := sess.Discounts
			if d == nil || !d.Negotiated || len(d.Codes) != 2 || d.Codes[1] != tt.code {
				t.Fatalf("discounts = %+v, want negotiated with the codes as sent", d)
			}
			if len(d.Applied) != 1 || d.Applied[0].Code != "WELCOME10" {
				t.Fatalf("applied = %+v, want WELCOME10", d.Applied)
			}
			if len(d.Rejected) != 1 || d.Rejected[0].Code != tt.code || d.Rejected[0].Reason != tt.reason {
				t.Fatalf("rejected = %+v, want %s %s", d.Rejected, tt.code, tt.reason)
			}
			msgs := messagesAt(sess, acp.MessageWarning, tt.reason, "$.discounts.codes[1]")
			if len(msgs) != 1 || msgs[0].Content == "" {
				t.Fatalf("messages = %+v, want one %s warning at $.discounts.codes[1]", sess.Messages, tt.reason)
			}
			if sess.Status != model.StatusReadyForPayment {
				t.Fatalf("status = %s: a rejected code must not block payment", sess.Status)
			}
			checkTotals(t, sess)
		})
	}
}

func TestOrderLevelDiscountIsTaxedAfterAllocation(t *testing.T) {
	t.Parallel()
	f := discountFixture(t, nil)
	plain := f.create(t, withCodes())
	sess := f.create(t, withCodes("welcome10"))
	checkTotals(t, sess)
	// 10 % of 3999 is 400, split 300 / 100 by largest remainder.
	a := sess.Discounts.Applied
	if len(a) != 1 || a[0].Amount != 400 || a[0].Method != "" || a[0].Code != "welcome10" {
		t.Fatalf("applied = %+v, want WELCOME10 for 400, order-level", a)
	}
	want := map[string]int64{sess.Lines[0].ID: 300, sess.Lines[1].ID: 100}
	for _, al := range a[0].Allocations {
		if want[al.LineID] != al.Amount {
			t.Fatalf("allocations = %+v, want %v", a[0].Allocations, want)
		}
	}
	if sess.Totals.Discount != 400 || sess.Totals.ItemsDiscount != 0 || sess.Totals.Subtotal != 3999 {
		t.Fatalf("totals = %+v, want discount 400 after a subtotal of 3999", sess.Totals)
	}
	for i, l := range sess.Lines {
		if l.Discount != 0 || l.Subtotal != plain.Lines[i].Subtotal {
			t.Fatalf("line %d = %+v: an order-level discount leaves the line's own discount", i, l)
		}
		if wantTax := roundPPM(l.Subtotal-want[l.ID], 72500); l.Tax != wantTax {
			t.Fatalf("line %d tax = %d, want %d (taxed after its share of the order discount)", i, l.Tax, wantTax)
		}
	}
	if sess.Totals.Total >= plain.Totals.Total-400 || sess.Totals.Fulfillment != plain.Totals.Fulfillment {
		t.Fatalf("total %d, without the code %d: want at least 400 less (tax too)", sess.Totals.Total, plain.Totals.Total)
	}
}

func TestItemLevelDiscountMovesItemsDiscount(t *testing.T) {
	t.Parallel()
	f := discountFixture(t, nil)
	sess := f.create(t, withCodes("MUGS20", "WELCOME10"))
	checkTotals(t, sess)
	d := sess.Discounts.Applied
	if len(d) != 2 || d[0].ID != "mugs20" || d[0].Method != "each" || d[0].Amount != 600 || d[1].ID != "welcome10" {
		t.Fatalf("applied = %+v, want MUGS20 (each, 600) then WELCOME10", d)
	}
	// WELCOME10 applies after MUGS20: 10 % of 2400 + 999.
	if d[1].Amount != 340 {
		t.Fatalf("WELCOME10 = %d, want 340 on what MUGS20 left", d[1].Amount)
	}
	mug := sess.Lines[0]
	if mug.Discount != 600 || mug.Subtotal != 2400 || sess.Totals.ItemsDiscount != 600 || sess.Totals.Subtotal != 2400+999 || sess.Totals.Discount != 340 {
		t.Fatalf("mug %+v totals %+v", mug, sess.Totals)
	}
}

func TestFreeShippingPerCharge(t *testing.T) {
	t.Parallel()
	f := discountFixture(t, nil)
	plain := f.create(t, withCodes())
	sess := f.create(t, withCodes("shipmugs"))
	checkTotals(t, sess)
	a := sess.Discounts.Applied
	if len(a) != 1 || len(a[0].Allocations) != 1 || a[0].Allocations[0].OptionID != "standard" || a[0].Amount != 500 {
		t.Fatalf("applied = %+v, want the standard charge (500) only: the ebook's email option carries no mug", a)
	}
	tt := sess.Totals
	if tt.Fulfillment != 500 || tt.FulfillmentDiscount != 500 || tt.Discount != 500 {
		t.Fatalf("totals = %+v, want fulfillment 500 shown, all of it discounted", tt)
	}
	// Shipping is taxable in the fixture: its tax is on the charge after
	// the discount, here nothing.
	if wantTax := plain.Totals.Tax - roundPPM(500, 72500); tt.Tax != wantTax {
		t.Fatalf("tax = %d, want %d (no tax on free shipping)", tt.Tax, wantTax)
	}
	if tt.Total != plain.Totals.Total-500-roundPPM(500, 72500) {
		t.Fatalf("total = %d, without the code %d", tt.Total, plain.Totals.Total)
	}
}

func TestDiscountCodesNeedTheExtension(t *testing.T) {
	t.Parallel()
	auto := append([]promotion.Promotion{{ID: "auto", Name: "Auto", Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, Combinable: true, Priority: 1}}, testPromotions...)
	f := newFixtureWith(t, func(o *checkout.Options) { o.Capabilities.Discounts = promotion.New(auto, nil) })
	in := withCodes("WELCOME10")
	in.Extensions = nil
	sess := f.create(t, in)
	d := sess.Discounts
	if d == nil || d.Negotiated || len(d.Codes) != 0 || len(d.Applied) != 1 || !d.Applied[0].Automatic || len(d.Rejected) != 0 {
		t.Fatalf("discounts = %+v, want the automatic promotion only, codes unused", d)
	}
	checkTotals(t, sess)
	if got := messagesAt(sess, acp.MessageInfo, "", "$.discounts"); len(got) != 1 || !strings.Contains(got[0].Content, `list "discount" in capabilities.extensions`) {
		t.Errorf("codes without the extension: notices %+v, want one at $.discounts naming the extension", got)
	}
	again, err := f.svc.Update(context.Background(), "agent", sess.ID, checkout.UpdateInput{DiscountCodes: optional.Of([]string{"WELCOME10"})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := messagesAt(again, acp.MessageInfo, "", "$.discounts"); len(got) != 1 || len(again.Notices) != 1 {
		t.Errorf("codes sent again: notices %+v (kept %+v), want the one notice, not a second", got, again.Notices)
	}

	old, err := f.svc.Create(context.Background(), "agent", "2025-12-12", withCodes("WELCOME10"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := old.Discounts; d == nil || d.Negotiated || len(d.Codes) != 0 || len(d.Applied) != 1 || !d.Applied[0].Automatic {
		t.Fatalf("before 2026-01-30: discounts = %+v, want the automatic promotion only", d)
	}
	if got := messagesAt(old, acp.MessageInfo, "", "$.discounts"); len(got) != 0 {
		t.Errorf("before 2026-01-30: notices %+v, want none (no codes in that version)", got)
	}

	sess = f.create(t, withCodes("WELCOME10"))
	if len(sess.Discounts.Applied) != 2 {
		t.Fatalf("applied = %+v, want the automatic promotion and WELCOME10", sess.Discounts.Applied)
	}
	ctx := context.Background()
	got, err := f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{DiscountCodes: optional.Of([]string{"nope"})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Discounts.Codes) != 1 || len(got.Discounts.Applied) != 1 || len(got.Discounts.Rejected) != 1 || len(messagesAt(got, acp.MessageWarning, acp.CodeDiscountCodeInvalid, "$.discounts.codes[0]")) != 1 {
		t.Fatalf("after replacing the codes: %+v %+v", got.Discounts, got.Messages)
	}
	got, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{DiscountCodes: optional.Of([]string{})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Discounts.Negotiated || len(got.Discounts.Codes) != 0 || len(got.Discounts.Rejected) != 0 || len(messagesAt(got, acp.MessageWarning, "", "$.discounts.codes[0]")) != 0 {
		t.Fatalf("after clearing the codes: %+v", got.Discounts)
	}
}

func TestCompleteKeepsDiscountsAndRepricesALimitedCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var uses atomic.Int64
	uses.Store(1)
	f := discountFixture(t, &uses)
	sess := f.create(t, withCodes("LIMITED"))
	if len(sess.Discounts.Applied) != 1 || !sess.Discounts.Applied[0].UsageLimited {
		t.Fatalf("applied = %+v, want LIMITED, usage-limited", sess.Discounts.Applied)
	}
	uses.Store(0) // another order took the last use
	got, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil {
		t.Fatalf("Complete() error = %v", err)
	}
	if got.Order != nil || got.Payment != nil || len(messagesAt(got, "", acp.CodePriceChange, "$.totals")) != 1 ||
		len(messagesAt(got, acp.MessageWarning, acp.CodeDiscountCodeUsageLimitReached, "$.discounts.codes[0]")) != 1 {
		t.Fatalf("complete = %s %+v, want a price_change and the code rejected, nothing charged", got.Status, got.Messages)
	}

	second := f.create(t, withCodes("WELCOME10"))
	got, err = f.svc.Complete(ctx, "agent", second.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil {
		t.Fatalf("Complete() error = %v", err)
	}
	if got.Status != model.StatusCompleted || got.Order == nil || len(got.Order.Discounts) != 1 || got.Order.Discounts[0].Amount != 400 || got.Order.Totals.Discount != 400 {
		t.Fatalf("completed = %s order %+v, want the order to keep WELCOME10", got.Status, got.Order)
	}
	if got.Payment.Amount != second.Totals.Total {
		t.Fatalf("charged %d, want the discounted total %d", got.Payment.Amount, second.Totals.Total)
	}
}

// brokenDiscounts answers with what the host must refuse.
type brokenDiscounts struct {
	resp func(req *catalog.DiscountRequest) *catalog.DiscountResponse
}

func (b brokenDiscounts) Evaluate(_ context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	return b.resp(req), nil
}

func TestBrokenDiscountAnswersFail(t *testing.T) {
	t.Parallel()
	line := func(req *catalog.DiscountRequest) string { return req.Lines[0].ID }
	tests := map[string]func(req *catalog.DiscountRequest) *catalog.DiscountResponse{
		"allocations do not add up": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Applied: []catalog.AppliedDiscount{{ID: "d", Automatic: true, Amount: 10, Allocations: []catalog.Allocation{{LineID: line(req), Amount: 9}}}}}
		},
		"above the line": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Applied: []catalog.AppliedDiscount{{ID: "d", Automatic: true, Amount: 1_000_000, Allocations: []catalog.Allocation{{LineID: line(req), Amount: 1_000_000}}}}}
		},
		"unknown line": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Applied: []catalog.AppliedDiscount{{ID: "d", Automatic: true, Amount: 1, Allocations: []catalog.Allocation{{LineID: "li_nope", Amount: 1}}}}}
		},
		"code not answered": func(req *catalog.DiscountRequest) *catalog.DiscountResponse { return &catalog.DiscountResponse{} },
		"code not requested": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Rejected: []catalog.RejectedCode{{Code: "WELCOME10", Reason: acp.CodeDiscountCodeInvalid}, {Code: "OTHER", Reason: acp.CodeDiscountCodeInvalid}}}
		},
		"reason not a discount code": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Rejected: []catalog.RejectedCode{{Code: "WELCOME10", Reason: "nope"}}}
		},
		"unknown discount reason": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Rejected: []catalog.RejectedCode{{Code: "WELCOME10", Reason: "discount_code_sold_out"}}}
		},
		"automatic with a code": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Applied: []catalog.AppliedDiscount{{ID: "d", Code: "WELCOME10", Automatic: true}}}
		},
		"unknown method": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Applied: []catalog.AppliedDiscount{{ID: "d", Code: "WELCOME10", Method: "some"}}}
		},
		"allocation to an unknown charge": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Applied: []catalog.AppliedDiscount{{ID: "d", Code: "WELCOME10", Amount: 1, Allocations: []catalog.Allocation{{FulfillmentID: "nope", Amount: 1}}}}}
		},
		"negative allocation": func(req *catalog.DiscountRequest) *catalog.DiscountResponse {
			return &catalog.DiscountResponse{Rejected: []catalog.RejectedCode{{Code: "WELCOME10", Reason: acp.CodeDiscountCodeInvalid}},
				Applied: []catalog.AppliedDiscount{{ID: "d", Automatic: true, Amount: 0, Allocations: []catalog.Allocation{{LineID: line(req), Amount: -5}, {LineID: line(req), Amount: 5}}}}}
		},
	}
	for name, resp := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureWith(t, func(o *checkout.Options) { o.Capabilities.Discounts = brokenDiscounts{resp} })
			_, err := f.svc.Create(context.Background(), "agent", "2026-04-17", withCodes("WELCOME10"), nil)
			ae := apiError(t, err)
			if ae.Status != http.StatusServiceUnavailable || ae.Code != apierr.CodeUpstreamUnavailable {
				t.Fatalf("error = %d %s, want 503 %s", ae.Status, ae.Code, apierr.CodeUpstreamUnavailable)
			}
		})
	}
}

// FuzzDiscountedSession prices random carts with random codes against the
// test promotions: no error, no negative line, the totals' arithmetic.
func FuzzDiscountedSession(f *testing.F) {
	f.Add(uint8(2), uint8(1), "WELCOME10", "mugs20", "SHIPMUGS")
	f.Add(uint8(0), uint8(9), "limited", "solo", "")
	f.Add(uint8(200), uint8(0), "\x00", "welcome10", "WELCOME10")
	fx := discountFixture(f, nil)
	f.Fuzz(func(t *testing.T, mugs, ebooks uint8, c1, c2, c3 string) {
		var items []checkout.ItemInput
		if mugs%11 > 0 {
			items = append(items, checkout.ItemInput{ID: "mug", Quantity: int64(mugs % 11)})
		}
		if ebooks > 0 {
			items = append(items, checkout.ItemInput{ID: "ebook", Quantity: int64(ebooks)})
		}
		if len(items) == 0 {
			return
		}
		in := withCodes(c1, c2, c3)
		in.Items = items
		sess, err := fx.svc.Create(context.Background(), "agent", "2026-04-17", in, nil)
		if err != nil {
			t.Fatalf("Create() error = %v", err)
		}
		checkTotals(t, sess)
		if n := len(sess.Discounts.Rejected) + coded(sess.Discounts.Applied); n != 3 {
			t.Fatalf("%d codes answered, want 3: %+v", n, sess.Discounts)
		}
	})
}

func coded(list []model.AppliedDiscount) int {
	n := 0
	for _, a := range list {
		if a.Code != "" {
			n++
		}
	}
	return n
}

// TestDiscountsPerGroup splits the cart in two groups taxed at different
// destinations: free shipping frees only the group carrying the mug, and
// each group is taxed on its lines after their share of the order
// discount and on its charge after free shipping.
func TestDiscountsPerGroup(t *testing.T) {
	t.Parallel()
	f := discountFixture(t, nil)
	in := withCodes("SHIPMUGS", "WELCOME10")
	in.Items = []checkout.ItemInput{{ID: "mug", Quantity: 2}, {ID: "tee", Quantity: 1}}
	in.Groups = []checkout.GroupInput{
		{ID: "g1", ItemIDs: []string{"li_mug"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: address("US", "NY")}},
		{ID: "g2", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping},
	}
	sess := f.create(t, in)
	checkTotals(t, sess)
	var ship, welcome *model.AppliedDiscount
	for i, a := range sess.Discounts.Applied {
		switch a.ID {
		case "shipmugs":
			ship = &sess.Discounts.Applied[i]
		case "welcome10":
			welcome = &sess.Discounts.Applied[i]
		}
	}
	if ship == nil || welcome == nil || len(sess.Discounts.Rejected) != 0 {
		t.Fatalf("discounts = %+v, want both applied", sess.Discounts)
	}
	if len(ship.Allocations) != 1 || ship.Allocations[0].OptionID != "g1/standard" || ship.Amount != 500 {
		t.Fatalf("free shipping = %+v, want g1/standard's 500 only", ship.Allocations)
	}
	// 10 % of 3000 + 2001 = 500 (500.1 rounded), split 300 / 200.
	share := map[string]int64{}
	for _, al := range welcome.Allocations {
		share[al.LineID] = al.Amount
	}
	if welcome.Amount != 500 || share["li_mug"] != 300 || share["li_tee"] != 200 {
		t.Fatalf("WELCOME10 = %d %v, want 500 split 300 / 200", welcome.Amount, share)
	}
	wantTax := roundPPM(3000-300, 40000) + roundPPM(2001-200, 72500) + roundPPM(500, 72500) // g1's charge is free
	if sess.Totals.Tax != wantTax || sess.Totals.Fulfillment != 1000 || sess.Totals.FulfillmentDiscount != 500 || sess.Totals.Discount != 1000 {
		t.Fatalf("totals = %+v, want tax %d, fulfillment 1000 with 500 off, discount 1000", sess.Totals, wantTax)
	}
}

// TestDiscountCodesWithoutDiscounts: a seller with no discounts
// capability tells the agent once that the codes it sends (create or
// update) are not applied; a session without codes is told nothing.
func TestDiscountCodesWithoutDiscounts(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, func(o *checkout.Options) { o.Capabilities.Discounts = nil })
	plain := withCodes()
	sess := f.create(t, plain)
	if len(messagesAt(sess, acp.MessageInfo, "", "$.discounts")) != 0 || sess.Discounts != nil {
		t.Fatalf("no codes: discounts %+v, messages %+v; want neither", sess.Discounts, sess.Messages)
	}
	got, err := f.svc.Update(context.Background(), "agent", sess.ID, checkout.UpdateInput{DiscountCodes: optional.Of([]string{"WELCOME10"})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := messagesAt(got, acp.MessageInfo, "", "$.discounts"); len(n) != 1 || !strings.Contains(n[0].Content, "offers no discounts") {
		t.Errorf("codes to a seller without discounts: notices %+v, want one saying so", n)
	}
	if got.Discounts != nil {
		t.Errorf("discounts = %+v, want none", got.Discounts)
	}
}
