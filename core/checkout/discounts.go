package checkout

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// Discounts (ACP's discount extension, docs/discounts.md). The agent's
// codes count only when the discount extension is negotiated (the agent
// lists "discount" in capabilities.extensions, 2026-01-30 and later, and
// the seller has discounts); automatic promotions apply in every version.
// A discount with a Method ("each", "across") is item-level: its line
// allocations make the lines' Discount and ItemsDiscount. One without a
// Method is order-level: Totals.Discount, still allocated to lines (and
// fulfillment charges) before tax. Allocations to fulfillment charges are
// always order-level (Totals.FulfillmentDiscount).

// discountExtension is the extension name agents list.
const discountExtension = "discount"

// firstDiscountVersion is the first API version with the discount
// extension; versions compare as their dates (and "unreleased" after
// them).
const firstDiscountVersion = "2026-01-30"

// newDiscounts returns a new session's discounts: negotiated when the
// agent listed the extension under a version that has it and the seller
// has discounts.
func (s *Service) newDiscounts(version string, in CreateInput) *model.Discounts {
	if s.opts.Capabilities.Discounts == nil || version < firstDiscountVersion || !slices.Contains(in.Extensions, discountExtension) {
		return nil
	}
	return &model.Discounts{Negotiated: true, Codes: slices.Clone(in.DiscountCodes)}
}

// setDiscountCodes replaces the session's codes (nil or empty clears
// them). Without the extension negotiated the codes are not used.
func setDiscountCodes(sess *model.Session, codes []string) {
	if sess.Discounts == nil || !sess.Discounts.Negotiated {
		return
	}
	sess.Discounts.Codes = slices.Clone(codes)
}

// applyDiscounts asks the discounts capability for the cart's discounts,
// checks the answer and applies it to the lines; applyTax then makes the
// totals. It runs after the fulfillment options are selected and priced,
// before tax.
func (s *Service) applyDiscounts(ctx context.Context, sess *model.Session) error {
	var codes []string
	negotiated := sess.Discounts != nil && sess.Discounts.Negotiated
	if negotiated {
		codes = sess.Discounts.Codes
	}
	resp, err := s.evaluateDiscounts(ctx, sess, codes)
	if err != nil {
		return err
	}
	out := &model.Discounts{Negotiated: negotiated, Codes: codes}
	for _, a := range resp.Applied {
		md := model.AppliedDiscount{
			ID: a.ID, Code: a.Code, Automatic: a.Automatic, Name: a.Name, PercentOff: a.PercentOff, AmountOff: a.AmountOff,
			Method: a.Method, Priority: a.Priority, Start: timePtr(a.Start), End: timePtr(a.End), Amount: a.Amount, UsageLimited: a.UsageLimited,
		}
		for _, al := range a.Allocations {
			md.Allocations = append(md.Allocations, model.DiscountAllocation{LineID: al.LineID, OptionID: al.FulfillmentID, Amount: al.Amount})
			if al.LineID != "" && a.Method != "" {
				l := lineByID(sess.Lines, al.LineID)
				l.Discount += al.Amount
				l.Subtotal -= al.Amount
			}
		}
		out.Applied = append(out.Applied, md)
	}
	taken := make([]bool, len(codes))
	for _, r := range resp.Rejected {
		out.Rejected = append(out.Rejected, model.RejectedDiscount{Code: r.Code, Reason: r.Reason, Message: r.Message})
		i := takeCode(codes, taken, r.Code)
		sess.Messages = append(sess.Messages, acp.Message{
			Type: acp.MessageWarning, Code: r.Reason, Param: fmt.Sprintf("$.discounts.codes[%d]", i),
			Content: cmp.Or(r.Message, fmt.Sprintf("Code %q could not be applied.", r.Code)), Resolution: acp.ResolutionRecoverable,
		})
	}
	sess.Messages = append(sess.Messages, resp.Messages...)
	sess.Discounts = out
	if !negotiated && len(out.Applied) == 0 {
		sess.Discounts = nil
	}
	return nil
}

// evaluateDiscounts calls the capability and checks its answer; a broken
// answer fails as the catalog's failure would.
// Codes whose attempt's hold found no use left (codeSpent) are not asked
// about: they are rejected as used up whatever the capability's own count
// says.
func (s *Service) evaluateDiscounts(ctx context.Context, sess *model.Session, codes []string) (*catalog.DiscountResponse, error) {
	asked, spent := splitSpentCodes(ctx, codes)
	resp, err := s.askDiscounts(ctx, sess, asked)
	if err != nil {
		return nil, err
	}
	for _, c := range spent {
		resp.Rejected = append(resp.Rejected, catalog.RejectedCode{Code: c, Reason: acp.CodeDiscountCodeUsageLimitReached, Message: spentMessage(c)})
	}
	return resp, nil
}

// splitSpentCodes separates the codes spent under ctx (codeSpent) from
// those the capability is asked about.
func splitSpentCodes(ctx context.Context, codes []string) (asked, spent []string) {
	for _, c := range codes {
		if codeSpent(ctx, c) {
			spent = append(spent, c)
			continue
		}
		asked = append(asked, c)
	}
	return asked, spent
}

// askDiscounts calls the capability about codes and checks its answer.
func (s *Service) askDiscounts(ctx context.Context, sess *model.Session, codes []string) (*catalog.DiscountResponse, error) {
	req := discountRequest(sess, codes, s.now().UTC())
	provider := s.opts.Capabilities.Discounts
	if provider == nil {
		return notOffered(codes), nil
	}
	resp, err := provider.Evaluate(ctx, req)
	if errors.Is(err, acp.ErrNotOffered) {
		return notOffered(codes), nil
	}
	if err != nil {
		return nil, capabilityFailure("catalog", fmt.Errorf("discounts: %w", err))
	}
	if err := catalog.CheckDiscounts(req, resp); err != nil {
		return nil, capabilityFailure("catalog", fmt.Errorf("discounts: %w", err))
	}
	return resp, nil
}

// notOffered rejects every code as unknown.
func notOffered(codes []string) *catalog.DiscountResponse {
	resp := &catalog.DiscountResponse{}
	for _, c := range codes {
		resp.Rejected = append(resp.Rejected, catalog.RejectedCode{Code: c, Reason: acp.CodeDiscountCodeInvalid, Message: fmt.Sprintf("Code %q is not a valid discount code.", c)})
	}
	return resp
}

// discountRequest is the cart as the discounts capability sees it: the
// found lines before discounts and the selected fulfillment charges (one
// per selected option).
func discountRequest(sess *model.Session, codes []string, at time.Time) *catalog.DiscountRequest {
	req := &catalog.DiscountRequest{Currency: sess.Currency, Codes: slices.Clone(codes), At: at}
	for _, l := range sess.Lines {
		if !l.Found {
			continue
		}
		req.Lines = append(req.Lines, catalog.DiscountLine{
			ID: l.ID, ItemID: l.ItemID, ProductID: l.ProductID, Categories: l.Categories,
			Quantity: l.Quantity, UnitPrice: l.UnitAmount, Subtotal: l.Subtotal,
		})
	}
	for _, sel := range sess.Selected {
		k := slices.IndexFunc(req.Fulfillment, func(f catalog.FulfillmentCharge) bool { return f.ID == sel.OptionID })
		if k < 0 {
			req.Fulfillment = append(req.Fulfillment, catalog.FulfillmentCharge{ID: sel.OptionID})
			k = len(req.Fulfillment) - 1
		}
		f := &req.Fulfillment[k]
		f.LineIDs = append(f.LineIDs, sel.LineIDs...)
		f.Amount += sel.Amount // bounded: applyTax refuses totals that overflow
	}
	return req
}

// takeCode marks and returns the index of the first code not yet taken
// that matches code (case-insensitively, preferring an exact match), or
// -1.
func takeCode(codes []string, taken []bool, code string) int {
	for _, exact := range []bool{true, false} {
		for i, c := range codes {
			if !taken[i] && (c == code || (!exact && strings.EqualFold(c, code))) {
				taken[i] = true
				return i
			}
		}
	}
	return -1
}

// orderLevelShares returns what order-level discounts take off each line
// and each selected option's charge: the amounts tax is quoted after.
func orderLevelShares(sess *model.Session) (lines, options map[string]int64) {
	lines, options = map[string]int64{}, map[string]int64{}
	if sess.Discounts == nil {
		return lines, options
	}
	for _, a := range sess.Discounts.Applied {
		for _, al := range a.Allocations {
			switch {
			case al.OptionID != "":
				options[al.OptionID] += al.Amount
			case a.Method == "":
				lines[al.LineID] += al.Amount
			}
		}
	}
	return lines, options
}

// chargeAfterDiscount returns what is left of a selection's charge once
// options (the order-level shares not yet used) take their part; an
// option selected twice uses its share once.
func chargeAfterDiscount(options map[string]int64, sel model.SelectedOption) int64 {
	off := min(options[sel.OptionID], sel.Amount)
	options[sel.OptionID] -= off
	return sel.Amount - off
}

func lineByID(lines []model.Line, id string) *model.Line {
	for i := range lines {
		if lines[i].ID == id {
			return &lines[i]
		}
	}
	return nil
}

// unusedCodes is the notice for discount codes an agent sends (create or
// update) that the session does not use: the discount extension was not
// negotiated on create, or the seller has no discounts at all. The agent
// is told once per session (notify), so codes are never dropped without a
// word.
func (s *Service) unusedCodes(sess *model.Session, codes []string) []Notice {
	if len(codes) == 0 || (sess.Discounts != nil && sess.Discounts.Negotiated) {
		return nil
	}
	msg := "Discount codes apply through ACP's discount extension: list \"discount\" in capabilities.extensions when creating the session; these codes were not applied."
	if s.opts.Capabilities.Discounts == nil {
		msg = "This seller offers no discounts; these codes were not applied."
	}
	return []Notice{{Param: "$.discounts", Also: []string{"$.discounts.codes", "$.coupons"}, Message: msg}}
}

// orderDiscounts are the session's applied discounts as the order system
// receives them (PlaceOrderRequest.Discounts); nil when none.
func orderDiscounts(sess *model.Session) []fulfillment.Discount {
	if sess.Discounts == nil {
		return nil
	}
	var out []fulfillment.Discount
	for _, a := range sess.Discounts.Applied {
		d := fulfillment.Discount{ID: a.ID, Code: a.Code, Name: a.Name, Automatic: a.Automatic, Amount: a.Amount}
		for _, al := range a.Allocations {
			d.Allocations = append(d.Allocations, fulfillment.DiscountAllocation{LineID: al.LineID, OptionID: al.OptionID, Amount: al.Amount})
		}
		out = append(out, d)
	}
	return out
}

// PathAllocation is one share of an applied discount placed in a
// checkout response: Path is the RFC 9535 JSONPath of what it is given to,
// Amount the share in minor units.
type PathAllocation struct {
	Path   string
	Amount int64
}

// AllocationPaths places a's allocations in a response whose line_items
// are lines, as both protocols' discount extensions do: an allocation to a
// line is at $.line_items[i]; those to fulfillment options are merged into
// one allocation at fulfillmentPath, where the first of them stands. An
// allocation to a line the session does not have is left out.
func AllocationPaths(a model.AppliedDiscount, lines []model.Line, fulfillmentPath string) []PathAllocation {
	index := make(map[string]int, len(lines))
	for i, l := range lines {
		index[l.ID] = i
	}
	var out []PathAllocation
	fulfillment := -1
	for _, al := range a.Allocations {
		if al.OptionID != "" {
			if fulfillment < 0 {
				fulfillment = len(out)
				out = append(out, PathAllocation{Path: fulfillmentPath})
			}
			out[fulfillment].Amount += al.Amount
			continue
		}
		if i, ok := index[al.LineID]; ok {
			out = append(out, PathAllocation{Path: fmt.Sprintf("$.line_items[%d]", i), Amount: al.Amount})
		}
	}
	return out
}
