package promotion

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// UsesLeft reports how many uses of a usage-limited code are left
// (limited false: the code is not limited).
type UsesLeft func(ctx context.Context, code string) (left int64, limited bool, err error)

// Engine is a catalog.Discounts over a fixed list of promotions. See
// docs/discounts.md for the rules it follows.
type Engine struct {
	promotions []Promotion
	usesLeft   UsesLeft
}

// New returns the engine over promotions (checked with Check). usesLeft,
// when set, tells how many uses a limited code has left; nil treats every
// code as having uses left.
func New(promotions []Promotion, usesLeft UsesLeft) *Engine {
	return &Engine{promotions: slices.Clone(promotions), usesLeft: usesLeft}
}

// candidate is a promotion that may apply: automatic, or unlocked by the
// request's code at index code (-1 for automatic).
type candidate struct {
	p    *Promotion
	code int
}

// Interface guard.
var _ catalog.Discounts = (*Engine)(nil)

// Evaluate implements catalog.Discounts.
func (d *Engine) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	rejected := make([]*catalog.RejectedCode, len(req.Codes))
	reject := func(i int, reason, msg string, args ...any) {
		rejected[i] = &catalog.RejectedCode{Code: req.Codes[i], Reason: reason, Message: fmt.Sprintf(msg, args...)}
	}
	var cands []candidate
	for i := range d.promotions {
		p := &d.promotions[i]
		if p.Code == "" && active(p, req.At) == "" && len(covered(p, req.Lines)) > 0 && minimumMet(p, req.Lines) {
			cands = append(cands, candidate{p: p, code: -1})
		}
	}
	for i, code := range req.Codes {
		if slices.ContainsFunc(req.Codes[:i], func(c string) bool { return sameCode(c, code) }) {
			reject(i, acp.CodeDiscountCodeAlreadyApplied, "Code %q is already applied.", code)
			continue
		}
		p := d.byCode(code)
		if p == nil {
			reject(i, acp.CodeDiscountCodeInvalid, "Code %q is not a valid discount code.", code)
			continue
		}
		switch active(p, req.At) {
		case "expired":
			reject(i, acp.CodeDiscountCodeExpired, "Code %q expired on %s and could not be applied.", code, p.EndsAt.UTC().Format("January 2, 2006"))
			continue
		case "not_started":
			reject(i, acp.CodeDiscountCodeInvalid, "Code %q is not valid yet: it starts on %s.", code, p.StartsAt.UTC().Format("January 2, 2006 at 15:04 UTC"))
			continue
		}
		if len(covered(p, req.Lines)) == 0 {
			reject(i, acp.CodeDiscountCodeInvalid, "Code %q applies to none of the items in the cart.", code)
			continue
		}
		if !minimumMet(p, req.Lines) {
			reject(i, acp.CodeDiscountCodeMinimumNotMet, "Code %q needs a subtotal of at least %d (minor units) on the items it covers.", code, p.MinSubtotal)
			continue
		}
		if p.MaxUses > 0 && d.usesLeft != nil {
			left, limited, err := d.usesLeft(ctx, p.Code)
			if err != nil {
				return nil, fmt.Errorf("uses left of code %q: %w", p.Code, err)
			}
			if limited && left <= 0 {
				reject(i, acp.CodeDiscountCodeUsageLimitReached, "Code %q has reached its usage limit.", code)
				continue
			}
		}
		cands = append(cands, candidate{p: p, code: i})
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return cmp.Compare(rank(a.p), rank(b.p)) })
	st := newCartState(req)
	resp := &catalog.DiscountResponse{}
	for _, c := range cands {
		if len(resp.Applied) > 0 && (!c.p.Combinable || !allCombinable(resp.Applied, d)) {
			if c.code >= 0 {
				reject(c.code, acp.CodeDiscountCodeCombinationDisallowed, "Code %q cannot be combined with the other discounts applied.", req.Codes[c.code])
			}
			continue
		}
		ad := st.apply(c.p)
		if ad.Amount == 0 {
			// Nothing left to take off (a percentage of a few cents
			// rounding to zero, free shipping with nothing charged): a
			// code is not spent, nor a use of it held, for nothing.
			if c.code >= 0 {
				reject(c.code, acp.CodeDiscountCodeMinimumNotMet, "Code %q takes nothing off this cart.", req.Codes[c.code])
			}
			continue
		}
		ad.Priority = len(resp.Applied) + 1
		if c.code >= 0 {
			ad.Code = req.Codes[c.code]
			ad.UsageLimited = c.p.MaxUses > 0
		} else {
			ad.Automatic = true
		}
		resp.Applied = append(resp.Applied, ad)
	}
	for _, r := range rejected {
		if r != nil {
			resp.Rejected = append(resp.Rejected, *r)
		}
	}
	return resp, nil
}

// rank orders priorities: 0 (unset) after every set priority.
func rank(p *Promotion) int {
	if p.Priority <= 0 {
		return math.MaxInt
	}
	return p.Priority
}

// allCombinable reports whether every applied discount's promotion is
// combinable.
func allCombinable(applied []catalog.AppliedDiscount, d *Engine) bool {
	for _, a := range applied {
		if p := d.byID(a.ID); p == nil || !p.Combinable {
			return false
		}
	}
	return true
}

func (d *Engine) byCode(code string) *Promotion {
	for i := range d.promotions {
		if p := &d.promotions[i]; p.Code != "" && sameCode(p.Code, code) {
			return p
		}
	}
	return nil
}

// sameCode reports whether two codes are one, case aside. It compares the
// lower-case forms, as the host keys a code's uses (stock.DiscountSKU):
// every spelling that unlocks a code then holds its uses, where Unicode
// case folding (strings.EqualFold) would also match spellings whose lower
// case differs.
func sameCode(a, b string) bool {
	//lint:ignore SA6005 EqualFold matches more spellings than the lower-case key a code's uses are held under.
	return strings.ToLower(a) == strings.ToLower(b)
}

func (d *Engine) byID(id string) *Promotion {
	for i := range d.promotions {
		if d.promotions[i].ID == id {
			return &d.promotions[i]
		}
	}
	return nil
}

// active returns "" when p runs at at, else "expired" or "not_started".
func active(p *Promotion, at time.Time) string {
	switch {
	case !p.EndsAt.IsZero() && !at.Before(p.EndsAt):
		return "expired"
	case !p.StartsAt.IsZero() && at.Before(p.StartsAt):
		return "not_started"
	}
	return ""
}

// covered returns the indexes of the lines p covers.
func covered(p *Promotion, lines []catalog.DiscountLine) []int {
	var out []int
	for i, l := range lines {
		switch p.AppliesTo {
		case AppliesToItems:
			if !slices.Contains(p.Items, l.ItemID) {
				continue
			}
		case AppliesToCategories:
			if !slices.ContainsFunc(l.Categories, func(c string) bool { return slices.Contains(p.Categories, c) }) {
				continue
			}
		}
		out = append(out, i)
	}
	return out
}

// minimumMet reports whether the covered lines' subtotal before discounts
// reaches p's minimum.
func minimumMet(p *Promotion, lines []catalog.DiscountLine) bool {
	if p.MinSubtotal <= 0 {
		return true
	}
	var total int64
	for _, i := range covered(p, lines) {
		total = satAdd(total, lines[i].Subtotal)
	}
	return total >= p.MinSubtotal
}

// cartState is what is left to discount of each line and charge as the
// promotions apply in priority order.
type cartState struct {
	req     *catalog.DiscountRequest
	lines   []int64
	charges []int64
}

func newCartState(req *catalog.DiscountRequest) *cartState {
	st := &cartState{req: req, lines: make([]int64, len(req.Lines)), charges: make([]int64, len(req.Fulfillment))}
	for i, l := range req.Lines {
		st.lines[i] = max(l.Subtotal, 0)
	}
	for i, f := range req.Fulfillment {
		st.charges[i] = max(f.Amount, 0)
	}
	return st
}

// apply gives p to the cart's remaining amounts and returns the discount.
func (st *cartState) apply(p *Promotion) catalog.AppliedDiscount {
	ad := catalog.AppliedDiscount{ID: p.ID, Name: p.Name, Start: p.StartsAt, End: p.EndsAt}
	idx := covered(p, st.req.Lines)
	itemLevel := p.AppliesTo != AppliesToOrder
	var shares []int64
	switch p.Kind {
	case KindFreeShipping:
		for i, f := range st.req.Fulfillment {
			if p.AppliesTo == AppliesToOrder || slices.ContainsFunc(idx, func(j int) bool { return slices.Contains(f.LineIDs, st.req.Lines[j].ID) }) {
				ad.Allocations = appendAlloc(ad.Allocations, catalog.Allocation{FulfillmentID: f.ID, Amount: st.charges[i]})
				ad.Amount += st.charges[i] // bounded by the charges' sum
				st.charges[i] = 0
			}
		}
		ad.AmountOff = ad.Amount
		return ad
	case KindPercentOff:
		ad.PercentOff = p.PercentOff
		if itemLevel {
			ad.Method = "each"
			shares = make([]int64, len(idx))
			for k, i := range idx {
				shares[k] = percentOf(st.lines[i], p.PercentOff)
			}
			break
		}
		shares = spread(percentOf(st.sum(idx), p.PercentOff), st.pick(idx))
	case KindAmountOff:
		ad.AmountOff = p.AmountOff
		if itemLevel {
			ad.Method = "across"
		}
		shares = spread(min(max(p.AmountOff, 0), st.sum(idx)), st.pick(idx))
	}
	for k, i := range idx {
		st.lines[i] -= shares[k]
		ad.Amount += shares[k]
		ad.Allocations = appendAlloc(ad.Allocations, catalog.Allocation{LineID: st.req.Lines[i].ID, Amount: shares[k]})
	}
	return ad
}

// appendAlloc appends a, unless it is zero.
func appendAlloc(list []catalog.Allocation, a catalog.Allocation) []catalog.Allocation {
	if a.Amount == 0 {
		return list
	}
	return append(list, a)
}

func (st *cartState) pick(idx []int) []int64 {
	out := make([]int64, len(idx))
	for k, i := range idx {
		out[k] = st.lines[i]
	}
	return out
}

func (st *cartState) sum(idx []int) int64 {
	var total int64
	for _, i := range idx {
		total = satAdd(total, st.lines[i])
	}
	return total
}

// percentOf returns pct % of amount, rounded half up, never above amount.
func percentOf(amount int64, pct float64) int64 {
	if amount <= 0 || !(pct > 0) {
		return 0
	}
	if pct >= 100 {
		return amount
	}
	// The percentage as the seller wrote it (33.3, not the binary float
	// nearest to it), so that halves round up as documented.
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(pct, 'f', -1, 64))
	if !ok {
		return 0
	}
	r.Mul(r, new(big.Rat).SetInt64(amount))
	r.Quo(r, big.NewRat(100, 1))
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	return min(q.Int64(), amount)
}

// spread splits total over weights in proportion (largest remainder):
// each share is the floor of its exact part, and the units left go one
// each to the largest remainders (the earlier on a tie). The shares add
// up to total exactly, and none exceeds its weight while total does not
// exceed the weights' sum.
func spread(total int64, weights []int64) []int64 {
	shares := make([]int64, len(weights))
	var sum big.Int
	for _, w := range weights {
		sum.Add(&sum, big.NewInt(w))
	}
	if total <= 0 || sum.Sign() <= 0 {
		return shares
	}
	rems := make([]*big.Int, len(weights))
	left := total
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(total), big.NewInt(w)), &sum, new(big.Int))
		shares[i] = q.Int64()
		rems[i] = r
		left -= shares[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rems[b].Cmp(rems[a]) })
	for _, i := range order {
		if left == 0 {
			break
		}
		if rems[i].Sign() > 0 {
			shares[i]++
			left--
		}
	}
	return shares
}

// satAdd adds without overflowing.
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
