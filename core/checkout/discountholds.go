package checkout

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/stock"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Usage limits are holds. A usage-limited discount (an applied discount
// with UsageLimited) holds one use of its code with the payment attempt,
// as one unit of stock under stock.DiscountSKU(code): in the built-in
// counts (checkpointAttempt) or, with a catalog plugin holding the stock,
// on the same Reserve key as the attempt's units (ReserveRequest's
// DiscountCodes). The use is sold with the order and given back with the
// units on a decline, a refusal, a cancel or an expiry: the reservation
// carries it as one of its lines.
//
// A code with no use left fails the hold and nothing is charged: the
// session is priced again with the code rejected
// (discount_code_usage_limit_reached) and the complete answers it with a
// price_change warning (refuseSpentCodes).

// discountHoldLines are the uses the session's attempt holds: one per
// usage-limited code applied, each code once.
func discountHoldLines(sess *model.Session) []model.ReservedLine {
	if sess.Discounts == nil {
		return nil
	}
	var out []model.ReservedLine
	for _, d := range sess.Discounts.Applied {
		if !d.UsageLimited || d.Code == "" {
			continue
		}
		sku := stock.DiscountSKU(d.Code)
		if slices.ContainsFunc(out, func(l model.ReservedLine) bool { return l.SKU == sku }) {
			continue
		}
		out = append(out, model.ReservedLine{SKU: sku, Quantity: 1})
	}
	return out
}

// heldLines are what the session's attempt holds: its units
// (wantedStock) and one use of each usage-limited code.
func heldLines(sess *model.Session) []model.ReservedLine {
	return append(wantedStock(sess), discountHoldLines(sess)...)
}

// splitShort separates a hold's shortfalls (SKU to what is left) into the
// items' and the discount codes' with no use left (lower case).
func splitShort(short map[string]int64) (items map[string]int64, spent []string) {
	items = map[string]int64{}
	for sku, avail := range short {
		if code, ok := stock.DiscountCode(sku); ok {
			spent = append(spent, code)
			continue
		}
		items[sku] = avail
	}
	slices.Sort(spent)
	return items, spent
}

// spentCodesKey is the context key of the codes a pricing must reject as
// used up.
type spentCodesKey struct{}

// withSpentCodes tells the pricing run under the returned context that
// codes (any case) have no use left.
func withSpentCodes(ctx context.Context, codes []string) context.Context {
	return context.WithValue(ctx, spentCodesKey{}, codes)
}

// codeSpent reports whether the pricing under ctx must reject code as
// used up (discount_code_usage_limit_reached), whatever the promotions
// say: its attempt's hold found no use left. The discount evaluation
// consults it beside the promotions' own count.
func codeSpent(ctx context.Context, code string) bool {
	codes, _ := ctx.Value(spentCodesKey{}).([]string)
	return slices.ContainsFunc(codes, func(c string) bool { return strings.EqualFold(c, code) })
}

// refuseShortHold answers an attempt whose hold did not fit: nothing is
// charged and the attempt's credential is dropped. Codes with no use left
// are rejected and the session priced again without them, with a
// price_change warning; short items are shown as out of stock or low on
// stock (refuseShortStock).
func (s *Service) refuseShortHold(ctx context.Context, sess *model.Session, short map[string]int64) error {
	items, spent := splitShort(short)
	if len(spent) == 0 {
		refuseShortStock(sess, items)
		return nil
	}
	return s.refuseSpentCodes(ctx, sess, spent)
}

// refuseSpentCodes prices the session again with the spent codes
// rejected as used up, and warns that the price changed. Pricing reads
// the stock afresh, so short items are reported by it.
func (s *Service) refuseSpentCodes(ctx context.Context, sess *model.Session, spent []string) error {
	before := sess.Totals.Total
	sess.Payment.Token = ""
	ctx = withSpentCodes(ctx, spent)
	dropSpentCodes(ctx, sess)
	if err := s.price(ctx, sess, nil); err != nil {
		return err
	}
	// The evaluation rejects them itself (codeSpent); this keeps them
	// rejected whatever it answered.
	dropSpentCodes(ctx, sess)
	addSpentMessages(ctx, sess)
	sess.Messages.AddWarning(acp.CodePriceChange, "$.totals",
		fmt.Sprintf("A discount code has no use left, so the total is now %s (it was %s); review it and complete again. Nothing was charged.",
			s.formatAmount(sess.Totals.Total), s.formatAmount(before)))
	return nil
}

// dropSpentCodes takes the discounts of the codes spent under ctx
// (codeSpent) out of the session's applied discounts and records each
// code as rejected for discount_code_usage_limit_reached (once).
func dropSpentCodes(ctx context.Context, sess *model.Session) {
	if sess.Discounts == nil {
		return
	}
	d := sess.Discounts
	d.Applied = slices.DeleteFunc(d.Applied, func(a model.AppliedDiscount) bool {
		return a.Code != "" && codeSpent(ctx, a.Code)
	})
	for _, code := range d.Codes {
		if !codeSpent(ctx, code) {
			continue
		}
		d.Rejected = slices.DeleteFunc(d.Rejected, func(r model.RejectedDiscount) bool { return strings.EqualFold(r.Code, code) })
		d.Rejected = append(d.Rejected, model.RejectedDiscount{
			Code: code, Reason: acp.CodeDiscountCodeUsageLimitReached, Message: spentMessage(code),
		})
	}
}

// spentMessage tells the buyer a code is used up.
func spentMessage(code string) string {
	return fmt.Sprintf("Discount code %q has been used as many times as it may be.", code)
}

// addSpentMessages warns about each code spent under ctx the agent sent,
// at its place in discounts.codes, unless the pricing already did.
func addSpentMessages(ctx context.Context, sess *model.Session) {
	if sess.Discounts == nil {
		return
	}
	for i, code := range sess.Discounts.Codes {
		if !codeSpent(ctx, code) {
			continue
		}
		param := fmt.Sprintf("$.discounts.codes[%d]", i)
		if slices.ContainsFunc(sess.Messages, func(m acp.Message) bool {
			return m.Code == acp.CodeDiscountCodeUsageLimitReached && m.Param == param
		}) {
			continue
		}
		sess.Messages.AddWarning(acp.CodeDiscountCodeUsageLimitReached, param, spentMessage(code))
	}
}
