package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// DiscountRejectReasons are the reasons a RejectedCode may give: ACP's
// discount code errors.
var DiscountRejectReasons = []string{
	acp.CodeDiscountCodeExpired, acp.CodeDiscountCodeInvalid, acp.CodeDiscountCodeAlreadyApplied,
	acp.CodeDiscountCodeCombinationDisallowed, acp.CodeDiscountCodeMinimumNotMet,
	acp.CodeDiscountCodeUserNotLoggedIn, acp.CodeDiscountCodeUserIneligible,
	acp.CodeDiscountCodeUsageLimitReached,
}

// Discount methods (AppliedDiscount.Method).
const (
	// MethodEach applies the amount off to each line it covers.
	MethodEach = "each"
	// MethodAcross splits the amount across the lines it covers.
	MethodAcross = "across"
)

// CheckDiscounts reports every way resp breaks the rules of an answer to
// req (CheckDiscountCodes and CheckDiscountAllocations), joined in one
// error; nil when it keeps them all. The host refuses an answer it fails;
// acptest holds plugins to the same rules.
func CheckDiscounts(req *DiscountRequest, resp *DiscountResponse) error {
	return errors.Join(CheckDiscountCodes(req, resp), CheckDiscountAllocations(req, resp))
}

// CheckDiscountCodes reports an answer whose codes do not account for the
// request's: every code given is applied or rejected, not both and not
// twice (codes match case-insensitively; a code given twice is
// accounted for twice, e.g. rejected as already applied); no discount or rejection names a
// code not given; a discount has a code unless it is automatic, and an id;
// a rejection gives one of DiscountRejectReasons.
func CheckDiscountCodes(req *DiscountRequest, resp *DiscountResponse) error {
	var faults []error
	given := map[string]int{} // folded code: times the request gives it
	for _, c := range req.Codes {
		given[strings.ToLower(c)]++
	}
	accounted := map[string]int{}
	account := func(code, what string) {
		folded := strings.ToLower(code)
		accounted[folded]++
		switch {
		case given[folded] == 0:
			faults = append(faults, fmt.Errorf("%s names code %q, which the request does not give", what, code))
		case accounted[folded] > given[folded]:
			faults = append(faults, fmt.Errorf("code %q is accounted for more often than the request gives it (again by %s)", code, what))
		}
	}
	for i, d := range resp.Applied {
		what := fmt.Sprintf("applied discount %d (%q)", i, d.ID)
		if d.ID == "" {
			faults = append(faults, fmt.Errorf("applied discount %d has no id", i))
		}
		switch {
		case d.Automatic && d.Code != "":
			faults = append(faults, fmt.Errorf("%s is automatic but names code %q", what, d.Code))
		case !d.Automatic && d.Code == "":
			faults = append(faults, fmt.Errorf("%s has no code and is not automatic", what))
		case d.Code != "":
			account(d.Code, what)
		}
		if d.Method != "" && d.Method != MethodEach && d.Method != MethodAcross {
			faults = append(faults, fmt.Errorf("%s has method %q, not %q or %q", what, d.Method, MethodEach, MethodAcross))
		}
	}
	for i, r := range resp.Rejected {
		what := fmt.Sprintf("rejection %d", i)
		account(r.Code, what)
		if !slices.Contains(DiscountRejectReasons, r.Reason) {
			faults = append(faults, fmt.Errorf("%s of code %q gives reason %q, not one of %v", what, r.Code, r.Reason, DiscountRejectReasons))
		}
	}
	for _, c := range req.Codes {
		folded := strings.ToLower(c)
		if accounted[folded] < given[folded] {
			faults = append(faults, fmt.Errorf("code %q is neither applied nor rejected", c))
			accounted[folded] = given[folded] // once per code
		}
	}
	return errors.Join(faults...)
}

// CheckDiscountAllocations reports an answer whose amounts do not add up:
// a negative amount; allocations that do not sum to their discount's
// amount; an allocation naming no target, both a line and a fulfillment
// charge, or one not in the request; and lines or fulfillment charges
// discounted, over every discount, by more than their price.
func CheckDiscountAllocations(req *DiscountRequest, resp *DiscountResponse) error {
	var faults []error
	lineLeft := map[string]int64{}
	for _, l := range req.Lines {
		lineLeft[l.ID] = l.Subtotal
	}
	chargeLeft := map[string]int64{}
	for _, f := range req.Fulfillment {
		chargeLeft[f.ID] = f.Amount
	}
	take := func(left map[string]int64, kind, id string, amount int64, what string) {
		rest, ok := left[id]
		if !ok {
			faults = append(faults, fmt.Errorf("%s names %s %q, which the request does not have", what, kind, id))
			return
		}
		if amount > rest {
			faults = append(faults, fmt.Errorf("%s gives %d off %s %q, which has %d left to discount", what, amount, kind, id, rest))
		}
		left[id] = rest - amount
	}
	for i, d := range resp.Applied {
		what := fmt.Sprintf("applied discount %d (%q)", i, d.ID)
		if d.Amount < 0 || d.AmountOff < 0 || !(d.PercentOff >= 0 && d.PercentOff <= 100) {
			faults = append(faults, fmt.Errorf("%s has a negative amount or a percent off outside 0-100", what))
		}
		var sum int64
		for j, a := range d.Allocations {
			awhat := fmt.Sprintf("%s allocation %d", what, j)
			sum += a.Amount
			switch {
			case a.Amount < 0:
				faults = append(faults, fmt.Errorf("%s is negative (%d)", awhat, a.Amount))
			case (a.LineID == "") == (a.FulfillmentID == ""):
				faults = append(faults, fmt.Errorf("%s names %q and %q: exactly one of a line and a fulfillment charge", awhat, a.LineID, a.FulfillmentID))
			case a.LineID != "":
				take(lineLeft, "line", a.LineID, a.Amount, awhat)
			default:
				take(chargeLeft, "fulfillment charge", a.FulfillmentID, a.Amount, awhat)
			}
		}
		if sum != d.Amount {
			faults = append(faults, fmt.Errorf("%s has amount %d but its allocations add up to %d", what, d.Amount, sum))
		}
	}
	return errors.Join(faults...)
}
