package checkout

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Split fulfillment (ACP fulfillment groups, 2026-01-30 and later). A
// group sends some lines to one destination by one kind of fulfillment.
// Lines in no group are priced as a checkout that is not split. Each
// group is quoted on its own: shipping and tax are asked once per group,
// with the group's destination (its own address, else the session's), its
// lines and, for tax, its fulfillment charge, so that a provider that
// ignores the group still answers correctly. A group's options are those
// of its type, named "<group id>/<option id>".

// resolveGroups turns the requested groups into the session's, naming
// each line by its line id. item_ids may name line item ids or, leniently,
// item ids (as selections may); a line belongs to at most one group.
func resolveGroups(lines []model.Line, in []GroupInput) ([]model.FulfillmentGroup, error) {
	if len(in) == 0 {
		return nil, nil
	}
	owner := map[string]int{}
	out := make([]model.FulfillmentGroup, 0, len(in))
	for i, g := range in {
		if strings.Contains(g.ID, "/") {
			// Its options are named "<group id>/<option id>".
			return nil, apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.fulfillment_groups[%d].id", i), "A fulfillment group id must not contain \"/\".")
		}
		fg := model.FulfillmentGroup{ID: g.ID, Type: g.Type, Details: g.Details, LocationID: g.LocationID, Instructions: g.Instructions}
		for j, ref := range g.ItemIDs {
			param := fmt.Sprintf("$.fulfillment_groups[%d].item_ids[%d]", i, j)
			id := lineIDFor(lines, ref)
			if id == "" {
				return nil, apierr.Invalid(apierr.CodeInvalid, param,
					"Fulfillment group %q names %q, which is not a line item of this checkout session.", g.ID, ref)
			}
			if k, taken := owner[id]; taken && k == i {
				return nil, apierr.Invalid(apierr.CodeInvalid, param, "Fulfillment group %q lists line item %q twice.", g.ID, id)
			} else if taken {
				return nil, apierr.Invalid(apierr.CodeInvalid, param,
					"Line item %q is already in fulfillment group %q; a line item belongs to at most one group.", id, in[k].ID)
			}
			owner[id] = i
			fg.LineIDs = append(fg.LineIDs, id)
		}
		out = append(out, fg)
	}
	return out, nil
}

// pruneGroups drops from the groups the lines that are no longer in the
// cart, and the groups left empty.
func pruneGroups(groups []model.FulfillmentGroup, lines []model.Line) []model.FulfillmentGroup {
	var out []model.FulfillmentGroup
	for _, g := range groups {
		g.LineIDs = slices.DeleteFunc(slices.Clone(g.LineIDs), func(id string) bool {
			return !slices.ContainsFunc(lines, func(l model.Line) bool { return l.ID == id })
		})
		if len(g.LineIDs) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// ungroupedLines returns the ids of the lines in no group: nil when the
// checkout is not split (every line), else a list, maybe empty.
func ungroupedLines(sess *model.Session) []string {
	if len(sess.Groups) == 0 {
		return nil
	}
	out := []string{}
	for _, l := range sess.Lines {
		if groupIndex(sess.Groups, l.ID) < 0 {
			out = append(out, l.ID)
		}
	}
	return out
}

// groupIndex is the index of the group holding the line, or -1.
func groupIndex(groups []model.FulfillmentGroup, lineID string) int {
	return slices.IndexFunc(groups, func(g model.FulfillmentGroup) bool { return slices.Contains(g.LineIDs, lineID) })
}

func findGroup(groups []model.FulfillmentGroup, id string) *model.FulfillmentGroup {
	for i := range groups {
		if groups[i].ID == id {
			return &groups[i]
		}
	}
	return nil
}

// groupDestination is where a group goes: its own address, else the
// session's.
func groupDestination(sess *model.Session, g *model.FulfillmentGroup) *acp.Address {
	if g.Details != nil && g.Details.Address != nil {
		return g.Details.Address
	}
	return destination(sess)
}

// sdkGroup is the group as providers see it.
func sdkGroup(g *model.FulfillmentGroup) *acp.FulfillmentGroup {
	return &acp.FulfillmentGroup{ID: g.ID, Type: g.Type, LocationID: g.LocationID, Instructions: g.Instructions}
}

// groupOptionID is the session's id of a provider's option quoted for a
// group: unique across groups.
func groupOptionID(groupID, optionID string) string {
	return groupID + "/" + optionID
}

// requestIndexes returns the session indexes of the found lines among
// only (every found line when only is nil): the lines, in order, of a tax
// or shipping request for them.
func requestIndexes(lines []model.Line, only []string) []int {
	if only == nil {
		return foundLines(lines)
	}
	var out []int
	for i, l := range lines {
		if l.Found && slices.Contains(only, l.ID) {
			out = append(out, i)
		}
	}
	return out
}

// quoteOptions quotes shipping for the session: once for the lines in no
// group (every line of a checkout that is not split, none asked when
// every line is grouped) and once per group, with the group's
// destination, lines and Group. A provider's options are trimmed to the
// lines asked, and a group's to those of its type, named
// "<group id>/<option id>". Option ids must come out unique (see
// uniqueOptions).
func (s *Service) quoteOptions(ctx context.Context, sess *model.Session) ([]model.FulfillmentOption, error) {
	var out []model.FulfillmentOption
	if only := ungroupedLines(sess); only == nil || len(only) > 0 {
		opts, err := s.quoteScoped(ctx, sess, destination(sess), only, -1)
		if err != nil {
			return nil, err
		}
		out = opts
	}
	for i := range sess.Groups {
		g := &sess.Groups[i]
		opts, err := s.quoteScoped(ctx, sess, groupDestination(sess, g), g.LineIDs, i)
		if err != nil {
			return nil, err
		}
		out = append(out, opts...)
	}
	return out, uniqueOptions(sess.Groups, out)
}

// quoteScoped asks shipping for the lines only (every found line when
// nil) going to dest, for the group at index (-1: the lines in no group),
// adds the provider's messages to the session and returns its options
// trimmed to the lines asked. An option left with none of them is
// dropped, as is a group's option of another type. Without a found line
// to carry, shipping is not asked: there is no option to offer.
func (s *Service) quoteScoped(ctx context.Context, sess *model.Session, dest *acp.Address, only []string, index int) ([]model.FulfillmentOption, error) {
	req := &shipping.QuoteRequest{Currency: sess.Currency, Destination: dest, Lines: shippingLines(sess.Lines, only)}
	if len(req.Lines) == 0 {
		return nil, nil // no line to carry (none found): no option to ask for
	}
	var g *model.FulfillmentGroup
	if index >= 0 {
		g = &sess.Groups[index]
		req.Group = sdkGroup(g)
	}
	quote, err := s.opts.Capabilities.Shipping.Quote(ctx, req)
	if err != nil {
		return nil, capabilityFailure("shipping", err)
	}
	addMessages(sess, groupParams(sessionParams(quote.Messages, requestIndexes(sess.Lines, only)), sess.Groups, index))
	asked := idsOf(req.Lines, func(l shipping.Line) string { return l.ID })
	var out []model.FulfillmentOption
	for _, o := range quote.Options {
		if o.Amount < 0 {
			return nil, capabilityFailure("shipping", fmt.Errorf("negative amount %d for option %q", o.Amount, o.ID))
		}
		named := len(o.LineIDs) > 0
		o.LineIDs = slices.DeleteFunc(slices.Clone(o.LineIDs), func(id string) bool { return !slices.Contains(asked, id) })
		if (named && len(o.LineIDs) == 0) || (g != nil && (o.Type != g.Type || len(o.LineIDs) == 0)) {
			continue
		}
		opt := toOptions([]shipping.Option{o})[0]
		if g != nil {
			opt.ID, opt.GroupID = groupOptionID(g.ID, o.ID), g.ID
		}
		out = append(out, opt)
	}
	return out, nil
}

// uniqueOptions refuses a session whose options do not have unique ids,
// as a selection names an option by id. A group's option named like an
// option of the lines in no group (group "ups" with option "ground"
// beside the provider's own "ups/ground") is the group id's fault, a
// request error on the group; any other repeat is the provider's,
// which must give each option of one quote its own id.
func uniqueOptions(groups []model.FulfillmentGroup, options []model.FulfillmentOption) error {
	seen := map[string]*model.FulfillmentOption{}
	for i := range options {
		o := &options[i]
		first, dup := seen[o.ID]
		if !dup {
			seen[o.ID] = o
			continue
		}
		if first.GroupID != o.GroupID {
			gid := cmp.Or(o.GroupID, first.GroupID)
			k := slices.IndexFunc(groups, func(g model.FulfillmentGroup) bool { return g.ID == gid })
			return apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.fulfillment_groups[%d].id", k),
				"Fulfillment group id %q would name one of its options %q, already the id of another fulfillment option of this checkout session; choose another group id.", gid, o.ID)
		}
		return capabilityFailure("shipping", fmt.Errorf("option id %q quoted twice", o.ID))
	}
	return nil
}

// addMessages adds a provider's messages to the session, leaving out any
// already there (same type, code, param and content): a provider asked
// once per group may say the same thing each time.
func addMessages(sess *model.Session, msgs acp.Messages) {
	for _, m := range msgs {
		if !slices.ContainsFunc(sess.Messages, func(have acp.Message) bool {
			return have.Type == m.Type && have.Code == m.Code && have.Param == m.Param && have.Content == m.Content
		}) {
			sess.Messages = append(sess.Messages, m)
		}
	}
}

// groupParams returns msgs, from a quote for the group at index (none
// when -1), with a $.fulfillment_details param pointed at the group's own
// details when the group has its own address, which the quote used.
func groupParams(msgs acp.Messages, groups []model.FulfillmentGroup, index int) acp.Messages {
	if index < 0 || groups[index].Details == nil || groups[index].Details.Address == nil {
		return msgs
	}
	for i, m := range msgs {
		if rest, ok := strings.CutPrefix(m.Param, "$.fulfillment_details"); ok {
			msgs[i].Param = fmt.Sprintf("$.fulfillment_groups[%d].fulfillment_details%s", index, rest)
		}
	}
	return msgs
}

// quoteScope is what an option was quoted under: the destination, the
// group (nil for the lines in no group) and the provider's option id.
func quoteScope(sess *model.Session, opt *model.FulfillmentOption) (*acp.Address, *acp.FulfillmentGroup, string) {
	if g := findGroup(sess.Groups, opt.GroupID); opt.GroupID != "" && g != nil {
		return groupDestination(sess, g), sdkGroup(g), strings.TrimPrefix(opt.ID, g.ID+"/")
	}
	return destination(sess), nil, opt.ID
}

// selectionGroup is the id of the group a selected option belongs to; ""
// for the lines in no group.
func selectionGroup(sess *model.Session, sel model.SelectedOption) string {
	if opt := findOption(sess.Options, sel.OptionID); opt != nil {
		return opt.GroupID
	}
	return ""
}

// taxed is the merged answer of a session's tax quotes.
type taxed struct {
	lines       map[string]int64
	fulfillment int64
	breakdown   []model.TaxShare
}

// taxPart is one tax quote: lines going to one destination with their
// fulfillment charge.
type taxPart struct {
	dest        *acp.Address
	only        []string
	fulfillment int64
	group       *acp.FulfillmentGroup
	// index is the group's index in the session; -1 for no group.
	index int
}

// quoteTax taxes the session: one quote when it is not split; else one
// for the lines in no group (when there are any) and one per group, each
// with its destination, lines and fulfillment charge. A part with no
// found line and no charge is not asked about: its tax is nothing. Line
// taxes and fulfillment taxes are summed, and the breakdowns merged by
// jurisdiction.
func (s *Service) quoteTax(ctx context.Context, sess *model.Session, dest *acp.Address, fulfillmentTotal int64) (*taxed, error) {
	parts := []taxPart{{dest: dest, fulfillment: fulfillmentTotal, index: -1}}
	if len(sess.Groups) > 0 {
		charges := map[string]int64{}
		_, optionShares := orderLevelShares(sess)
		for _, sel := range sess.Selected {
			charges[selectionGroup(sess, sel)] += chargeAfterDiscount(optionShares, sel) // bounded by fulfillmentTotal, which did not overflow
		}
		parts = []taxPart{{dest: dest, only: ungroupedLines(sess), fulfillment: charges[""], index: -1}}
		for i := range sess.Groups {
			g := &sess.Groups[i]
			parts = append(parts, taxPart{dest: groupDestination(sess, g), only: g.LineIDs, fulfillment: charges[g.ID], group: sdkGroup(g), index: i})
		}
	}
	lineShares, _ := orderLevelShares(sess)
	out := &taxed{lines: map[string]int64{}}
	var fulfillmentTax sum
	for _, part := range parts {
		req := &tax.QuoteRequest{Currency: sess.Currency, Destination: part.dest, Fulfillment: part.fulfillment, Group: part.group}
		for _, l := range sess.Lines {
			if l.Found && (part.only == nil || slices.Contains(part.only, l.ID)) {
				req.Lines = append(req.Lines, tax.Line{ID: l.ID, Amount: l.Subtotal - lineShares[l.ID], TaxCategory: l.TaxCategory})
			}
		}
		if len(req.Lines) == 0 && req.Fulfillment == 0 {
			continue // nothing to tax (no line found, no charge): no quote to ask for
		}
		resp, err := s.opts.Capabilities.Tax.Quote(ctx, req)
		if err != nil {
			return nil, capabilityFailure("tax", err)
		}
		if err := onePerRequested("one tax per requested line, in request order", idsOf(resp.Lines, func(l tax.LineTax) string { return l.ID }),
			idsOf(req.Lines, func(l tax.Line) string { return l.ID })); err != nil {
			return nil, capabilityFailure("tax", err)
		}
		addMessages(sess, groupParams(sessionParams(resp.Messages, requestIndexes(sess.Lines, part.only)), sess.Groups, part.index))
		for _, lt := range resp.Lines {
			if lt.Amount < 0 {
				return nil, capabilityFailure("tax", fmt.Errorf("negative tax %d for line %q", lt.Amount, lt.ID))
			}
			out.lines[lt.ID] = lt.Amount
		}
		if resp.Fulfillment < 0 {
			return nil, capabilityFailure("tax", fmt.Errorf("negative fulfillment tax %d", resp.Fulfillment))
		}
		fulfillmentTax.add(resp.Fulfillment)
		if err := out.addBreakdown(resp.Breakdown, len(parts) > 1); err != nil {
			return nil, err
		}
	}
	if fulfillmentTax.err != nil {
		return nil, tooLarge()
	}
	out.fulfillment = fulfillmentTax.total
	return out, nil
}

// addBreakdown adds a quote's jurisdictions; merge adds the amount of a
// jurisdiction already listed with the same name and rate to it (one
// jurisdiction may tax groups at different rates, e.g. by category or
// by the destination's locality: those stay apart).
func (t *taxed) addBreakdown(shares []tax.Jurisdiction, merge bool) error {
	for _, j := range shares {
		k := -1
		if merge {
			k = slices.IndexFunc(t.breakdown, func(s model.TaxShare) bool { return s.Jurisdiction == j.Name && s.Rate == j.Rate })
		}
		if k < 0 {
			t.breakdown = append(t.breakdown, model.TaxShare{Jurisdiction: j.Name, Rate: j.Rate, Amount: j.Amount})
			continue
		}
		var amount sum
		amount.add(t.breakdown[k].Amount)
		amount.add(j.Amount)
		if amount.err != nil {
			return tooLarge()
		}
		t.breakdown[k].Amount = amount.total
	}
	return nil
}

// checkGroups reports a group that needs an address (shipping, local
// delivery) and has none, neither its own nor the session's.
func checkGroups(sess *model.Session) {
	for i := range sess.Groups {
		g := &sess.Groups[i]
		if g.Type.NeedsAddress() && groupDestination(sess, g) == nil {
			sess.Messages.AddError(acp.CodeMissing, fmt.Sprintf("$.fulfillment_groups[%d].fulfillment_details.address", i),
				fmt.Sprintf("A delivery address is needed for fulfillment group %q.", g.ID), acp.ResolutionBuyerInput)
		}
	}
}

// groupedLineProblem reports a line of a group that no option of the
// group can carry.
// A line that an option of the group can carry is left to the group's
// message (groupDefaults).
func groupedLineProblem(sess *model.Session, g *model.FulfillmentGroup, index int, l model.Line) {
	if groupCarries(sess, g.ID, l.ID) {
		return
	}
	param := fmt.Sprintf("$.line_items[%d]", index)
	dest := groupDestination(sess, g)
	if dest != nil && g.Type.NeedsAddress() && slices.Contains(l.FulfillmentTypes, g.Type) {
		sess.Messages.AddError(acp.CodeRegionRestricted, param, fmt.Sprintf("%s cannot be delivered to %s.", l.Name, dest.Country), acp.ResolutionBuyerInput)
		return
	}
	sess.Messages.AddError(acp.CodeUnsupported, param,
		fmt.Sprintf("No %s option is available for %s in fulfillment group %q.", strings.ReplaceAll(string(g.Type), "_", " "), l.Name, g.ID), acp.ResolutionRecoverable)
}

// orderDestination is the single destination told to an order system
// that does not read groups: the session's address or, when every line
// is in a group, the address of the first group that needs one
// (shipping, local delivery).
func orderDestination(sess *model.Session) *acp.Address {
	dest := destination(sess)
	if dest == nil && len(sess.Groups) > 0 && len(ungroupedLines(sess)) == 0 {
		for i := range sess.Groups {
			if g := &sess.Groups[i]; g.Type.NeedsAddress() {
				return groupDestination(sess, g)
			}
		}
	}
	return dest
}

// plannedDestination is where a group's items go: its address (or the
// session's) for shipping and local delivery, the selected location's
// for a pickup, none for a digital delivery.
func plannedDestination(sess *model.Session, g *model.FulfillmentGroup) *acp.Address {
	switch {
	case g.Type.NeedsAddress():
		return groupDestination(sess, g)
	case g.Type == acp.FulfillmentPickup:
		return pickupAddress(sess, g.ID)
	}
	return nil
}

// orderGroups are the session's groups as the order system sees them:
// each with its lines, destination (plannedDestination), recipient, location, instructions,
// the provider's id of its selected option (a group has one) and its
// fulfillment charge.
func orderGroups(sess *model.Session) []fulfillment.Group {
	var out []fulfillment.Group
	for i := range sess.Groups {
		g := &sess.Groups[i]
		og := fulfillment.Group{
			ID: g.ID, Type: g.Type, LineIDs: slices.Clone(g.LineIDs), Destination: plannedDestination(sess, g),
			LocationID: g.LocationID, Instructions: g.Instructions,
		}
		if d := g.Details; d != nil {
			og.RecipientName, og.RecipientEmail, og.RecipientPhone = d.Name, d.Email, d.PhoneNumber
		}
		for _, sel := range sess.Selected {
			opt := findOption(sess.Options, sel.OptionID)
			if opt == nil || opt.GroupID != g.ID {
				continue
			}
			_, _, og.OptionID = quoteScope(sess, opt)
			og.Amount = sel.Amount
		}
		out = append(out, og)
	}
	return out
}

// pickupAddress is the address of the pickup location selected for the
// group, when the option names one.
func pickupAddress(sess *model.Session, groupID string) *acp.Address {
	for _, sel := range sess.Selected {
		if opt := findOption(sess.Options, sel.OptionID); opt != nil && opt.GroupID == groupID && opt.Pickup != nil {
			a := opt.Pickup.Address
			return &a
		}
	}
	return nil
}

// plannedFulfillments are the order's fulfillments planned at placement,
// one per group, pending until the store reports progress on them (by
// their id, "ful_<group id>"). An Order's fulfillment has no local
// delivery type: it is planned as shipping. The destination is the
// group's address, or for a pickup the selected location's.
func plannedFulfillments(sess *model.Session) []model.Fulfillment {
	var out []model.Fulfillment
	for i := range sess.Groups {
		g := &sess.Groups[i]
		f := model.Fulfillment{ID: "ful_" + g.ID, Type: string(g.Type), Status: model.FulfillmentPending, Planned: true}
		if g.Type == acp.FulfillmentLocalDelivery {
			f.Type = string(acp.FulfillmentShipping)
		}
		f.Destination = plannedDestination(sess, g)
		for _, l := range sess.Lines {
			if slices.Contains(g.LineIDs, l.ID) {
				f.Lines = append(f.Lines, model.LineQuantity{ID: l.ID, Quantity: l.Quantity})
			}
		}
		out = append(out, f)
	}
	return out
}

// One option per group. A fulfillment group is a set of lines that share
// one fulfillment method and destination (the schema's definition), so
// the session gives each group exactly one selected option, carrying
// every line of the group that an option of the group can carry (its
// carriable lines). An explicit selection of a group's option is widened
// to the whole group; one that would ship a group's lines by two options,
// or by an option that cannot carry them all, is refused: the agent
// splits the group instead. By default a group gets the best option
// carrying all its carriable lines; when none can, the session says to
// split the group.

// groupCarriable is the lines of the group that some option of the group
// can carry, in the session's line order.
func groupCarriable(sess *model.Session, g *model.FulfillmentGroup) []string {
	var out []string
	for _, l := range sess.Lines {
		if slices.Contains(g.LineIDs, l.ID) && groupCarries(sess, g.ID, l.ID) {
			out = append(out, l.ID)
		}
	}
	return out
}

// groupCarries reports whether an option of the group can carry the line.
func groupCarries(sess *model.Session, groupID, lineID string) bool {
	return slices.ContainsFunc(sess.Options, func(o model.FulfillmentOption) bool {
		return o.GroupID == groupID && slices.Contains(o.LineIDs, lineID)
	})
}

// carriesAll reports whether the option can carry every one of the lines.
func carriesAll(opt *model.FulfillmentOption, lineIDs []string) bool {
	return !slices.ContainsFunc(lineIDs, func(id string) bool { return !slices.Contains(opt.LineIDs, id) })
}

// splitAdvice ends the messages that refuse to ship one group by several
// options.
const splitAdvice = "a fulfillment group ships by one option; to ship its line items differently, split the group"

// groupSelectionLines returns the lines an explicit selection (the
// request's index-th) of a group's option carries: all the group's
// carriable lines, or an error when the option cannot carry one of them.
func groupSelectionLines(sess *model.Session, opt *model.FulfillmentOption, index int) ([]string, error) {
	g := findGroup(sess.Groups, opt.GroupID)
	lines := groupCarriable(sess, g)
	for _, id := range lines {
		if !slices.Contains(opt.LineIDs, id) {
			return nil, apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.selected_fulfillment_options[%d]", index),
				"Fulfillment option %q cannot carry line item %q of fulfillment group %q: %s.", opt.ID, id, g.ID, splitAdvice)
		}
	}
	return lines, nil
}

// oneOptionPerGroup refuses the request's index-th selection, of opt,
// when an earlier one chose another option of the same group (picked maps
// a group id to the option chosen for it). It reports whether the
// selection repeats the group's choice, which then adds nothing.
func oneOptionPerGroup(picked map[string]string, opt *model.FulfillmentOption, index int) (repeat bool, err error) {
	first, ok := picked[opt.GroupID]
	switch {
	case !ok:
		picked[opt.GroupID] = opt.ID
		return false, nil
	case first == opt.ID:
		return true, nil
	}
	return false, apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.selected_fulfillment_options[%d]", index),
		"Fulfillment option %q is already selected for fulfillment group %q, and %s.", first, opt.GroupID, splitAdvice)
}

// groupOptionFor finds the group's option a selection means when its
// option_id is a provider's id ("express") rather than the session's
// ("g_ny/express"): an agent cannot know the session's ids when it sends
// the groups in the same request. The lines the selection names must all
// belong to one group offering "<group id>/<option_id>". Nil otherwise.
func groupOptionFor(sess *model.Session, sel SelectionInput) *model.FulfillmentOption {
	if len(sess.Groups) == 0 || len(sel.ItemIDs) == 0 {
		return nil
	}
	group := -1
	for _, ref := range sel.ItemIDs {
		id := lineIDFor(sess.Lines, ref)
		k := groupIndex(sess.Groups, id)
		if id == "" || k < 0 || (group >= 0 && k != group) {
			return nil
		}
		group = k
	}
	return findOption(sess.Options, groupOptionID(sess.Groups[group].ID, sel.OptionID))
}

// unknownOption is the error for a selection (the request's index-th)
// whose option is not offered. In a split checkout it names the options
// offered for the lines the selection names (every option when it names
// none), with their session ids.
func unknownOption(sess *model.Session, sel SelectionInput, index int) error {
	msg := fmt.Sprintf("Fulfillment option %q is not available for this checkout session.", sel.OptionID)
	if len(sess.Groups) > 0 {
		var lines, ids []string
		for _, ref := range sel.ItemIDs {
			if id := lineIDFor(sess.Lines, ref); id != "" {
				lines = append(lines, id)
			}
		}
		for _, o := range sess.Options {
			if len(lines) == 0 || slices.ContainsFunc(lines, func(id string) bool { return slices.Contains(o.LineIDs, id) }) {
				ids = append(ids, o.ID)
			}
		}
		switch {
		case len(ids) > 0 && len(lines) > 0:
			msg += " Options for these line items are " + strings.Join(ids, ", ") + "."
		case len(ids) > 0:
			msg += " Its options are " + strings.Join(ids, ", ") + "."
		}
	}
	return apierr.Invalid(apierr.CodeInvalid, fmt.Sprintf("$.selected_fulfillment_options[%d].option_id", index), "%s", msg)
}

// keepGroupsWhole keeps, of the chosen options kept from earlier
// requests, a group's option only when it still carries all the group's
// carriable lines (the group's lines may have changed), widened to them;
// and one option per group. A dropped group falls back to its default.
func keepGroupsWhole(sess *model.Session, chosen []model.SelectedOption) []model.SelectedOption {
	var out []model.SelectedOption
	seen := map[string]bool{}
	for _, c := range chosen {
		opt := findOption(sess.Options, c.OptionID)
		if opt == nil || opt.GroupID == "" {
			out = append(out, c)
			continue
		}
		g := findGroup(sess.Groups, opt.GroupID)
		if g == nil || seen[g.ID] {
			continue
		}
		lines := groupCarriable(sess, g)
		if !carriesAll(opt, lines) {
			continue
		}
		seen[g.ID] = true
		c.LineIDs = lines
		out = append(out, c)
	}
	return out
}

// groupDefaults returns the chosen options plus one for every group
// without one: of the group's options carrying all its carriable lines,
// the best default (preferable). A group that no single option can carry
// gets an error message on the group, telling the agent to split it, and
// no option.
func groupDefaults(sess *model.Session, chosen []model.SelectedOption) []model.SelectedOption {
	out := slices.Clone(chosen)
	for i := range sess.Groups {
		g := &sess.Groups[i]
		if slices.ContainsFunc(chosen, func(c model.SelectedOption) bool { return selectionGroup(sess, c) == g.ID }) {
			continue
		}
		lines := groupCarriable(sess, g)
		if len(lines) == 0 {
			continue // each line has its own message (groupedLineProblem)
		}
		var best *model.FulfillmentOption
		for k := range sess.Options {
			o := &sess.Options[k]
			if o.GroupID == g.ID && carriesAll(o, lines) && (best == nil || preferable(o, best)) {
				best = o
			}
		}
		if best == nil {
			sess.Messages.AddError(acp.CodeUnsupported, fmt.Sprintf("$.fulfillment_groups[%d]", i),
				fmt.Sprintf("No one fulfillment option can carry every line item of fulfillment group %q; %s into groups whose line items can ship together.", g.ID, splitAdvice),
				acp.ResolutionRecoverable)
			continue
		}
		out = append(out, model.SelectedOption{Type: best.Type, OptionID: best.ID, LineIDs: lines})
	}
	return out
}
