package checkout

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// price recomputes everything derived about a session: line details from
// the catalog, fulfillment options and their selection, taxes, totals,
// messages and status. selections, when non-nil, replace the agent's
// explicit option choices; an invalid selection is a request error and
// leaves the session unchanged in the store.
func (s *Service) price(ctx context.Context, sess *model.Session, selections []SelectionInput) error {
	sess.Messages = acp.Messages{}
	if err := s.resolveItems(ctx, sess); err != nil {
		return err
	}
	dest := destination(sess)
	options, err := s.quoteOptions(ctx, sess)
	if err != nil {
		return err
	}
	sess.Options = options
	if selections != nil {
		chosen, err := resolveSelections(sess, selections)
		if err != nil {
			return err
		}
		sess.Chosen = chosen
	}
	sess.Chosen = keepGroupsWhole(sess, keepValid(sess.Chosen, sess.Options))
	sess.Selected = selectDefaults(sess.Lines, sess.Groups, sess.Options, groupDefaults(sess, sess.Chosen))
	if err := s.priceSelections(ctx, sess); err != nil {
		return err
	}
	if err := s.applyDiscounts(ctx, sess); err != nil {
		return err
	}
	if err := s.applyTax(ctx, sess, dest); err != nil {
		return err
	}
	s.checkFulfillment(sess, dest)
	checkGroups(sess)
	s.checkInterventions(sess)
	if len(sess.Lines) == 0 {
		sess.Messages.AddError(acp.CodeMissing, "$.line_items", "The cart is empty; add at least one item.", acp.ResolutionRecoverable)
	}
	sess.Status = model.StatusReadyForPayment
	if sess.Messages.HasErrors() {
		sess.Status = model.StatusNotReadyForPayment
	}
	s.escalate(sess)
	sess.Messages = append(sess.Messages, noticeMessages(sess)...)
	return nil
}

// resolveItems fills each line from the catalog and computes its amounts.
func (s *Service) resolveItems(ctx context.Context, sess *model.Session) error {
	req := &catalog.ResolveItemsRequest{Currency: sess.Currency, Items: make([]catalog.ItemRef, len(sess.Lines))}
	for i, l := range sess.Lines {
		req.Items[i] = catalog.ItemRef{ID: l.ItemID, Quantity: l.Quantity}
	}
	if len(req.Items) == 0 {
		return nil
	}
	resp, err := s.opts.Capabilities.Catalog.ResolveItems(ctx, req)
	if err != nil {
		return capabilityFailure("catalog", err)
	}
	if err := onePerRequested("one item per requested ref, in request order", idsOf(resp.Items, func(it catalog.Item) string { return it.ID }),
		idsOf(req.Items, func(r catalog.ItemRef) string { return r.ID })); err != nil {
		return capabilityFailure("catalog", err)
	}
	if err := s.stockAvailability(ctx, sess, resp.Items); err != nil {
		return err
	}
	sess.Messages = append(sess.Messages, resp.Messages...)
	for i := range sess.Lines {
		l := &sess.Lines[i]
		it := resp.Items[i]
		*l = model.Line{
			ID: l.ID, ItemID: l.ItemID, Quantity: l.Quantity,
			Found: it.Found, Name: it.Title, Description: it.Description, Images: it.Images, ProductID: cmp.Or(it.ProductID, it.ID),
			TaxCategory: it.TaxCategory, Weight: it.Weight, Available: it.Available, MaxPerOrder: it.MaxPerOrder,
			FulfillmentTypes: it.FulfillmentTypes, UnitAmount: it.UnitPrice, Categories: it.Categories,
		}
		if err := s.lineEscalation(sess, l, it); err != nil {
			return err
		}
		if it.UnitPrice < 0 {
			return capabilityFailure("catalog", fmt.Errorf("negative unit price %d for item %q", it.UnitPrice, it.ID))
		}
		var err error
		if l.BaseAmount, err = times(l.UnitAmount, l.Quantity); err != nil {
			return tooLarge()
		}
		l.Subtotal = l.BaseAmount - l.Discount
		itemParam := fmt.Sprintf("$.line_items[%d].item.id", i)
		qtyParam := fmt.Sprintf("$.line_items[%d].quantity", i)
		switch {
		case !it.Found:
			sess.Messages.AddError(acp.CodeNotFound, itemParam, fmt.Sprintf("This store does not sell an item with id %q.", l.ItemID), acp.ResolutionRecoverable)
		case it.Available != nil && *it.Available < l.Quantity:
			addStockMessage(sess, i, *it.Available)
		case it.MaxPerOrder > 0 && l.Quantity > it.MaxPerOrder:
			sess.Messages.AddError(acp.CodeQuantityExceeded, qtyParam, fmt.Sprintf("At most %d of %s can be bought in one order.", it.MaxPerOrder, l.Name), acp.ResolutionRecoverable)
		}
	}
	return nil
}

// shippingLines returns the found lines, limited to only when non-nil.
func shippingLines(lines []model.Line, only []string) []shipping.Line {
	var out []shipping.Line
	for _, l := range lines {
		if !l.Found || (only != nil && !slices.Contains(only, l.ID)) {
			continue
		}
		out = append(out, shipping.Line{ID: l.ID, ItemID: l.ItemID, Quantity: l.Quantity, Subtotal: l.Subtotal, Weight: l.Weight, FulfillmentTypes: l.FulfillmentTypes})
	}
	return out
}

func toOptions(in []shipping.Option) []model.FulfillmentOption {
	out := make([]model.FulfillmentOption, 0, len(in))
	for _, o := range in {
		fo := model.FulfillmentOption{
			ID: o.ID, Type: o.Type, Title: o.Title, Description: o.Description, Carrier: o.Carrier,
			LineIDs: o.LineIDs, Amount: o.Amount,
			EarliestDelivery: timePtr(o.EarliestDelivery), LatestDelivery: timePtr(o.LatestDelivery),
		}
		if p := o.Pickup; p != nil {
			fo.Pickup = &model.PickupLocation{Name: p.Name, Address: p.Address, Phone: p.Phone, Instructions: p.Instructions}
		}
		out = append(out, fo)
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// resolveSelections validates the agent's selections against the current
// options. item_ids may name line item ids or, leniently, item ids (the
// spec's own examples use item ids); option_id may leniently be a group's
// option without its group prefix (groupOptionFor). A group's option
// carries the whole group (groupSelectionLines), one per group
// (oneOptionPerGroup).
func resolveSelections(sess *model.Session, in []SelectionInput) ([]model.SelectedOption, error) {
	out := make([]model.SelectedOption, 0, len(in))
	taken := map[string]bool{}
	picked := map[string]string{}
	for i, sel := range in {
		opt := findOption(sess.Options, sel.OptionID)
		if opt == nil {
			opt = groupOptionFor(sess, sel)
		}
		if opt == nil {
			return nil, unknownOption(sess, sel, i)
		}
		if sel.Type != "" && sel.Type != opt.Type {
			return nil, apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.selected_fulfillment_options[%d].type", i),
				"Fulfillment option %q is of type %q, not %q.", opt.ID, opt.Type, sel.Type)
		}
		lineIDs := slices.Clone(opt.LineIDs)
		if len(sel.ItemIDs) > 0 {
			lineIDs = lineIDs[:0]
			for j, ref := range sel.ItemIDs {
				lineID := lineIDFor(sess.Lines, ref)
				if lineID == "" || !slices.Contains(opt.LineIDs, lineID) {
					return nil, apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.selected_fulfillment_options[%d].item_ids[%d]", i, j),
						"Fulfillment option %q cannot carry line item %q.", opt.ID, ref)
				}
				lineIDs = append(lineIDs, lineID)
			}
		}
		if opt.GroupID != "" {
			repeat, err := oneOptionPerGroup(picked, opt, i)
			if err != nil {
				return nil, err
			}
			if repeat {
				continue
			}
			if lineIDs, err = groupSelectionLines(sess, opt, i); err != nil {
				return nil, err
			}
		}
		for _, id := range lineIDs {
			if taken[id] {
				return nil, apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.selected_fulfillment_options[%d]", i),
					"Line item %q is selected for more than one fulfillment option.", id)
			}
			taken[id] = true
		}
		out = append(out, model.SelectedOption{Type: opt.Type, OptionID: opt.ID, LineIDs: lineIDs})
	}
	return out, nil
}

func lineIDFor(lines []model.Line, ref string) string {
	for _, l := range lines {
		if l.ID == ref {
			return l.ID
		}
	}
	for _, l := range lines {
		if l.ItemID == ref {
			return l.ID
		}
	}
	return ""
}

func findOption(options []model.FulfillmentOption, id string) *model.FulfillmentOption {
	for i := range options {
		if options[i].ID == id {
			return &options[i]
		}
	}
	return nil
}

// keepValid drops chosen options that are no longer offered and lines they
// can no longer carry.
func keepValid(chosen []model.SelectedOption, options []model.FulfillmentOption) []model.SelectedOption {
	var out []model.SelectedOption
	for _, c := range chosen {
		opt := findOption(options, c.OptionID)
		if opt == nil {
			continue
		}
		var lines []string
		for _, id := range c.LineIDs {
			if slices.Contains(opt.LineIDs, id) {
				lines = append(lines, id)
			}
		}
		if len(lines) > 0 {
			out = append(out, model.SelectedOption{Type: opt.Type, OptionID: opt.ID, LineIDs: lines})
		}
	}
	return out
}

// selectDefaults returns the chosen options plus, for every line left
// uncovered, the cheapest option that can carry it (the first one on a
// tie), which then carries every uncovered line it can. Pickup is chosen by
// default only when nothing else can carry the line, since it asks the
// buyer to travel. Lines in a group are left to the group's choice
// (groupDefaults). The result follows the order of options.
func selectDefaults(lines []model.Line, groups []model.FulfillmentGroup, options []model.FulfillmentOption, chosen []model.SelectedOption) []model.SelectedOption {
	carried := map[string][]string{}
	covered := map[string]bool{}
	for _, c := range chosen {
		carried[c.OptionID] = append(carried[c.OptionID], c.LineIDs...)
		for _, id := range c.LineIDs {
			covered[id] = true
		}
	}
	for _, l := range lines {
		if !l.Found || covered[l.ID] || groupIndex(groups, l.ID) >= 0 {
			continue
		}
		var best *model.FulfillmentOption
		for i := range options {
			o := &options[i]
			if slices.Contains(o.LineIDs, l.ID) && (best == nil || preferable(o, best)) {
				best = o
			}
		}
		if best == nil {
			continue
		}
		for _, id := range best.LineIDs {
			if !covered[id] {
				covered[id] = true
				carried[best.ID] = append(carried[best.ID], id)
			}
		}
	}
	var out []model.SelectedOption
	for _, o := range options {
		if ids, ok := carried[o.ID]; ok {
			out = append(out, model.SelectedOption{Type: o.Type, OptionID: o.ID, LineIDs: ids})
		}
	}
	return out
}

// preferable reports whether a is a better default than b.
func preferable(a, b *model.FulfillmentOption) bool {
	aPickup, bPickup := a.Type == acp.FulfillmentPickup, b.Type == acp.FulfillmentPickup
	if aPickup != bPickup {
		return bPickup
	}
	return a.Amount < b.Amount
}

// priceSelections sets each selected option's amount: the quoted amount
// when it carries all its lines, else a quote for exactly its lines.
func (s *Service) priceSelections(ctx context.Context, sess *model.Session) error {
	for i := range sess.Selected {
		sel := &sess.Selected[i]
		opt := findOption(sess.Options, sel.OptionID)
		sel.Amount = opt.Amount
		if len(sel.LineIDs) == len(opt.LineIDs) {
			continue
		}
		dest, group, providerID := quoteScope(sess, opt)
		quote, err := s.opts.Capabilities.Shipping.Quote(ctx, &shipping.QuoteRequest{Currency: sess.Currency, Destination: dest, Lines: shippingLines(sess.Lines, sel.LineIDs), Group: group})
		if err != nil {
			return capabilityFailure("shipping", err)
		}
		for _, o := range quote.Options {
			if o.ID == providerID && o.Amount >= 0 {
				sel.Amount = o.Amount
			}
		}
	}
	return nil
}

// applyTax taxes the lines and the fulfillment charge and sums the totals.
func (s *Service) applyTax(ctx context.Context, sess *model.Session, dest *acp.Address) error {
	var fulfillment sum
	for _, sel := range sess.Selected {
		fulfillment.add(sel.Amount)
	}
	if fulfillment.err != nil {
		return tooLarge()
	}
	lineShares, optionShares := orderLevelShares(sess)
	var lineDiscount, fulfillmentDiscount, orderDiscount sum
	for _, v := range lineShares {
		lineDiscount.add(v)
	}
	for _, sel := range sess.Selected {
		fulfillmentDiscount.add(sel.Amount - chargeAfterDiscount(optionShares, sel))
	}
	orderDiscount.add(lineDiscount.total)
	orderDiscount.add(fulfillmentDiscount.total)
	if orderDiscount.err != nil || lineDiscount.err != nil || fulfillmentDiscount.err != nil {
		return tooLarge()
	}
	taxed, err := s.quoteTax(ctx, sess, dest, fulfillment.total-fulfillmentDiscount.total)
	if err != nil {
		return err
	}
	var base, discount, subtotal, taxTotal, total sum
	taxTotal.add(taxed.fulfillment)
	for i := range sess.Lines {
		l := &sess.Lines[i]
		l.Tax = taxed.lines[l.ID]
		var line sum
		line.add(l.Subtotal)
		line.add(l.Tax)
		l.Total = line.total
		base.add(l.BaseAmount)
		discount.add(l.Discount)
		subtotal.add(l.Subtotal)
		taxTotal.add(l.Tax)
		if line.err != nil {
			return tooLarge()
		}
	}
	// The discounts' checks keep each line's and charge's share within it.
	total.add(subtotal.total - lineDiscount.total)
	total.add(fulfillment.total - fulfillmentDiscount.total)
	total.add(taxTotal.total)
	for _, part := range []sum{base, discount, subtotal, taxTotal, total} {
		if part.err != nil {
			return tooLarge()
		}
	}
	sess.Totals = model.Totals{
		ItemsBaseAmount: base.total, ItemsDiscount: discount.total, Subtotal: subtotal.total,
		Discount: orderDiscount.total, FulfillmentDiscount: fulfillmentDiscount.total,
		Fulfillment: fulfillment.total, Tax: taxTotal.total, Total: total.total,
	}
	sess.TaxBreakdown = taxed.breakdown
	return nil
}

// checkFulfillment reports lines no option can carry and a missing address
// that a selected option needs.
func (s *Service) checkFulfillment(sess *model.Session, dest *acp.Address) {
	covered := map[string]bool{}
	needsAddress := false
	for _, sel := range sess.Selected {
		// A group's address is checked with the group (checkGroups).
		needsAddress = needsAddress || (sel.Type.NeedsAddress() && selectionGroup(sess, sel) == "")
		for _, id := range sel.LineIDs {
			covered[id] = true
		}
	}
	for i, l := range sess.Lines {
		if !l.Found || covered[l.ID] {
			continue
		}
		if g := groupIndex(sess.Groups, l.ID); g >= 0 {
			groupedLineProblem(sess, &sess.Groups[g], i, l)
			continue
		}
		param := fmt.Sprintf("$.line_items[%d]", i)
		if dest != nil && slices.ContainsFunc(l.FulfillmentTypes, acp.FulfillmentType.NeedsAddress) {
			sess.Messages.AddError(acp.CodeRegionRestricted, param, fmt.Sprintf("%s cannot be delivered to %s.", l.Name, dest.Country), acp.ResolutionBuyerInput)
			continue
		}
		sess.Messages.AddError(acp.CodeUnsupported, param, fmt.Sprintf("No fulfillment option is available for %s.", l.Name), acp.ResolutionRecoverable)
	}
	if needsAddress && dest == nil {
		sess.Messages.AddError(acp.CodeMissing, "$.fulfillment_details.address", "A delivery address is needed to ship this order.", acp.ResolutionBuyerInput)
	}
}

// checkInterventions blocks payment when a required intervention is not
// supported by the agent and enforcement is "always".
func (s *Service) checkInterventions(sess *model.Session) {
	iv := sess.Interventions
	if iv.Enforcement != "always" {
		return
	}
	for _, req := range iv.Required {
		if !iv.Supports(req) {
			sess.Messages.AddError(acp.CodeInterventionRequired, "$.capabilities.interventions",
				fmt.Sprintf("This seller requires the %s intervention, which the agent did not declare.", req), acp.ResolutionBuyerReview)
		}
	}
}

// onePerRequested refuses answers that are not one per requested entry,
// each with its entry's id, in request order: the contract named, which
// the SDK's conformance suites check.
func onePerRequested(contract string, answered, requested []string) error {
	if len(answered) != len(requested) {
		return fmt.Errorf("contract %q broken: answered %d for %d requested", contract, len(answered), len(requested))
	}
	for i := range requested {
		if answered[i] != requested[i] {
			return fmt.Errorf("contract %q broken: answer %d is for %q, but %q was requested there", contract, i, answered[i], requested[i])
		}
	}
	return nil
}

// idsOf maps list to the ids id reads.
func idsOf[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

// foundLines returns the session indexes of the found lines: the lines,
// in order, of a tax or shipping request.
func foundLines(lines []model.Line) []int {
	var out []int
	for i, l := range lines {
		if l.Found {
			out = append(out, i)
		}
	}
	return out
}

// requestLineParam matches a param's index into the request's lines.
var requestLineParam = regexp.MustCompile(`^\$\.line_items\[([0-9]+)\]`)

// sessionParams returns msgs with each $.line_items[i] param, where i
// counts the request's lines, rewritten to the index sessionIndex[i] of
// the same line in the session. An index beyond the request becomes
// $.line_items, the cart as a whole.
func sessionParams(msgs acp.Messages, sessionIndex []int) acp.Messages {
	out := slices.Clone(msgs)
	for i := range out {
		m := requestLineParam.FindStringSubmatchIndex(out[i].Param)
		if m == nil {
			continue
		}
		rest := out[i].Param[m[1]:]
		n, err := strconv.Atoi(out[i].Param[m[2]:m[3]])
		if err != nil || n >= len(sessionIndex) {
			out[i].Param = "$.line_items"
			continue
		}
		out[i].Param = fmt.Sprintf("$.line_items[%d]%s", sessionIndex[n], rest)
	}
	return out
}

func destination(sess *model.Session) *acp.Address {
	if sess.FulfillmentDetails == nil {
		return nil
	}
	return sess.FulfillmentDetails.Address
}

func capabilityFailure(capability string, err error) *apierr.Error {
	return apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("%s capability: %w", capability, err),
		"The seller's %s service is unavailable; please retry shortly.", capability)
}
