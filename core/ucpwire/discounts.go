package ucpwire

import (
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
)

// discountsJSON is the discount extension's discounts member.
type discountsJSON struct {
	Codes   []string              `json:"codes"`
	Applied []appliedDiscountJSON `json:"applied"`
}

type appliedDiscountJSON struct {
	Code        string           `json:"code,omitempty"`
	Title       string           `json:"title"`
	Amount      int64            `json:"amount"`
	Automatic   bool             `json:"automatic,omitempty"`
	Method      string           `json:"method,omitempty"`
	Priority    int              `json:"priority,omitempty"`
	Allocations []allocationJSON `json:"allocations,omitempty"`
}

type allocationJSON struct {
	Path   string `json:"path"`
	Amount int64  `json:"amount"`
}

// fulfillmentAllocation is the path of a discount's share of the
// fulfillment charges (discount.md, "Allocations Array").
const fulfillmentAllocation = "$.totals.shipping"

// discounts encodes the session's codes and applied discounts: each with
// its title (its name, else its code), amount, method (each or across)
// and allocations to line items ($.line_items[i]) and, merged, to the
// fulfillment charges. An order-level discount (one without a method)
// counts in totals[type=discount], which discount.md reserves for
// discounts without allocations or allocated to shipping only: its
// allocations are shown only when none of them is to a line item (the
// engine's shares of the lines are for tax). Rejected codes are the
// engine's warnings at $.discounts.codes[i].
func discounts(s *model.Session) *discountsJSON {
	out := &discountsJSON{Codes: []string{}, Applied: []appliedDiscountJSON{}}
	if s.Discounts == nil {
		return out
	}
	out.Codes = append(out.Codes, s.Discounts.Codes...)
	for _, a := range s.Discounts.Applied {
		d := appliedDiscountJSON{Code: a.Code, Title: a.Name, Amount: a.Amount, Automatic: a.Automatic || a.Code == "", Priority: max(a.Priority, 0)}
		if d.Title == "" {
			d.Title = a.Code
		}
		if a.Method == "each" || a.Method == "across" {
			d.Method = a.Method
		}
		for _, al := range checkout.AllocationPaths(a, s.Lines, fulfillmentAllocation) {
			if d.Method == "" && al.Path != fulfillmentAllocation {
				d.Allocations = nil
				break
			}
			d.Allocations = append(d.Allocations, allocationJSON(al))
		}
		out.Applied = append(out.Applied, d)
	}
	return out
}
