package acpwire

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/acp-sidecar/acp/core/checkout"
)

// handling is what the server does with a request member.
type handling string

// Handlings.
const (
	// handleActs: the server acts on the member (memberRule.Does says
	// how).
	handleActs handling = "acts"
	// handleNotice: the server does not act on the member and tells the
	// agent so, once per session, with an info message whose content is
	// memberRule.Does (or, for a member with a Parent, the parent's).
	handleNotice handling = "notice"
	// handleSilent: the server does not act on the member and says
	// nothing, where the specification says to ignore it (ACP-NOTES §7.1,
	// §7.3, §12 #15).
	handleSilent handling = "silent"
)

// memberRule says what the server does with one member of a request body,
// under the API versions from Since to Until (both inclusive; ACP
// versions are dates, so they order as strings).
type memberRule struct {
	// Op is the request: OpCreate, OpUpdate, OpComplete or OpCancel.
	Op string
	// Path is the member's path in the body: object members joined by
	// dots, array elements as [], the values of a map as *, such as
	// "buyer.company.tax_id", "fulfillment_groups[].item_ids" or
	// "intent_trace.metadata.*".
	Path string
	// Since and Until bound the versions whose schema has the member.
	Since, Until string
	// Handling is what the server does with it.
	Handling handling
	// Parent, for a notice member inside another notice member, is that
	// member's path: the agent is told with the parent's notice, which
	// covers this member (a test checks the parent's rule covers the same
	// request and versions).
	Parent string
	// Does says so in one line. For a notice member without a Parent, it
	// is the message the agent receives.
	Does string
}

// param is the member's JSONPath in the request, arrays as [*].
func (r memberRule) param() string {
	return "$." + strings.ReplaceAll(r.Path, "[]", "[*]")
}

// covers reports whether the rule holds under version.
func (r memberRule) covers(version string) bool {
	return version >= r.Since && (r.Until == "" || version <= r.Until)
}

// Table bounds: the first served version, and the last with items[] and
// payment_data{token, provider}.
const (
	first      = V20250929
	lastLegacy = V20260116
)

// row is a member under a prefix, before its op and versions are set.
type row struct {
	path     string
	handling handling
	parent   string
	does     string
	// since, when set, narrows the group's versions for this row.
	since string
}

// acts, notice and silent make a row of their handling.
func acts(path, does string) row   { return row{path: path, handling: handleActs, does: does} }
func notice(path, does string) row { return row{path: path, handling: handleNotice, does: does} }
func silent(path, does string) row { return row{path: path, handling: handleSilent, does: does} }

// inside is a member of the notice member parent: the agent is told with
// parent's notice, which covers it (memberNotices).
func inside(parent, member string) row {
	r := notice(parent+member, "Covered by the notice about "+parent+".")
	r.parent = parent
	return r
}

// from narrows a row to versions since v.
func (r row) from(v string) row { r.since = v; return r }

// under returns the rows under prefix (a member path, "" for the body).
func under(prefix string, rows ...row) []row {
	out := make([]row, len(rows))
	for i, r := range rows {
		switch {
		case r.path == "":
			r.path = prefix
		case strings.HasPrefix(r.path, "[]"):
			r.path = prefix + r.path
		default:
			r.path = prefix + "." + r.path
		}
		out[i] = r
	}
	return out
}

// rules turns rows into rules for ops under the versions since to until.
func rules(ops []string, since, until string, groups ...[]row) []memberRule {
	var out []memberRule
	for _, op := range ops {
		for _, g := range groups {
			for _, r := range g {
				s := max(since, r.since)
				if until != "" && until < s {
					continue // the member is not in the group's versions
				}
				out = append(out, memberRule{Op: op, Path: r.path, Since: s, Until: until, Handling: r.handling, Parent: r.parent, Does: r.does})
			}
		}
	}
	return out
}

// Texts shared by several rows. Notice texts are what agents read:
// neutral, and exact about what the server does not do.
const (
	invoiceText     = "This store takes payment through its payment handlers only; purchase orders and payment terms are not used."
	presentText     = "The seller's interventions (3-D Secure through authentication_metadata) do not change with how the agent presents them."
	sellerCapsText  = "The seller sets its own payment handlers and intervention requirements; the session's capabilities show them, and those sent by the agent are not used."
	extensionsText  = "Extension declarations are the seller's; an agent lists the extensions it understands by name."
	itemDetailsText = "Item names and prices come from the seller's catalog; those sent with a line item are not used."
	destText        = "The destination: shipping options and tax are quoted for it, and the order system is given it."
	contactText     = "Stored, echoed, and given to the order system with the address."
	browserText     = "Passed on with the risk signals; under 2026-01-30 it also fills authentication_metadata.channel.browser for 3-D Secure."
)

// addressRows are an Address's members; company is in 2026-04-17 only.
func addressRows(prefix, does string) []row {
	return under(prefix,
		acts("name", does), acts("line_one", does), acts("line_two", does), acts("city", does),
		acts("state", does), acts("country", does), acts("postal_code", does),
		acts("company", does).from(V20260417))
}

// buyerRows are the Buyer's members: the contact members in every
// version, the rest since 2026-01-30.
func buyerRows() []row {
	contact := "Stored on the session, echoed, and given to the order system with the order."
	rows := under("buyer",
		acts("first_name", contact), acts("last_name", contact), acts("email", contact+" Required when buyer is sent."),
		acts("phone_number", contact),
		acts("full_name", "Stored and echoed; split into first and last name for the order system when those are absent.").from(V20260130),
		notice("customer_id", "The buyer's customer_id is echoed but not linked to an account at this store.").from(V20260130),
		notice("account_type", "The buyer's account_type is echoed but does not change what this store offers.").from(V20260130),
		notice("authentication_status", "The buyer's authentication_status is echoed but does not change what this store offers.").from(V20260130),
		notice("company", "Company details are echoed but not used for tax or passed to the order.").from(V20260130),
		notice("loyalty", "Loyalty details are echoed but no loyalty pricing or points apply at this store.").from(V20260130),
		notice("tax_exemption", "The tax exemption is echoed but not applied: tax is charged as for any buyer.").from(V20260130),
	)
	for _, child := range [][2]string{
		{"company", "name"}, {"company", "tax_id"}, {"company", "department"}, {"company", "cost_center"},
		{"loyalty", "tier"}, {"loyalty", "points_balance"}, {"loyalty", "member_since"},
		{"tax_exemption", "certificate_id"}, {"tax_exemption", "certificate_type"}, {"tax_exemption", "exempt_regions"}, {"tax_exemption", "expires_at"},
	} {
		rows = append(rows, inside("buyer."+child[0], "."+child[1]).from(V20260130))
	}
	return append([]row{acts("buyer", "Replaces the session's buyer (null clears it on update).")}, rows...)
}

// fulfillmentDetailsRows are FulfillmentDetails under prefix: the member
// itself (does), its contact members and its address.
func fulfillmentDetailsRows(prefix, does, contact, address string) []row {
	rows := under(prefix,
		acts("", does), acts("name", contact), acts("email", contact), acts("phone_number", contact),
		acts("address", address))
	return append(rows, addressRows(prefix+".address", "Part of the destination address.")...)
}

// groupRows are the fulfillment groups (split fulfillment).
func groupRows() []row {
	rows := under("fulfillment_groups",
		acts("[].id", "The group's id: echoed, prefixed to its options' ids (group/option) and given to the order system."),
		acts("[].item_ids", "The group's lines (line item ids, or item ids); an unknown line, or one already in a group, is refused."),
		acts("[].destination_type", "How the group is fulfilled: its options are quoted for that type; echoed and given to the order system."),
		acts("[].location_id", "The seller's location: given to the fulfillment quote and the order system with the group; echoed."),
		acts("[].instructions", "Given to the fulfillment quote and the order system with the group; echoed."))
	rows = append([]row{acts("fulfillment_groups", "Split fulfillment: replaces the groups; each is quoted and taxed for its own destination; lines in no group use the session's.")}, rows...)
	return append(rows, fulfillmentDetailsRows("fulfillment_groups[].fulfillment_details",
		"The group's own delivery details; without them the group uses the session's fulfillment_details.",
		"The group's recipient: stored, echoed, and given to the order system with the group's address.",
		"The group's destination: its options and tax are quoted for it, and the order system is given it with the group.")...)
}

// attributionRows are affiliate attribution, first touch on create and
// last touch on complete.
func attributionRows(touch string) []row {
	kept := "Checked (a string, no personal data), stored with the attribution and passed to the order system."
	return under("affiliate_attribution",
		acts("", "Stored write-only as the "+touch+"-touch attribution (never echoed), kept with the order and passed to the order system."),
		acts("provider", "Required: checked, stored and passed on; the order's metrics credit it (first touch, else last)."),
		acts("token", "Checked and stored like publisher_id (one of the two is required) and passed to the order system."),
		acts("publisher_id", kept), acts("campaign_id", kept), acts("creative_id", kept), acts("sub_id", kept),
		acts("source", "Checked, stored and passed on as its type and url."),
		acts("source.type", "Checked (a string): url, platform or unknown; a missing or other type is read as unknown, as the spec asks."),
		acts("source.url", kept),
		acts("issued_at", "Checked (RFC 3339), stored and passed to the order system."),
		acts("expires_at", "Checked (RFC 3339), stored and passed to the order system."),
		acts("metadata", "Checked (flat, at most 50 keys, no personal data), stored and passed to the order system."),
		acts("metadata.*", "A value: a string, number or boolean (at most 500 characters as JSON); anything else, or personal data, is refused."),
		silent("touchpoint", "Not read: the touch is the request's, "+touch+" on "+map[string]string{"first": "create", "last": "complete"}[touch]+", as the spec asks the agent to send it."))
}

// itemRows are the requested items: items[] before 2026-01-30,
// line_items[] since.
func itemRows() ([]row, []row) {
	legacy := []row{
		acts("items", "The items to buy; on update it replaces the list."),
		acts("items[].id", "The catalog item; an unknown one answers an error message on its line."),
		acts("items[].quantity", "How many; bounded by the item's stock and per-order limit."),
	}
	current := []row{
		acts("line_items", "The items to buy; on update it replaces the list."),
		acts("line_items[].id", "The catalog item; an unknown one answers an error message on its line."),
		notice("line_items[].name", itemDetailsText),
		notice("line_items[].unit_amount", itemDetailsText),
	}
	return legacy, current
}

var (
	createUpdate         = []string{OpCreate, OpUpdate}
	createUpdateComplete = []string{OpCreate, OpUpdate, OpComplete}
)

// memberTable is the request-member table: every member of the create,
// update, complete and cancel request schemas of every served version,
// with what the server does with it. A test holds it to the schemas; the
// decoders read the notice rows from it (memberNotices), so the table is
// the behaviour, not a description beside it.
var memberTable = func() []memberRule {
	legacyItems, lineItems := itemRows()
	var t []memberRule
	// Items and buyer.
	t = append(t, rules(createUpdate, first, lastLegacy, legacyItems)...)
	t = append(t, rules(createUpdate, V20260130, "", lineItems)...)
	t = append(t, rules(createUpdateComplete, first, "", buyerRows())...)
	// Where to deliver.
	t = append(t, rules(createUpdate, first, V20250929, []row{acts("fulfillment_address", destText)},
		addressRows("fulfillment_address", "Part of the destination address."))...)
	t = append(t, rules([]string{OpUpdate}, first, V20250929, []row{acts("fulfillment_option_id", "Selects the fulfillment option for every line it can carry.")})...)
	t = append(t, rules(createUpdate, V20251212, "", fulfillmentDetailsRows("fulfillment_details", "Replaces the delivery details (null clears them on update).", contactText, destText))...)
	t = append(t, rules([]string{OpUpdate}, V20251212, lastLegacy, under("selected_fulfillment_options",
		acts("", "Selects fulfillment options; lines left without one get the cheapest."),
		acts("[].type", "The option's type: shipping or digital."),
		acts("[].shipping", "The shipping option chosen."), acts("[].shipping.option_id", "A current fulfillment option's id."),
		acts("[].shipping.item_ids", "The lines it carries; absent means every line it can carry."),
		acts("[].digital", "The digital option chosen."), acts("[].digital.option_id", "A current fulfillment option's id."),
		acts("[].digital.item_ids", "The lines it carries; absent means every line it can carry.")))...)
	t = append(t, rules([]string{OpUpdate}, V20260130, "", under("selected_fulfillment_options",
		acts("", "Selects fulfillment options; lines left without one get the cheapest."),
		acts("[].type", "The option's type."),
		acts("[].option_id", "A current fulfillment option's id; a group's option may be named without its group/ prefix when item_ids are all in that group."),
		acts("[].item_ids", "The lines it carries; absent means every line it can carry. A group's option carries the whole group: one option per group.")))...)
	t = append(t, rules(createUpdate, V20260130, "", groupRows())...)
	// Create only: currency, capabilities and context.
	t = append(t, rules([]string{OpCreate}, V20260130, "", []row{
		acts("currency", "The session's currency; one the seller does not sell in is refused."),
		acts("capabilities", "Required; not echoed: the session's capabilities are the seller's, with the interventions both support."),
		acts("capabilities.interventions", "The agent's intervention abilities; only supported is used."),
		acts("capabilities.interventions.supported", "Negotiated: the session supports what both sides support (unknown values are ignored, ACP-NOTES §7.1)."),
		notice("capabilities.interventions.required", sellerCapsText),
		notice("capabilities.interventions.enforcement", sellerCapsText),
		notice("capabilities.interventions.display_context", presentText),
		notice("capabilities.interventions.redirect_context", presentText),
		notice("capabilities.interventions.max_redirects", presentText),
		notice("capabilities.interventions.max_interaction_depth", presentText),
		acts("capabilities.extensions", "Names of extensions the agent understands: discount activates the discount extension; other names are ignored (ACP-NOTES §7.3)."),
		notice("capabilities.extensions[].name", extensionsText),
		notice("capabilities.extensions[].extends", extensionsText),
		notice("capabilities.extensions[].schema", extensionsText),
		notice("capabilities.extensions[].spec", extensionsText),
		notice("capabilities.payment", sellerCapsText),
		inside("capabilities.payment", ".handlers"),
		notice("locale", "Content is in the seller's language; the locale is echoed but not used to translate it."),
		notice("timezone", "Times are given in UTC; the timezone is echoed but not used."),
		notice("quote_id", "Prices come from the seller's catalog; the quote_id is echoed but no quote is honoured."),
		acts("metadata", "Stored and echoed on the session, for the agent's own use."),
	})...)
	for _, m := range []string{"id", "name", "version", "spec", "psp", "config", "config_schema", "instrument_schemas", "requires_delegate_payment", "requires_pci_compliance"} {
		t = append(t, rules([]string{OpCreate}, V20260130, "", []row{inside("capabilities.payment", ".handlers[]."+m)})...)
	}
	t = append(t, rules([]string{OpCreate}, V20260417, "", []row{
		inside("capabilities.payment", ".handlers[].display_name"), inside("capabilities.payment", ".handlers[].display_order")})...)
	t = append(t, rules([]string{OpCreate}, V20251212, "", attributionRows("first"))...)
	t = append(t, rules(createUpdate, V20260130, "", []row{
		acts("discounts", "The discount extension's input; null clears the codes. Without the extension negotiated, codes are not applied and $.discounts says so once."),
		acts("discounts.codes", "Codes (case-insensitive, at most 20 of 64 characters) replacing the earlier ones; null or [] clears. Each is applied, or rejected with a warning message."),
		acts("coupons", "Deprecated alias of discounts.codes, used only when discounts.codes is not sent.")})...)
	t = append(t, rules(createUpdate, V20260417, "", []row{acts("order_notes", "Stored with the session and the order, passed to the order system and shown by the merchant API.")})...)
	// Complete.
	t = append(t, rules([]string{OpComplete}, first, "", []row{acts("payment_data", "Required: how to pay. A complete resuming a payment in progress or answering 3-D Secure pays as the first one said.")},
		addressRows("payment_data.billing_address", "Part of the billing address given to the payment handler."),
		[]row{acts("payment_data.billing_address", "Given to the payment handler with the charge; the Stripe handler keeps it from Stripe, whose payment method from the token carries its own billing details (docs/buyer-data.md).")})...)
	t = append(t, rules([]string{OpComplete}, first, lastLegacy, []row{
		acts("payment_data.token", "The delegated payment token, charged by the handler chosen for the provider; never stored after the charge."),
		acts("payment_data.provider", "Chooses the payment handler whose processor it names."),
	})...)
	t = append(t, rules([]string{OpComplete}, V20260130, "", under("payment_data",
		acts("handler_id", "Chooses the payment handler; one the seller does not advertise is refused."),
		acts("instrument", "The payment instrument, given to the handler."),
		acts("instrument.type", "The instrument type, given to the handler."),
		acts("instrument.credential", "The credential, given to the handler."),
		acts("instrument.credential.type", "The credential type, given to the handler."),
		acts("instrument.credential.token", "The delegated payment token, charged by the handler; never stored after the charge."),
		notice("purchase_order_number", invoiceText), notice("payment_terms", invoiceText),
		notice("due_date", invoiceText), notice("approval_required", invoiceText)))...)
	t = append(t, rules([]string{OpComplete}, V20251212, "", under("authentication_result",
		acts("", "Used when the session is authentication_required: given to the payment handler with the charge; otherwise not used, and the agent is told."),
		acts("outcome", "Checked (one of ACP's outcomes) and given to the payment handler, which decides whether the charge goes ahead."),
		acts("outcome_details", "Required by the outcomes that carry it; given to the payment handler."),
		acts("outcome_details.three_ds_cryptogram", "Given to the payment handler."),
		acts("outcome_details.electronic_commerce_indicator", "Given to the payment handler."),
		acts("outcome_details.transaction_id", "Given to the payment handler."),
		acts("outcome_details.version", "Given to the payment handler.")))...)
	t = append(t, rules([]string{OpComplete}, V20251212, "", attributionRows("last"))...)
	t = append(t, rules([]string{OpComplete}, V20260130, "", under("risk_signals",
		acts("", "Stored write-only; given to the payment handler with the charge and to the order system, and kept with the order."),
		acts("ip_address", browserText), acts("user_agent", browserText),
		acts("accept_language", browserText), acts("session_id", "Passed on with the risk signals."),
		acts("device_fingerprint", "Passed on with the risk signals.")))...)
	t = append(t, rules([]string{OpComplete}, V20260417, "", under("marketing_consents",
		acts("", "Stored write-only; at the order, applied for the channels offered and passed to the order system; others are ignored without a word (ACP-NOTES §7.5)."),
		acts("[].channel", "The channel decided: applied to the buyer's contact for it (then the delivery contact's); ignored if not offered or without one."),
		acts("[].opted_in", "The buyer's decision, kept with the order and passed to the order system.")),
		[]row{acts("order_notes", "Stored with the order, passed to the order system and shown by the merchant API.")})...)
	// Cancel.
	t = append(t, rules([]string{OpCancel}, V20251212, "", under("intent_trace",
		acts("", "Stored write-only with the canceled session (never echoed)."),
		acts("reason_code", "Required; stored with the trace and counted in the cancel-reason metric; an unknown code is accepted and counted as other (ACP-NOTES §7.4)."),
		acts("trace_summary", "Stored with the trace; one over 500 characters is cut to 500."),
		acts("metadata", "Checked (a flat object; null counts as absent) and stored with the trace."),
		acts("metadata.*", "A value: a string, number or boolean; anything else is refused.")))...)
	return t
}()

// memberNotices returns the notices a request body of op carries under
// version: one per notice member present (not null) in body, but none for
// a member with a Parent (the parent, present whenever its member is,
// carries the notice), and one for members whose notices say the same
// (its Also names every member of the version's op with that message, so
// the agent is not told it again). body has been decoded successfully
// already.
func memberNotices(version, op string, body []byte) []checkout.Notice {
	// A version or op not served has no rules: nothing is told.
	return noticeRulesByRequest[request{version, op}].notices(body)
}

// notices is memberNotices for the set's request.
func (set noticeSet) notices(body []byte) []checkout.Notice {
	// A body whose member names escape no character holds a member only
	// if it holds the member's last name, quoted: most bodies hold none,
	// and are not decoded a second time.
	escapes := bytes.IndexByte(body, '\\') >= 0
	var quoted uint64 // the rules whose needle the body holds, when set.indexed
	if !escapes && set.indexed {
		quoted = set.quoted(body)
	}
	var doc any
	decoded := false
	var out []checkout.Notice
	for i, r := range set.rules {
		held := escapes || r.needle == nil
		switch {
		case held:
		case set.indexed:
			held = quoted&(1<<i) != 0
		default:
			held = bytes.Contains(body, r.needle)
		}
		if !held || slices.ContainsFunc(out, func(n checkout.Notice) bool { return n.Message == r.notice.Message }) {
			continue
		}
		if !decoded {
			if json.Unmarshal(body, &doc) != nil {
				return nil
			}
			decoded = true
		}
		if has(doc, r.steps) {
			n := r.notice
			n.Also = slices.Clone(n.Also)
			out = append(out, n)
		}
	}
	return out
}

// request is a request of one op under one version.
type request struct{ version, op string }

// noticeRule is a notice member of a request, ready for memberNotices.
type noticeRule struct {
	// steps are the member's path, split by splitPath.
	steps []string
	// needle is the last name in the member's path, quoted: a body that
	// holds the member holds it, unless the body escapes characters in
	// its member names. Nil when the path has no name.
	needle []byte
	// notice is what the agent is told when the body holds the member.
	notice checkout.Notice
}

// noticeRulesByRequest are the notice rules of every request of every
// version served, from the member table.
var noticeRulesByRequest = func() map[request]noticeSet {
	m := map[request]noticeSet{}
	for _, version := range Versions() {
		for _, op := range []string{OpCreate, OpUpdate, OpComplete, OpCancel} {
			m[request{version, op}] = newNoticeSet(noticeRules(version, op))
		}
	}
	return m
}()

// noticeSet is the notice rules of one request, with their needles
// indexed, so that a body is read once for all of them rather than
// searched once for each.
type noticeSet struct {
	rules []noticeRule
	// byName maps a needle's name (unquoted) to the rules whose needle
	// it is, as bits (rule i is bit i). indexed is false when the index
	// cannot stand for the searches: more rules than bits, or a name that
	// a quote, colon, comma or backslash could make appear where no
	// string is (see quoted).
	byName  map[string]uint64
	indexed bool
}

func newNoticeSet(rules []noticeRule) noticeSet {
	set := noticeSet{rules: rules, byName: map[string]uint64{}, indexed: len(rules) <= 64}
	for i, r := range rules {
		if r.needle == nil {
			continue
		}
		name := string(r.needle[1 : len(r.needle)-1])
		if strconv.Quote(name) != string(r.needle) || strings.ContainsAny(name, `":,\`) {
			set.indexed = false
		}
		set.byName[name] |= 1 << i
	}
	return set
}

// quoted returns the rules whose needle body holds: body is JSON (decoded
// already) with no backslash. Without escapes its quotes pair up, each
// string from one quote to the next; a needle, a name quoted, spans two
// quotes in a row, so it is either a whole string or what lies between
// two strings, which in JSON always holds a colon or a comma, and no
// indexed name does. So the needles the body holds are exactly those of
// its strings, which one pass over the body looks up.
func (set noticeSet) quoted(body []byte) uint64 {
	var held uint64
	for {
		open := bytes.IndexByte(body, '"')
		if open < 0 {
			return held
		}
		body = body[open+1:]
		end := bytes.IndexByte(body, '"')
		if end < 0 {
			return held
		}
		held |= set.byName[string(body[:end])]
		body = body[end+1:]
	}
}

// noticeRules returns the notice members of op under version without a
// Parent, in the member table's order.
func noticeRules(version, op string) []noticeRule {
	var told []memberRule
	for _, r := range memberTable {
		if r.Op == op && r.Handling == handleNotice && r.Parent == "" && r.covers(version) {
			told = append(told, r)
		}
	}
	out := make([]noticeRule, 0, len(told))
	for _, r := range told {
		nr := noticeRule{steps: splitPath(r.Path), notice: checkout.Notice{Param: r.param(), Message: r.Does}}
		for _, step := range slices.Backward(nr.steps) {
			if step != "[]" && step != "*" {
				nr.needle = []byte(strconv.Quote(step))
				break
			}
		}
		for _, same := range told {
			if same.Does == r.Does && same.Path != r.Path {
				nr.notice.Also = append(nr.notice.Also, same.param())
			}
		}
		out = append(out, nr)
	}
	return out
}

// splitPath splits a member path into its steps; "[]" is a step of its
// own.
func splitPath(path string) []string {
	var steps []string
	for _, part := range strings.Split(path, ".") {
		name, isArray := strings.CutSuffix(part, "[]")
		steps = append(steps, name)
		if isArray {
			steps = append(steps, "[]")
		}
	}
	return steps
}

// has reports whether doc holds a non-null value at steps; a "[]" step
// matches any element of an array.
func has(doc any, steps []string) bool {
	if len(steps) == 0 {
		return doc != nil
	}
	if steps[0] == "[]" {
		list, _ := doc.([]any)
		return slices.ContainsFunc(list, func(el any) bool { return has(el, steps[1:]) })
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	return has(obj[steps[0]], steps[1:])
}

// noticing is a codec whose decoded create, update and complete inputs
// carry the notices the request-member table gives for their bodies. A
// cancel carries none: the table has no notice member for it (the
// canceled session keeps the info messages it had).
type noticing struct{ Codec }

// DecodeCreate decodes a create request and its notices.
func (n noticing) DecodeCreate(body []byte) (checkout.CreateInput, error) {
	in, err := n.Codec.DecodeCreate(body)
	if err == nil {
		in.Notices = memberNotices(n.Version(), OpCreate, body)
	}
	return in, err
}

// DecodeUpdate decodes an update request and its notices.
func (n noticing) DecodeUpdate(body []byte) (checkout.UpdateInput, error) {
	in, err := n.Codec.DecodeUpdate(body)
	if err == nil {
		in.Notices = memberNotices(n.Version(), OpUpdate, body)
	}
	return in, err
}

// DecodeComplete decodes a complete request and its notices.
func (n noticing) DecodeComplete(body []byte) (checkout.CompleteInput, error) {
	in, err := n.Codec.DecodeComplete(body)
	if err == nil {
		in.Notices = memberNotices(n.Version(), OpComplete, body)
	}
	return in, err
}
