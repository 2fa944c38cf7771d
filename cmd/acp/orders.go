package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
)

const ordersUsage = `Usage:
  acp orders list [--limit N] [--after ORDER_ID] [--json]   list orders, newest first
  acp orders list --failed [--limit N] [--after KEY] [--json]
                                                            list failed orders and where their money went
  acp orders show ORDER_ID [--json]                         show one order in detail
  acp orders ship ORDER_ID [flags]                          record a fulfillment or its progress
  acp orders refund ORDER_ID --amount N [flags]             record a refund or credit
  acp orders cancel ORDER_ID [--reason R] [--description D] record the order's cancellation

Every command takes --config PATH (default acp.yaml) and --server URL;
"acp orders COMMAND -h" describes its flags.
`

// ordersCommand runs "acp orders ...".
func ordersCommand(args []string, env cli) int {
	return dispatch("acp orders", ordersUsage, map[string]command{
		"list":   ordersList,
		"show":   ordersShow,
		"ship":   ordersShip,
		"refund": ordersRefund,
		"cancel": ordersCancel,
	}, args, env)
}

func ordersList(args []string, env cli) int {
	c := newAdminCommand("orders list", "[--failed] [--limit N] [--after ORDER_ID] [--json]",
		"Lists orders, newest first: id, creation time, status, total and refunded amount\n(in minor units), agent and items.\n\n"+
			"With --failed, lists the payment attempts that ended without an order the store\n"+
			"keeps, newest first: why (order_refused, placement_deadline, capture_refused) and\n"+
			"where the money is (voided, refunded, capture_failed; authorized or captured when\n"+
			"the seller must settle it by hand).", env)
	limit := c.limitFlag("orders")
	after := c.fs.String("after", "", "list the orders after (older than) this order; with --failed, this record's key\n(SESSION_ID/ATTEMPT)")
	failed := c.fs.Bool("failed", false, "list the failed orders instead")
	asJSON := c.fs.Bool("json", false, `print the merchant API's JSON ({"data": [orders], "has_more": bool})`)
	pos, code := c.parse(args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return c.usageError("unexpected argument %q", pos[0])
	}
	if *failed {
		return c.run(env, func(ctx context.Context, s *session) error {
			return listFailed(ctx, env.stdout, s, *after, *limit, *asJSON)
		})
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		list, more, err := s.List(ctx, *after, *limit)
		if err != nil {
			return err
		}
		for _, o := range list {
			o.Insights = merchantapi.MaskedInsights(o.Insights)
		}
		if *asJSON {
			if list == nil {
				list = []*model.Order{}
			}
			return printJSON(env.stdout, map[string]any{"data": list, "has_more": more})
		}
		if len(list) == 0 {
			fmt.Fprintln(env.stdout, "no orders")
			return nil
		}
		tw := newTable(env.stdout)
		fmt.Fprintln(tw, "ID\tCREATED\tSTATUS\tTOTAL\tREFUNDED\tAGENT\tITEMS")
		for _, o := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d %s\t%d\t%s\t%s\n", o.ID, timestamp(o.CreatedAt), o.Status, o.Total, o.Currency,
				o.AmountRefunded, dash(o.Agent), itemsSummary(o))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if more {
			fmt.Fprintf(env.stdout, "more orders follow: acp orders list --after %s\n", list[len(list)-1].ID)
		}
		return nil
	})
}

// listFailed prints a page of failed orders, as a table or as the
// merchant API's JSON.
func listFailed(ctx context.Context, w io.Writer, s *session, after string, limit int, asJSON bool) error {
	list, more, err := s.Failed(ctx, after, limit)
	if err != nil {
		return err
	}
	if asJSON {
		if list == nil {
			list = []*model.FailedOrder{}
		}
		return printJSON(w, map[string]any{"data": list, "has_more": more})
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no failed orders")
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "SESSION/ATTEMPT\tRECORDED\tREASON\tMONEY\tAMOUNT\tPAYMENT\tORDER\tAGENT\tDETAIL")
	for _, f := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d %s\t%s\t%s\t%s\t%s\n", f.Key(), timestamp(f.CreatedAt), f.Reason, f.Money, f.Amount, f.Currency,
			dash(f.PaymentID), dash(f.OrderID), dash(f.Agent), f.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(w, "more failed orders follow: acp orders list --failed --after %s\n", list[len(list)-1].Key())
	}
	return nil
}

func ordersShow(args []string, env cli) int {
	c := newAdminCommand("orders show", "ORDER_ID [--json]",
		"Shows an order in detail: its lines with the quantities ordered, current (after\ncancellations) and fulfilled, its fulfillments with tracking and events, its\nadjustments (refunds, credits, disputes, cancellations), its totals and what the\n"+
			"agent told beyond the cart (attribution, marketing consents, risk signals; contacts\n"+
			"and signals in full only with --json, attribution tokens never).", env)
	asJSON := c.fs.Bool("json", false, "print the order as the merchant API's JSON")
	id, code := c.orderID(args)
	if code >= 0 {
		return code
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		o, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		// The store opened directly holds the attribution tokens: they
		// are shown masked, as the merchant API shows them.
		o.Insights = merchantapi.MaskedInsights(o.Insights)
		if *asJSON {
			return printJSON(env.stdout, o)
		}
		return printOrder(env.stdout, o)
	})
}

func ordersShip(args []string, env cli) int {
	c := newAdminCommand("orders ship", "ORDER_ID [flags]",
		"Records a fulfillment of the order (a shipment, pickup or digital delivery), or\n"+
			"progress on an existing one (--fulfillment ID). Without --item a new fulfillment\n"+
			"carries everything not yet in one. A new shipping fulfillment is shipped unless\n"+
			"--status says otherwise, a digital one delivered. For example:\n\n"+
			"  acp orders ship ord_123 --carrier UPS --tracking-number 1Z999\n"+
			"  acp orders ship ord_123 --fulfillment ful_456 --status delivered --location 'San Francisco, CA'\n\n"+
			localNote, env)
	var in orders.FulfillmentInput
	var event orders.EventInput
	var items lineItems
	var accessURL, occurredAt string
	c.fs.StringVar(&in.ID, "fulfillment", "", "the fulfillment to update; a new fulfillment gets this id when none has it")
	c.fs.StringVar(&in.Type, "type", "", "shipping (the default for a new fulfillment), pickup or digital")
	c.fs.StringVar(&in.Status, "status", "", "pending, processing, shipped, in_transit, out_for_delivery, ready_for_pickup,\ndelivered, failed or canceled (as the type allows)")
	c.fs.Var(&items, "item", "a line item and the quantity carried, as `LINE_ID=QTY` (repeatable; none means\neverything not yet in a fulfillment)")
	c.fs.StringVar(&in.Carrier, "carrier", "", "the carrier, e.g. UPS")
	c.fs.StringVar(&in.TrackingNumber, "tracking-number", "", "the carrier's tracking number")
	c.fs.StringVar(&in.TrackingURL, "tracking-url", "", "where the buyer can track the shipment (an absolute URL)")
	c.fs.StringVar(&accessURL, "access-url", "", "where the buyer gets a digital delivery (an absolute URL)")
	c.fs.StringVar(&in.Description, "description", "", "a description of the fulfillment")
	c.fs.StringVar(&event.Description, "event-description", "", "a description of this status change, for the fulfillment's event log")
	c.fs.StringVar(&event.Location, "location", "", "where this status change happened, for the event log")
	c.fs.StringVar(&occurredAt, "occurred-at", "", "when this status change happened (RFC 3339; default now)")
	asJSON := c.fs.Bool("json", false, "print the updated order as JSON")
	id, code := c.orderID(args)
	if code >= 0 {
		return code
	}
	in.Lines = items
	if accessURL != "" {
		in.Digital = &model.DigitalDelivery{AccessURL: accessURL}
	}
	if occurredAt != "" {
		t, err := time.Parse(time.RFC3339, occurredAt)
		if err != nil {
			return c.usageError("--occurred-at %q is not an RFC 3339 time such as 2026-05-01T14:30:00Z", occurredAt)
		}
		event.OccurredAt = &t
	}
	if event != (orders.EventInput{}) {
		in.Event = &event
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		o, err := s.Fulfill(ctx, id, in)
		if err != nil {
			return err
		}
		s.noteOutbox(env.stderr, "the webhook events of this change")
		if *asJSON {
			return printJSON(env.stdout, o)
		}
		i := len(o.Fulfillments) - 1
		if j := slices.IndexFunc(o.Fulfillments, func(f model.Fulfillment) bool { return f.ID == in.ID }); in.ID != "" && j >= 0 {
			i = j
		}
		if i >= 0 {
			f := o.Fulfillments[i]
			fmt.Fprintf(env.stdout, "%s: fulfillment %s (%s) is %s; the order is %s\n", o.ID, printable(f.ID), f.Type, f.Status, o.Status)
		}
		return nil
	})
}

func ordersRefund(args []string, env cli) int {
	c := newAdminCommand("orders refund", "ORDER_ID --amount N [flags]",
		"Records a refund or credit the store made (the money itself moves through the\n"+
			"payment processor). Refunds completed or pending cannot come to more than the\n"+
			"order's total. A report with the --id of an earlier one replaces it, so a\n"+
			"pending refund can be completed, and a retried report is recorded once.\n\n"+
			localNote, env)
	var in orders.AdjustmentInput
	var items lineItems
	c.fs.Int64Var(&in.Amount, "amount", 0, "the amount `N` in minor units, tax included (required)")
	c.fs.StringVar(&in.ID, "id", "", "the adjustment's id, e.g. the payment processor's refund id (default: a new id)")
	c.fs.StringVar(&in.Type, "type", "", "refund (the default) or credit")
	c.fs.StringVar(&in.Status, "status", "", "completed (the default), pending or failed")
	c.fs.Var(&items, "item", "a line item and the quantity refunded, as `LINE_ID=QTY` (repeatable)")
	c.fs.StringVar(&in.Reason, "reason", "", "why, e.g. damaged")
	c.fs.StringVar(&in.Description, "description", "", "a description of the refund")
	asJSON := c.fs.Bool("json", false, "print the updated order as JSON")
	id, code := c.orderID(args)
	if code >= 0 {
		return code
	}
	if !c.isSet("amount") {
		return c.usageError("--amount is required")
	}
	in.Lines = items
	return c.run(env, func(ctx context.Context, s *session) error {
		o, err := s.Adjust(ctx, id, in)
		if err != nil {
			return err
		}
		s.noteOutbox(env.stderr, "the webhook events of this change")
		if *asJSON {
			return printJSON(env.stdout, o)
		}
		i := len(o.Adjustments) - 1
		if j := slices.IndexFunc(o.Adjustments, func(a model.Adjustment) bool { return a.ID == in.ID }); in.ID != "" && j >= 0 {
			i = j
		}
		if i >= 0 {
			a := o.Adjustments[i]
			fmt.Fprintf(env.stdout, "%s: %s %s of %d %s is %s; refunded %d of %d %s\n",
				o.ID, a.Type, a.ID, a.Amount, a.Currency, a.Status, o.AmountRefunded, o.Total, o.Currency)
		}
		return nil
	})
}

func ordersCancel(args []string, env cli) int {
	c := newAdminCommand("orders cancel", "ORDER_ID [--reason R] [--description D]",
		"Records that the store canceled what is left of the order: every line drops to\n"+
			"what has been fulfilled and fulfillments not yet dispatched are canceled. The\n"+
			"order becomes canceled when nothing had been fulfilled. An order whose items were\n"+
			"all fulfilled cannot be canceled; record a refund instead. Money goes back with\n"+
			"acp orders refund.\n\n"+
			localNote, env)
	var in orders.CancelInput
	c.fs.StringVar(&in.Reason, "reason", "", "why, e.g. out_of_stock")
	c.fs.StringVar(&in.Description, "description", "", "a description of the cancellation")
	asJSON := c.fs.Bool("json", false, "print the updated order as JSON")
	id, code := c.orderID(args)
	if code >= 0 {
		return code
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		o, err := s.Cancel(ctx, id, in)
		if err != nil {
			return err
		}
		s.noteOutbox(env.stderr, "the webhook events of this change")
		if *asJSON {
			return printJSON(env.stdout, o)
		}
		fmt.Fprintf(env.stdout, "%s: cancellation recorded; the order is %s\n", o.ID, o.Status)
		return nil
	})
}

// orderID parses args, which must hold exactly one order id.
func (c *adminCommand) orderID(args []string) (string, int) {
	pos, code := c.parse(args)
	switch {
	case code >= 0:
		return "", code
	case len(pos) == 0:
		return "", c.usageError("ORDER_ID is required")
	case len(pos) > 1:
		return "", c.usageError("one ORDER_ID, got %d arguments", len(pos))
	}
	return pos[0], -1
}

// lineItems is the repeatable --item LINE_ID=QTY flag.
type lineItems []model.LineQuantity

// String implements flag.Value.
func (l *lineItems) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, 0, len(*l))
	for _, lq := range *l {
		parts = append(parts, fmt.Sprintf("%s=%d", lq.ID, lq.Quantity))
	}
	return strings.Join(parts, ",")
}

// Set implements flag.Value.
func (l *lineItems) Set(s string) error {
	id, qty, ok := strings.Cut(s, "=")
	id = strings.TrimSpace(id)
	n, err := strconv.ParseInt(strings.TrimSpace(qty), 10, 64)
	if !ok || id == "" || err != nil || n < 1 {
		return fmt.Errorf("want LINE_ID=QUANTITY with a quantity of at least 1, e.g. li_mug-classic=2")
	}
	*l = append(*l, model.LineQuantity{ID: id, Quantity: n})
	return nil
}

// printOrder writes the order in detail.
func printOrder(w io.Writer, o *model.Order) error {
	tw := newTable(w)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("Order", o.ID)
	row("Number", o.OrderNumber)
	row("Status", o.Status)
	row("Checkout session", o.CheckoutSessionID)
	row("Created", timestamp(o.CreatedAt))
	row("Updated", timestamp(o.UpdatedAt))
	agent := o.Agent
	if o.APIVersion != "" {
		agent += " (API " + o.APIVersion + ")"
	}
	row("Agent", agent)
	payment := o.PaymentID
	if o.HandlerID != "" {
		payment = strings.TrimSpace(payment + " via " + o.HandlerID)
	}
	row("Payment", payment)
	row("Permalink", o.PermalinkURL)
	row("Notes", printable(o.OrderNotes))
	row("Total", fmt.Sprintf("%d %s, refunded %d", o.Total, o.Currency, o.AmountRefunded))
	if err := tw.Flush(); err != nil {
		return err
	}

	if err := printInsights(w, o.Insights); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nTOTALS")
	tw = newTable(w)
	t := o.Totals
	for _, r := range []struct {
		name   string
		amount int64
	}{
		{"items_base_amount", t.ItemsBaseAmount}, {"items_discount", t.ItemsDiscount}, {"subtotal", t.Subtotal},
		{"fulfillment", t.Fulfillment}, {"tax", t.Tax}, {"total", t.Total},
	} {
		fmt.Fprintf(tw, "  %s\t%d\n", r.name, r.amount)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nLINES")
	tw = newTable(w)
	fmt.Fprintln(tw, "  ID\tTITLE\tUNIT PRICE\tORDERED\tCURRENT\tFULFILLED\tSUBTOTAL\tSTATUS")
	for _, l := range o.Lines {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", l.ID, l.Title, l.UnitPrice, l.Ordered, l.Current, l.Fulfilled, l.Subtotal, l.Status())
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nFULFILLMENTS")
	if len(o.Fulfillments) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, f := range o.Fulfillments {
		fmt.Fprintf(w, "  %s  %s  %s  %s\n", printable(f.ID), f.Type, f.Status, quantities(f.Lines))
		tracking := strings.TrimSpace(strings.Join([]string{f.Carrier, f.TrackingNumber, f.TrackingURL}, " "))
		detail := func(k, v string) {
			if v != "" {
				fmt.Fprintf(w, "    %s: %s\n", k, v)
			}
		}
		detail("tracking", tracking)
		detail("description", f.Description)
		if d := f.Digital; d != nil {
			detail("access", d.AccessURL)
			if d.LicenseKey != "" {
				detail("license key", "(set)")
			}
			if d.ExpiresAt != nil {
				detail("access expires", timestamp(*d.ExpiresAt))
			}
		}
		for _, e := range f.Events {
			line := fmt.Sprintf("    %s  %s", timestamp(e.OccurredAt), e.Type)
			if e.Description != "" {
				line += "  " + e.Description
			}
			if e.Location != "" {
				line += "  at " + e.Location
			}
			fmt.Fprintln(w, line)
		}
	}

	fmt.Fprintln(w, "\nADJUSTMENTS")
	if len(o.Adjustments) == 0 {
		fmt.Fprintln(w, "  none")
		return nil
	}
	tw = newTable(w)
	fmt.Fprintln(tw, "  ID\tTYPE\tSTATUS\tAMOUNT\tOCCURRED\tITEMS\tREASON\tDESCRIPTION")
	for _, a := range o.Adjustments {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d %s\t%s\t%s\t%s\t%s\n", a.ID, a.Type, a.Status, a.Amount, a.Currency,
			timestamp(a.OccurredAt), dash(quantities(a.Lines)), dash(a.Reason), dash(a.Description))
	}
	return tw.Flush()
}

// itemsSummary lists an order's current lines as "2x Classic mug, ...".
func itemsSummary(o *model.Order) string {
	parts := make([]string, 0, len(o.Lines))
	for _, l := range o.Lines {
		if l.Current > 0 {
			title := l.Title
			if title == "" {
				title = l.ID
			}
			parts = append(parts, fmt.Sprintf("%dx %s", l.Current, title))
		}
	}
	return dash(strings.Join(parts, ", "))
}

// quantities lists line quantities as "li_a x2, li_b x1".
func quantities(lines []model.LineQuantity) string {
	parts := make([]string, 0, len(lines))
	for _, lq := range lines {
		parts = append(parts, fmt.Sprintf("%s x%d", lq.ID, lq.Quantity))
	}
	return strings.Join(parts, ", ")
}

// newTable returns a writer aligning tab-separated columns.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// timestamp formats t in UTC to the second; "" for the zero time.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// dash stands in for an empty table cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
