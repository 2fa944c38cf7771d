package acptest

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// The contracts the host enforces on every plugin, by name. A conformance
// suite runs one subtest per contract, named after it, and every failure
// message says which contract was broken, so that a plugin author learns
// the host's rules here rather than from its errors in production.
const (
	ContractCatalogOnePerRef      = "catalog: one item per requested ref, in request order"
	ContractCatalogUnknownItem    = "catalog: an unknown item is Found false, not an error"
	ContractCatalogNoNegative     = "catalog: no negative prices or quantities"
	ContractCatalogTypes          = "catalog: fulfillment types are ACP's"
	ContractCatalogEscalation     = "catalog: an escalation has one of catalog.EscalationCodes and, if any, an absolute http(s) page"
	ContractTaxOnePerLine         = "tax: one tax per requested line, in request order"
	ContractTaxNoNegative         = "tax: no negative amounts"
	ContractTaxNoDestination      = "tax: a cart without a destination is quoted, not refused"
	ContractTaxNoLines            = "tax: a cart without lines (no item found) is quoted, not refused"
	ContractTaxMaxAge             = "tax: MaxAge is not negative, and an answer with one is what the same request gets again"
	ContractShippingNoDestination = "shipping: a cart without a destination is quoted, not refused"
	ContractShippingNoLines       = "shipping: a cart without lines (no item found) is quoted, not refused"
	ContractShippingNoNegative    = "shipping: no negative amounts"
	ContractShippingLines         = "shipping: options name only the request's lines"
	ContractShippingStableIDs     = "shipping: option ids are unique, and stable for the same cart"
	ContractShippingTypes         = "shipping: option types are ACP's"
	ContractShippingMaxAge        = "shipping: MaxAge is not negative, and an answer with one is what the same request gets again"
	ContractFulfillmentIdempotent = "fulfillment: PlaceOrder is idempotent on its key"
	ContractFulfillmentCancel     = "fulfillment: a repeated CancelOrder is a success"
	ContractStockIdempotent       = "stock: Reserve is idempotent on its key"
	ContractStockShortfall        = "stock: a Reserve that does not fit holds nothing and names each short line with what is available"
	ContractStockCommit           = "stock: Commit sells the held units, and a repeated Commit is a success"
	ContractStockRelease          = "stock: Release gives the units back, and a repeated Release is a success"
	ContractStockExpiry           = "stock: a hold past its expiry gives its units back"
	ContractStockConcurrent       = "stock: concurrent Reserves never hold more than the stock"
	ContractStockExtend           = "stock: a repeated Reserve of a held key extends its expiry"
	ContractStockReleaseFirst     = "stock: a Reserve after a Release of a key never held holds nothing"
	ContractStockNoSuchHold       = "stock: Commit of a key never held answers ErrNoSuchHold"
	ContractMessages              = "messages: typed, with ACP's codes and resolutions, and JSONPath params into the checkout session"
	ContractDeadline              = "the call's deadline is honoured"
)

// DeadlineGrace is how long after its deadline a capability call may
// still return before the deadline contract counts as broken. The host
// gives up at the deadline; a call that goes on holds the plugin's
// resources (and its backend's) for nothing.
const DeadlineGrace = time.Second

// deadline is the deadline the suites give the call that checks the
// deadline contract.
const deadline = 100 * time.Millisecond

// CatalogSuite says what to ask a catalog for.
type CatalogSuite struct {
	// Sold are ids of items the configured plugin sells; at least one.
	Sold []string
	// Currency is the session currency; "usd" when empty.
	Currency string
}

// RunCatalogConformance serves opts as New does and checks every contract
// of the catalog capability, each in a subtest named after it.
func RunCatalogConformance(t *testing.T, opts acpplugin.ServeOpts, suite CatalogSuite, options ...Option) {
	t.Helper()
	if opts.Catalog == nil || len(suite.Sold) == 0 {
		t.Fatal("acptest: RunCatalogConformance needs ServeOpts.Catalog and at least one sold item id")
	}
	p := New(t, opts, options...)
	const unknown = "acptest-no-such-item"
	sold := &catalog.ResolveItemsRequest{Currency: currencyOr(suite.Currency)}
	for _, id := range suite.Sold {
		sold.Items = append(sold.Items, catalog.ItemRef{ID: id, Quantity: 1})
	}
	if _, err := p.Catalog().ResolveItems(context.Background(), sold); err != nil {
		t.Fatalf("acptest: ResolveItems of the sold items %v failed: %v", suite.Sold, err)
	}
	// An unknown id in the middle and a repeated id at the end show
	// whether answers keep the request's order.
	req := &catalog.ResolveItemsRequest{Currency: sold.Currency}
	req.Items = append(req.Items, sold.Items[0], catalog.ItemRef{ID: unknown, Quantity: 1})
	req.Items = append(req.Items, sold.Items[1:]...)
	req.Items = append(req.Items, catalog.ItemRef{ID: suite.Sold[0], Quantity: 2})
	resp, err := p.Catalog().ResolveItems(context.Background(), req)
	check(t, ContractCatalogUnknownItem, func(c *contract) {
		if err != nil {
			c.broke("ResolveItems of %d items, one of them unknown (%q), failed: %v", len(req.Items), unknown, err)
			return
		}
		for i, it := range resp.Items {
			if it.ID == unknown && it.Found {
				c.broke("item %d (%q) is Found", i, unknown)
			}
			if it.ID != unknown && !it.Found {
				c.broke("item %d (%q), said to be sold, is not Found", i, it.ID)
			}
		}
	})
	if err != nil {
		// The other contracts are checked on the sold items alone.
		req = sold
		if resp, err = p.Catalog().ResolveItems(context.Background(), req); err != nil {
			t.Fatalf("acptest: ResolveItems of the sold items %v failed: %v", suite.Sold, err)
		}
	}
	check(t, ContractCatalogOnePerRef, func(c *contract) {
		c.sameOrder("the cart", "item", idsOf(resp.Items, func(it catalog.Item) string { return it.ID }),
			idsOf(req.Items, func(r catalog.ItemRef) string { return r.ID }))
	})
	check(t, ContractCatalogNoNegative, func(c *contract) {
		for i, it := range resp.Items {
			if it.UnitPrice < 0 || it.MaxPerOrder < 0 || it.Available != nil && *it.Available < 0 {
				c.broke("item %d (%q): unit price %d, max per order %d, available %v", i, it.ID, it.UnitPrice, it.MaxPerOrder, deref(it.Available))
			}
		}
	})
	check(t, ContractCatalogTypes, func(c *contract) {
		for i, it := range resp.Items {
			for _, typ := range it.FulfillmentTypes {
				if !typ.Valid() {
					c.broke("item %d (%q) has fulfillment type %q, not one of %v", i, it.ID, typ, acp.FulfillmentTypes)
				}
			}
		}
	})
	check(t, ContractCatalogEscalation, func(c *contract) {
		for i, it := range resp.Items {
			e := it.Escalation
			if e == nil {
				continue
			}
			if !slices.Contains(catalog.EscalationCodes, e.Code) {
				c.broke("item %d (%q) escalates with code %q, not one of catalog.EscalationCodes %v", i, it.ID, e.Code, catalog.EscalationCodes)
			}
			if _, err := catalog.ExpandContinueURL(e.ContinueURL, "cs_conformance", it.ID); err != nil {
				c.broke("item %d (%q) escalates to a page the host refuses: %v", i, it.ID, err)
			}
		}
	})
	checkMessages(t, "line_items", []answerMessages{{"the cart", resp.Messages, len(req.Items)}})
	checkDeadline(t, func(ctx context.Context) error {
		_, err := opts.Catalog.ResolveItems(ctx, req)
		return err
	})
}

// TaxSuite says what to ask a tax capability for.
type TaxSuite struct {
	// Destination is an address the configured plugin taxes.
	Destination acp.Address
	// Currency is the cart's currency; "usd" when empty.
	Currency string
}

// RunTaxConformance serves opts as New does and checks every contract of
// the tax capability, each in a subtest named after it.
func RunTaxConformance(t *testing.T, opts acpplugin.ServeOpts, suite TaxSuite, options ...Option) {
	t.Helper()
	if opts.Tax == nil {
		t.Fatal("acptest: RunTaxConformance needs ServeOpts.Tax")
	}
	p := New(t, opts, options...)
	dest := suite.Destination
	req := &tax.QuoteRequest{Currency: currencyOr(suite.Currency), Destination: &dest, Fulfillment: 500, Lines: []tax.Line{
		{ID: "li_1", Amount: 1000}, {ID: "li_2", Amount: 0}, {ID: "li_3", Amount: 2599, TaxCategory: "standard"},
	}}
	resp, err := p.Tax().Quote(context.Background(), req)
	if err != nil {
		t.Fatalf("acptest: Quote of a cart to %s failed: %v", dest.Country, err)
	}
	// The host asks for tax on every pricing: without a destination
	// until the buyer gives an address, and, before protocol 1.5,
	// without lines when no item of the cart is found (a host of 1.5
	// asks about no lines only with a fulfillment charge to tax; plugins
	// serve hosts of every minor).
	answers := askVariants(answer[*tax.QuoteRequest, *tax.QuoteResponse]{what: "a cart to " + dest.Country, req: req, resp: resp},
		req.Destination, req.Lines, func(dest *acp.Address, lines []tax.Line) *tax.QuoteRequest {
			r := *req
			r.Destination, r.Lines = dest, lines
			return &r
		}, func(r *tax.QuoteRequest) (*tax.QuoteResponse, error) { return p.Tax().Quote(context.Background(), r) })
	checkVariants(t, answers, ContractTaxNoDestination, "quote from the seller's origin, or say why in a message",
		ContractTaxNoLines, "answer no lines, and tax the fulfillment charge if any")
	answered := succeeded(answers)
	check(t, ContractTaxOnePerLine, func(c *contract) {
		for _, a := range answered {
			c.sameOrder(a.what, "line", idsOf(a.resp.Lines, func(l tax.LineTax) string { return l.ID }),
				idsOf(a.req.Lines, func(l tax.Line) string { return l.ID }))
		}
	})
	check(t, ContractTaxNoNegative, func(c *contract) {
		for _, a := range answered {
			for i, l := range a.resp.Lines {
				if l.Amount < 0 {
					c.broke("%s: line %d (%q) has tax %d", a.what, i, l.ID, l.Amount)
				}
			}
			if a.resp.Fulfillment < 0 {
				c.broke("%s: fulfillment tax %d", a.what, a.resp.Fulfillment)
			}
			for _, j := range a.resp.Breakdown {
				if j.Amount < 0 {
					c.broke("%s: jurisdiction %q has amount %d", a.what, j.Name, j.Amount)
				}
			}
		}
	})
	checkMaxAge(t, ContractTaxMaxAge, answered, func(r *tax.QuoteResponse) time.Duration { return r.MaxAge },
		func(r *tax.QuoteResponse) any { c := *r; c.MaxAge = 0; return &c },
		func(r *tax.QuoteRequest) (*tax.QuoteResponse, error) { return p.Tax().Quote(context.Background(), r) })
	checkMessages(t, "line_items", mapAnswers(answered, func(a answer[*tax.QuoteRequest, *tax.QuoteResponse]) answerMessages {
		return answerMessages{a.what, a.resp.Messages, len(a.req.Lines)}
	}))
	checkDeadline(t, func(ctx context.Context) error {
		_, err := opts.Tax.Quote(ctx, req)
		return err
	})
}

// ShippingSuite says what to ask a shipping capability for.
type ShippingSuite struct {
	// Destination is an address the configured plugin ships to.
	Destination acp.Address
	// Lines is a cart the plugin quotes options for; nil means one line
	// of one 1 kg shippable item at 10.00.
	Lines []shipping.Line
	// Currency is the cart's currency; "usd" when empty.
	Currency string
}

// RunShippingConformance serves opts as New does and checks every
// contract of the shipping capability, each in a subtest named after it.
func RunShippingConformance(t *testing.T, opts acpplugin.ServeOpts, suite ShippingSuite, options ...Option) {
	t.Helper()
	if opts.Shipping == nil {
		t.Fatal("acptest: RunShippingConformance needs ServeOpts.Shipping")
	}
	p := New(t, opts, options...)
	dest := suite.Destination
	lines := suite.Lines
	if lines == nil {
		lines = []shipping.Line{{ID: "li_1", ItemID: "acptest-item", Quantity: 1, Subtotal: 1000,
			Weight: &acp.Weight{Value: 1, Unit: "kg"}, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping}}}
	}
	req := &shipping.QuoteRequest{Currency: currencyOr(suite.Currency), Destination: &dest, Lines: lines}
	resp, err := p.Shipping().Quote(context.Background(), req)
	if err != nil {
		t.Fatalf("acptest: Quote of a cart to %s failed: %v", dest.Country, err)
	}
	// The host asks for options on every pricing: without a destination
	// until the buyer gives an address, and, before protocol 1.5,
	// without lines when no item of the cart is found (a host of 1.5
	// does not; plugins serve hosts of every minor).
	answers := askVariants(answer[*shipping.QuoteRequest, *shipping.QuoteResponse]{what: "a cart to " + dest.Country, req: req, resp: resp},
		req.Destination, req.Lines, func(dest *acp.Address, lines []shipping.Line) *shipping.QuoteRequest {
			r := *req
			r.Destination, r.Lines = dest, lines
			return &r
		}, func(r *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			return p.Shipping().Quote(context.Background(), r)
		})
	checkVariants(t, answers, ContractShippingNoDestination, "offer what needs no address (pickup, digital), or nothing",
		ContractShippingNoLines, "offer no options, or options naming no lines")
	answered := succeeded(answers)
	check(t, ContractShippingNoNegative, func(c *contract) {
		for _, a := range answered {
			for _, o := range a.resp.Options {
				if o.Amount < 0 {
					c.broke("%s: option %q costs %d", a.what, o.ID, o.Amount)
				}
			}
		}
	})
	check(t, ContractShippingLines, func(c *contract) {
		for _, a := range answered {
			known := map[string]bool{}
			for _, l := range a.req.Lines {
				known[l.ID] = true
			}
			for _, o := range a.resp.Options {
				for _, id := range o.LineIDs {
					if !known[id] {
						c.broke("%s: option %q names line %q, which is not in the request", a.what, o.ID, id)
					}
				}
			}
		}
	})
	check(t, ContractShippingStableIDs, func(c *contract) {
		for _, a := range answered {
			seen := map[string]bool{}
			for _, o := range a.resp.Options {
				if o.ID == "" || seen[o.ID] {
					c.broke("%s: option id %q is empty or repeated", a.what, o.ID)
				}
				seen[o.ID] = true
			}
		}
		again, err := p.Shipping().Quote(context.Background(), req)
		if err != nil {
			c.broke("the same Quote, made again, failed: %v", err)
			return
		}
		optionID := func(o shipping.Option) string { return o.ID }
		if got, want := idsOf(again.Options, optionID), idsOf(resp.Options, optionID); !slices.Equal(got, want) {
			c.broke("the same cart quoted again has options %v, first %v", got, want)
		}
	})
	check(t, ContractShippingTypes, func(c *contract) {
		for _, a := range answered {
			for _, o := range a.resp.Options {
				if !o.Type.Valid() {
					c.broke("%s: option %q has type %q, not one of %v", a.what, o.ID, o.Type, acp.FulfillmentTypes)
				}
			}
		}
	})
	checkMaxAge(t, ContractShippingMaxAge, answered, func(r *shipping.QuoteResponse) time.Duration { return r.MaxAge },
		func(r *shipping.QuoteResponse) any { c := *r; c.MaxAge = 0; return &c },
		func(r *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			return p.Shipping().Quote(context.Background(), r)
		})
	checkMessages(t, "line_items", mapAnswers(answered, func(a answer[*shipping.QuoteRequest, *shipping.QuoteResponse]) answerMessages {
		return answerMessages{a.what, a.resp.Messages, len(a.req.Lines)}
	}))
	checkDeadline(t, func(ctx context.Context) error {
		_, err := opts.Shipping.Quote(ctx, req)
		return err
	})
}

// FulfillmentSuite says what to ask a fulfillment capability for.
type FulfillmentSuite struct {
	// Order is an order the configured plugin places; nil means a
	// one-line order to a US address. Its OrderID and IdempotencyKey are
	// replaced for each placement the suite makes.
	Order *fulfillment.PlaceOrderRequest
	// Placements, when set, says how many orders the plugin has placed
	// in its backend so far (a test double of the backend counts them).
	// With it the suite checks that a retried PlaceOrder places nothing;
	// without it, only that the retry gets the first answer.
	Placements func() int
}

// RunFulfillmentConformance serves opts as New does and checks every
// contract of the fulfillment capability, each in a subtest named after it.
func RunFulfillmentConformance(t *testing.T, opts acpplugin.ServeOpts, suite FulfillmentSuite, options ...Option) {
	t.Helper()
	if opts.Fulfillment == nil {
		t.Fatal("acptest: RunFulfillmentConformance needs ServeOpts.Fulfillment")
	}
	p := New(t, opts, options...)
	order := func(n int) *fulfillment.PlaceOrderRequest {
		req := defaultOrder()
		if suite.Order != nil {
			copied := *suite.Order
			req = &copied
		}
		req.OrderID = fmt.Sprintf("ord_acptest_%d", n)
		req.IdempotencyKey = fmt.Sprintf("acptest-place-%d", n)
		return req
	}
	check(t, ContractFulfillmentIdempotent, func(c *contract) {
		req := order(1)
		placed := placements(suite)
		first, err := p.Fulfillment().PlaceOrder(context.Background(), req)
		if err != nil {
			c.broke("PlaceOrder failed: %v", err)
			return
		}
		if n := placements(suite) - placed; suite.Placements != nil && n != 1 {
			c.broke("PlaceOrder with a new key %q placed %d orders, want 1", req.IdempotencyKey, n)
		}
		again, err := p.Fulfillment().PlaceOrder(context.Background(), req)
		if err != nil {
			c.broke("PlaceOrder retried with the same key %q failed: %v", req.IdempotencyKey, err)
			return
		}
		if *first != *again {
			c.broke("PlaceOrder retried with the same key %q answered %+v, first %+v", req.IdempotencyKey, *again, *first)
		}
		if n := placements(suite) - placed; suite.Placements != nil && n != 1 {
			c.broke("PlaceOrder called twice with the same key %q placed %d orders, want 1", req.IdempotencyKey, n)
		}
	})
	check(t, ContractFulfillmentCancel, func(c *contract) {
		req := order(3)
		if _, err := p.Fulfillment().PlaceOrder(context.Background(), req); err != nil {
			c.broke("PlaceOrder of the order to cancel failed: %v", err)
			return
		}
		cancel := &fulfillment.CancelOrderRequest{OrderID: req.OrderID, Reason: "acptest"}
		for _, attempt := range []string{"CancelOrder", "CancelOrder repeated"} {
			if err := p.Fulfillment().CancelOrder(context.Background(), cancel); err != nil {
				c.broke("%s of %q failed: %v", attempt, req.OrderID, err)
			}
		}
	})
	checkDeadline(t, func(ctx context.Context) error {
		_, err := opts.Fulfillment.PlaceOrder(ctx, order(2))
		return err
	})
}

// placements is what suite.Placements says, or 0 without it.
func placements(suite FulfillmentSuite) int {
	if suite.Placements == nil {
		return 0
	}
	return suite.Placements()
}

func defaultOrder() *fulfillment.PlaceOrderRequest {
	return &fulfillment.PlaceOrderRequest{
		CheckoutSessionID: "cs_acptest", Currency: "usd", Total: 1160,
		Lines:       []fulfillment.Line{{ID: "li_1", ItemID: "acptest-item", Title: "Test item", Quantity: 1, UnitPrice: 1000, Total: 1160}},
		Destination: &acp.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "Springfield", State: "IL", Country: "US", PostalCode: "62701"},
		OptionIDs:   []string{"standard"},
		Buyer:       &fulfillment.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
	}
}

// contract is one contract checked in its own subtest.
type contract struct {
	t    *testing.T
	name string
}

// broke fails the subtest with a message naming the contract.
func (c *contract) broke(format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("contract %q broken: %s", c.name, fmt.Sprintf(format, args...))
}

// sameOrder reports answers that are not one per request entry, each
// echoing its entry's id in the request's order; what names the request.
func (c *contract) sameOrder(what, noun string, got, want []string) {
	c.t.Helper()
	if len(got) != len(want) {
		c.broke("%s: answered %d %ss for %d requested", what, len(got), noun, len(want))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			c.broke("%s: %s %d is %q, but %q was requested there", what, noun, i, got[i], want[i])
		}
	}
}

// answer is one call of a capability: what it asked, in words, and its
// outcome.
type answer[Req, Resp any] struct {
	what string
	req  Req
	resp Resp
	err  error
	// noDestination and noLines say what the request went without.
	noDestination, noLines bool
}

// askVariants returns first, an answer to a cart with lines to the
// suite's destination, followed by the answers to the requests the host
// makes before the buyer gives an address and when no item of the cart is
// found: first's request (to dest, of lines), which remake builds, without
// its destination, without its lines, and without both. call asks the
// plugin.
func askVariants[Req, Resp, L any](first answer[Req, Resp], dest *acp.Address, lines []L, remake func(*acp.Address, []L) Req, call func(Req) (Resp, error)) []answer[Req, Resp] {
	answers := []answer[Req, Resp]{first}
	for _, v := range []struct {
		what                   string
		noDestination, noLines bool
	}{
		{"the cart without a destination", true, false},
		{"a cart without lines", false, true},
		{"a cart without lines or destination", true, true},
	} {
		vdest, vlines := dest, lines
		if v.noDestination {
			vdest = nil
		}
		if v.noLines {
			vlines = nil
		}
		a := answer[Req, Resp]{what: v.what, req: remake(vdest, vlines), noDestination: v.noDestination, noLines: v.noLines}
		a.resp, a.err = call(a.req)
		answers = append(answers, a)
	}
	return answers
}

// checkVariants checks, each in its contract's subtest, that the
// requests without a destination and those without lines succeeded; the
// hints say what to answer instead. A failure of the request without
// either is put down to the missing lines, unless a request without one
// of them failed too.
func checkVariants[Req, Resp any](t *testing.T, answers []answer[Req, Resp], noDestination, noDestinationHint, noLines, noLinesHint string) {
	t.Helper()
	failedAlone := slices.ContainsFunc(answers, func(a answer[Req, Resp]) bool { return a.err != nil && a.noDestination != a.noLines })
	blame := map[string]func(a answer[Req, Resp]) bool{
		noDestination: func(a answer[Req, Resp]) bool { return a.noDestination && !a.noLines },
		noLines:       func(a answer[Req, Resp]) bool { return a.noLines && (!a.noDestination || !failedAlone) },
	}
	hints := map[string]string{noDestination: noDestinationHint, noLines: noLinesHint}
	for _, name := range []string{noDestination, noLines} {
		check(t, name, func(c *contract) {
			for _, a := range answers {
				if a.err != nil && blame[name](a) {
					c.broke("Quote of %s failed: %v (%s; the host answers 503 to every pricing of such a cart)", a.what, a.err, hints[name])
				}
			}
		})
	}
}

// succeeded returns the answers without an error, which the other
// contracts check.
func succeeded[Req, Resp any](answers []answer[Req, Resp]) []answer[Req, Resp] {
	var out []answer[Req, Resp]
	for _, a := range answers {
		if a.err == nil {
			out = append(out, a)
		}
	}
	return out
}

// mapAnswers maps answers with fn.
func mapAnswers[Req, Resp, T any](answers []answer[Req, Resp], fn func(answer[Req, Resp]) T) []T {
	out := make([]T, len(answers))
	for i, a := range answers {
		out[i] = fn(a)
	}
	return out
}

// idsOf maps list to the ids id reads.
func idsOf[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

// checkMaxAge checks, in the subtest of contract name, each answer's
// MaxAge (maxAge reads it): never negative, and an answer the host may
// reuse is the answer the same request gets when call asks it again, as
// ageless shows both (without their MaxAge, which may count down).
func checkMaxAge[Req, Resp any](t *testing.T, name string, answers []answer[Req, Resp], maxAge func(Resp) time.Duration, ageless func(Resp) any, call func(Req) (Resp, error)) {
	t.Helper()
	check(t, name, func(c *contract) {
		for _, a := range answers {
			age := maxAge(a.resp)
			switch {
			case age < 0:
				c.broke("%s: MaxAge is %v; leave it zero when the answer may not be reused", a.what, age)
			case age > 0:
				again, err := call(a.req)
				if err != nil {
					c.broke("%s: the answer may be reused for %v, but the same request, made again, failed: %v", a.what, age, err)
				} else if first, second := ageless(a.resp), ageless(again); !reflect.DeepEqual(first, second) {
					c.broke("%s: the answer may be reused for %v, but the same request, made again, answers %+v, first %+v", a.what, age, second, first)
				}
			}
		}
	})
}

// check runs fn in a subtest named after the contract.
func check(t *testing.T, name string, fn func(c *contract)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Helper()
		fn(&contract{t: t, name: name})
	})
}

// jsonPath matches the JSONPath subset ACP params use: member names and
// array indexes below the root, e.g. $.line_items[0].item.id.
var jsonPath = regexp.MustCompile(`^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$`)

// indexedParam extracts the array and index of a param such as
// $.line_items[3].quantity.
var indexedParam = regexp.MustCompile(`^\$\.([A-Za-z_][A-Za-z0-9_]*)\[([0-9]+)\]`)

// answerMessages are the messages of one answer: what names the request,
// n is the number of entries of its array.
type answerMessages struct {
	what string
	msgs acp.Messages
	n    int
}

// checkMessages checks the messages of answers, reporting every fault: a
// known type; on an error or a warning, one of ACP's codes for its type,
// and none on info (ACP's MessageInfo has no code); a resolution, if any,
// that ACP defines; text; and a param that is JSONPath into the session
// whose index into array (the request's lines, which the host maps to the
// session's) stays within the request's entries.
func checkMessages(t *testing.T, array string, answers []answerMessages) {
	t.Helper()
	check(t, ContractMessages, func(c *contract) {
		for _, a := range answers {
			for i, m := range a.msgs {
				for _, fault := range messageFaults(m, array, a.n) {
					c.broke("%s: message %d: %s", a.what, i, fault)
				}
			}
		}
	})
}

// messageFaults lists what is wrong with m.
func messageFaults(m acp.Message, array string, n int) []string {
	var faults []string
	switch m.Type {
	case acp.MessageInfo:
		if m.Code != "" {
			faults = append(faults, fmt.Sprintf("an info message has code %q; ACP's info messages have none", m.Code))
		}
	case acp.MessageWarning:
		if !slices.Contains(acp.WarningCodes, m.Code) {
			faults = append(faults, fmt.Sprintf("a warning has code %q, not one of acp.WarningCodes %v", m.Code, acp.WarningCodes))
		}
	case acp.MessageError:
		if !slices.Contains(acp.ErrorCodes, m.Code) {
			faults = append(faults, fmt.Sprintf("an error has code %q, not one of acp.ErrorCodes %v", m.Code, acp.ErrorCodes))
		}
	default:
		faults = append(faults, fmt.Sprintf("type %q, not info, warning or error", m.Type))
	}
	if m.Resolution != "" && !m.Resolution.Valid() {
		faults = append(faults, fmt.Sprintf("resolution %q, not one of %v", m.Resolution, acp.Resolutions))
	}
	if m.Content == "" {
		faults = append(faults, "no content")
	}
	if m.Param != "" && !jsonPath.MatchString(m.Param) {
		faults = append(faults, fmt.Sprintf("param %q is not a JSONPath such as $.%s[0].item.id", m.Param, array))
	}
	if sub := indexedParam.FindStringSubmatch(m.Param); sub != nil && sub[1] == array {
		if idx, err := strconv.Atoi(sub[2]); err != nil || idx >= n {
			faults = append(faults, fmt.Sprintf("param %q, but the request has %d %s", m.Param, n, array))
		}
	}
	return faults
}

// checkDeadline calls the capability in-process with a short deadline and
// checks that it returns within DeadlineGrace of it.
func checkDeadline(t *testing.T, call func(ctx context.Context) error) {
	t.Helper()
	check(t, ContractDeadline, func(c *contract) {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = call(ctx) // an answer in time, or ctx's error: both honour it
		}()
		select {
		case <-done:
		case <-time.After(deadline + DeadlineGrace):
			c.broke("a call with a %v deadline had not returned %v after it: watch ctx.Done() in every wait", deadline, DeadlineGrace)
		}
	})
}

func currencyOr(c string) string {
	if c == "" {
		return "usd"
	}
	return c
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
