package acpwire

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
)

// The discount extension on the wire (2026-01-30 and later, ACP-NOTES
// §7.3; docs/discounts.md "On the wire").

// Bounds on what an agent may send: codes per request, a code's length,
// and extension names read from capabilities.extensions.
const (
	maxDiscountCodes   = 20
	maxDiscountCodeLen = 64
	maxExtensionNames  = 32
)

// discountExtension is the extension's name, as agents list it.
const discountExtension = "discount"

// discountExtends are the members the discount extension adds, as the
// spec's discount examples declare them.
var discountExtends = []string{
	"$.CheckoutSessionCreateRequest.discounts",
	"$.CheckoutSessionUpdateRequest.discounts",
	"$.CheckoutSession.discounts",
}

// fulfillmentAllocationPath is the allocation path of a discount's share
// of the fulfillment charges, as the spec's automatic-discount example
// writes it (free shipping).
const fulfillmentAllocationPath = "$.totals.fulfillment"

// wireDiscountsRequest is ACP's DiscountsRequest.
type wireDiscountsRequest struct {
	Codes optional.Value[[]string] `json:"codes"`
}

// wireDiscountsCreate is ACP's DiscountsRequest in a create request,
// where codes sent (even []) win over coupons.
type wireDiscountsCreate struct {
	Codes *[]string `json:"codes,omitempty"`
}

// wireDiscountsShape is wireDiscountsRequest with plain types, for type
// checking with JSONPaths.
type wireDiscountsShape struct {
	Codes []string `json:"codes,omitempty"`
}

// discountCodes checks codes sent at param (at most maxDiscountCodes, each
// not blank, at most maxDiscountCodeLen characters, without control or
// format characters, since codes are echoed and shown, and without spaces
// around it, which would make another spelling of a code) and returns them
// as sent (matching is case-insensitive; that is the engine's).
func (v *validator) discountCodes(codes []string, param string) []string {
	if len(codes) > maxDiscountCodes {
		v.fail(apierr.CodeInvalid, param, "%s may hold at most %d codes.", param, maxDiscountCodes)
		return nil
	}
	out := make([]string, 0, len(codes))
	for i, code := range codes {
		p := fmt.Sprintf("%s[%d]", param, i)
		v.required(code, p, maxDiscountCodeLen)
		switch {
		case strings.IndexFunc(code, controlOrFormat) >= 0:
			v.fail(apierr.CodeInvalid, p, "%s must not contain control or format characters.", p)
		case strings.TrimSpace(code) != code:
			v.fail(apierr.CodeInvalid, p, "%s must not begin or end with a space.", p)
		}
		out = append(out, code)
	}
	return out
}

// createDiscountCodes are a create request's codes: discounts.codes, or
// else the deprecated coupons.
func (v *validator) createDiscountCodes(discounts *wireDiscountsCreate, coupons *[]string) []string {
	if discounts != nil && discounts.Codes != nil {
		return v.discountCodes(*discounts.Codes, "$.discounts.codes")
	}
	if coupons != nil {
		return v.discountCodes(*coupons, "$.coupons")
	}
	return nil
}

// updateDiscountCodes are an update request's codes: discounts.codes
// (null or [] clears, as does "discounts": null), or else the deprecated
// coupons; unset when neither is sent, leaving the codes unchanged.
func (v *validator) updateDiscountCodes(discounts optional.Value[*wireDiscountsRequest], coupons optional.Value[[]string]) optional.Value[[]string] {
	switch {
	case discounts.Set && discounts.V == nil:
		return optional.Value[[]string]{Set: true, Null: true, V: []string{}}
	case discounts.Set && discounts.V.Codes.Set:
		return optional.Value[[]string]{Set: true, Null: discounts.V.Codes.Null, V: v.discountCodes(discounts.V.Codes.V, "$.discounts.codes")}
	case coupons.Set:
		return optional.Value[[]string]{Set: true, Null: coupons.Null, V: v.discountCodes(coupons.V, "$.coupons")}
	}
	return optional.Value[[]string]{}
}

// capabilityExtensions returns the extension names in a create request's
// capabilities (an object, or a missing-capabilities error already
// reported), read from param.
func (v *validator) capabilityExtensions(capabilities json.RawMessage, param string) []string {
	var caps struct {
		Extensions json.RawMessage `json:"extensions"`
	}
	if json.Unmarshal(capabilities, &caps) != nil {
		return nil
	}
	return v.extensions(caps.Extensions, param)
}

// extensions returns the extension names an agent lists in its
// capabilities.extensions: strings, in order. Unknown names are the
// engine's to ignore; declaration objects (the response form) are not
// read, and the member table tells the agent so.
func (v *validator) extensions(raw json.RawMessage, param string) []string {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		v.fail(apierr.CodeInvalidType, param, "%s must be an array of extension names.", param)
		return nil
	}
	var out []string
	for _, e := range elems {
		var name string
		if json.Unmarshal(e, &name) != nil || name == "" || len(name) > maxIDLength {
			continue
		}
		if len(out) == maxExtensionNames {
			break
		}
		out = append(out, name)
	}
	return out
}

// extensionJSON is ACP's ExtensionDeclaration.
type extensionJSON struct {
	Name    string   `json:"name"`
	Extends []string `json:"extends"`
}

// discountsJSON is ACP's DiscountsResponse.
type discountsJSON struct {
	Codes    []string              `json:"codes"`
	Applied  []appliedDiscountJSON `json:"applied,omitempty"`
	Rejected []rejectedJSON        `json:"rejected,omitempty"`
}

type appliedDiscountJSON struct {
	ID          string           `json:"id"`
	Code        string           `json:"code,omitempty"`
	Coupon      couponJSON       `json:"coupon"`
	Amount      int64            `json:"amount"`
	Automatic   bool             `json:"automatic,omitempty"`
	Start       string           `json:"start,omitempty"`
	End         string           `json:"end,omitempty"`
	Method      string           `json:"method,omitempty"`
	Priority    int              `json:"priority,omitempty"`
	Allocations []allocationJSON `json:"allocations,omitempty"`
}

type couponJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	PercentOff *float64 `json:"percent_off,omitempty"`
	AmountOff  *int64   `json:"amount_off,omitempty"`
	Currency   string   `json:"currency,omitempty"`
	Duration   string   `json:"duration"`
}

type allocationJSON struct {
	Path   string `json:"path"`
	Amount int64  `json:"amount"`
}

type rejectedJSON struct {
	Code    string `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
}

// discountDetailJSON is ACP's DiscountDetail, a line's share of one
// discount.
type discountDetailJSON struct {
	Code        string `json:"code,omitempty"`
	Type        string `json:"type"`
	Amount      int64  `json:"amount"`
	Description string `json:"description,omitempty"`
	Source      string `json:"source"`
}

// negotiated reports whether the session activated the discount
// extension.
func negotiated(s *model.Session) bool { return s.Discounts != nil && s.Discounts.Negotiated }

// extensionDeclarations are the session's active extensions: the discount
// extension when negotiated, else none (never an empty array, which fails
// the schema's oneOf, ACP-NOTES §12 #15).
func extensionDeclarations(s *model.Session) []extensionJSON {
	if !negotiated(s) {
		return nil
	}
	return []extensionJSON{{Name: discountExtension, Extends: discountExtends}}
}

// encodeDiscounts is the session's discounts member, present only when
// the extension is negotiated.
func encodeDiscounts(s *model.Session) *discountsJSON {
	if !negotiated(s) {
		return nil
	}
	d := s.Discounts
	out := &discountsJSON{Codes: append([]string{}, d.Codes...)}
	for _, a := range d.Applied {
		out.Applied = append(out.Applied, appliedDiscount(a, s.Currency, s.Lines))
	}
	for _, r := range d.Rejected {
		out.Rejected = append(out.Rejected, rejectedJSON(r))
	}
	return out
}

// appliedDiscount encodes one applied discount. Its coupon carries the
// discount's id and name; percent_off, or amount_off with the currency;
// duration "once" (a checkout's discount applies to that purchase).
// Allocations to lines are $.line_items[i]; those to fulfillment options
// are merged into one $.totals.fulfillment allocation. An allocation to a
// line the session does not have is left out.
func appliedDiscount(a model.AppliedDiscount, currency string, lines []model.Line) appliedDiscountJSON {
	out := appliedDiscountJSON{
		ID: a.ID, Code: a.Code, Amount: a.Amount, Automatic: a.Automatic, Method: a.Method,
		Coupon: couponJSON{ID: a.ID, Name: a.Name, Duration: "once"},
	}
	if out.Coupon.Name == "" {
		out.Coupon.Name = firstNonEmpty(a.Code, a.ID)
	}
	switch {
	case a.PercentOff > 0:
		p := a.PercentOff
		out.Coupon.PercentOff = &p
	case a.AmountOff > 0:
		amount := a.AmountOff
		out.Coupon.AmountOff, out.Coupon.Currency = &amount, strings.ToLower(currency)
	}
	if a.Priority > 0 {
		out.Priority = a.Priority
	}
	out.Start, out.End = rfc3339Ptr(a.Start), rfc3339Ptr(a.End)
	for _, al := range checkout.AllocationPaths(a, lines, fulfillmentAllocationPath) {
		out.Allocations = append(out.Allocations, allocationJSON(al))
	}
	return out
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// appliedOf returns the session's applied discounts, negotiated or not.
func appliedOf(s *model.Session) []model.AppliedDiscount {
	if s.Discounts == nil {
		return nil
	}
	return s.Discounts.Applied
}

// discountDetails are a line's shares of the applied discounts, for
// LineItem.discount_details; nil when none.
func discountDetails(applied []model.AppliedDiscount, lineID string) []discountDetailJSON {
	var out []discountDetailJSON
	for _, a := range applied {
		var amount int64
		for _, al := range a.Allocations {
			if al.LineID == lineID {
				amount += al.Amount
			}
		}
		if amount == 0 {
			continue
		}
		d := discountDetailJSON{Code: a.Code, Type: "fixed", Amount: amount, Description: a.Name, Source: "coupon"}
		if a.PercentOff > 0 {
			d.Type = "percentage"
		}
		if a.Automatic || a.Code == "" {
			d.Source, d.Code = "automatic", ""
		}
		out = append(out, d)
	}
	return out
}

// discountTotals are the session's items_discount and discount totals,
// each only when above zero. The display text names the discounts when
// all of them are of that level (one of the two totals is zero), as the
// spec's examples do ("Order Discount (SAVE10)").
func discountTotals(t model.Totals, applied []model.AppliedDiscount) (items, order *totalJSON) {
	names := discountNames(applied)
	if t.ItemsDiscount > 0 {
		items = &totalJSON{Type: "items_discount", DisplayText: "Item discounts", Amount: t.ItemsDiscount}
		if t.Discount == 0 && names != "" {
			items.DisplayText += " (" + names + ")"
		}
	}
	if t.Discount > 0 {
		order = &totalJSON{Type: "discount", DisplayText: "Order discount", Amount: t.Discount}
		if t.ItemsDiscount == 0 && names != "" {
			order.DisplayText += " (" + names + ")"
		}
	}
	return items, order
}

// discountNames names the applied discounts: codes, or the names of
// automatic ones.
func discountNames(applied []model.AppliedDiscount) string {
	names := make([]string, 0, len(applied))
	for _, a := range applied {
		if n := firstNonEmpty(a.Code, a.Name); n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
