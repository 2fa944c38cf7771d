package acptest_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// goodCatalog sells "mug" and "cap" at 100, and nothing else.
func goodCatalog(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp := &catalog.ResolveItemsResponse{}
	for i, ref := range req.Items {
		if ref.ID != "mug" && ref.ID != "cap" {
			resp.Items = append(resp.Items, catalog.Item{ID: ref.ID})
			resp.Messages.AddError(acp.CodeNotFound, fmt.Sprintf("$.line_items[%d].item.id", i), "no such item", acp.ResolutionRecoverable)
			continue
		}
		resp.Items = append(resp.Items, catalog.Item{ID: ref.ID, Found: true, Title: ref.ID, UnitPrice: 100,
			FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping}})
		if ref.ID == "cap" {
			resp.Items[i].Escalation = &catalog.Escalation{Code: acp.CodeRequiresSignIn, ContinueURL: "https://shop.test/cap?s={checkout_session_id}"}
		}
	}
	return resp, ctx.Err()
}

// goodTax charges 10 % on every line and on fulfillment, an answer the
// host may reuse for a minute.
func goodTax(_ context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	resp := &tax.QuoteResponse{Fulfillment: req.Fulfillment / 10, MaxAge: time.Minute}
	for _, l := range req.Lines {
		resp.Lines = append(resp.Lines, tax.LineTax{ID: l.ID, Amount: l.Amount / 10})
	}
	return resp, nil
}

// goodShipping offers standard shipping of every line at 500, an answer
// the host may reuse for a minute.
func goodShipping(_ context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	o := shipping.Option{ID: "standard", Type: acp.FulfillmentShipping, Title: "Standard", Amount: 500}
	for _, l := range req.Lines {
		o.LineIDs = append(o.LineIDs, l.ID)
	}
	return &shipping.QuoteResponse{Options: []shipping.Option{o}, MaxAge: time.Minute}, nil
}

// orderBook is a fulfillment double that numbers orders, once per
// idempotency key, and counts the orders it placed; placeAgain makes it
// place a new order on every call while answering the first number.
type orderBook struct {
	mu         sync.Mutex
	numbers    map[string]string
	placements int
	placeAgain bool
	canceled   map[string]bool
	cancelOnce bool
}

func (b *orderBook) PlaceOrder(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.numbers == nil {
		b.numbers = map[string]string{}
	}
	if _, ok := b.numbers[req.IdempotencyKey]; !ok || b.placeAgain {
		b.placements++
		if !ok {
			b.numbers[req.IdempotencyKey] = fmt.Sprint(1000 + len(b.numbers))
		}
	}
	return &fulfillment.PlaceOrderResponse{OrderNumber: b.numbers[req.IdempotencyKey]}, nil
}

// CancelOrder succeeds, again too unless cancelOnce.
func (b *orderBook) CancelOrder(_ context.Context, req *fulfillment.CancelOrderRequest) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.canceled == nil {
		b.canceled = map[string]bool{}
	}
	if b.canceled[req.OrderID] && b.cancelOnce {
		return fmt.Errorf("order %s is already canceled", req.OrderID)
	}
	b.canceled[req.OrderID] = true
	return nil
}

// Placements is how many orders b placed.
func (b *orderBook) Placements() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.placements
}

// suites runs each capability's suite against opts, serving the good
// double for every capability opts leaves nil. The listing's suite, which
// checks the listing against the catalog, runs with the good catalog only.
func suites(t *testing.T, opts acpplugin.ServeOpts) {
	goodCatalogServed := opts.Catalog == nil
	if opts.Catalog == nil {
		opts.Catalog = catalog.Func(goodCatalog)
	}
	if opts.Tax == nil {
		opts.Tax = tax.Func(goodTax)
	}
	if opts.Shipping == nil {
		opts.Shipping = shipping.Func(goodShipping)
	}
	if opts.Fulfillment == nil {
		opts.Fulfillment = &orderBook{}
	}
	if opts.StockReservations == nil {
		opts.StockReservations = newStockDouble()
	}
	if opts.Discounts == nil {
		opts.Discounts = &discountDouble{}
	}
	if opts.Listing == nil {
		opts.Listing = &listingDouble{}
	}
	var placements func() int
	if b, ok := opts.Fulfillment.(*orderBook); ok {
		placements = b.Placements
	}
	us := acp.Address{Name: "Ada", LineOne: "1 Main St", City: "Springfield", State: "IL", Country: "US", PostalCode: "62701"}
	t.Run("catalog", func(t *testing.T) {
		acptest.RunCatalogConformance(t, opts, acptest.CatalogSuite{Sold: []string{"mug", "cap"}})
	})
	t.Run("tax", func(t *testing.T) { acptest.RunTaxConformance(t, opts, acptest.TaxSuite{Destination: us}) })
	t.Run("shipping", func(t *testing.T) { acptest.RunShippingConformance(t, opts, acptest.ShippingSuite{Destination: us}) })
	t.Run("fulfillment", func(t *testing.T) {
		acptest.RunFulfillmentConformance(t, opts, acptest.FulfillmentSuite{Placements: placements})
	})
	t.Run("stock", func(t *testing.T) {
		acptest.RunStockReservationConformance(t, opts, acptest.StockSuite{SKU: "mug", Stock: 5})
	})
	t.Run("discounts", func(t *testing.T) {
		acptest.RunDiscountConformance(t, opts, acptest.DiscountSuite{Cart: discountCart})
	})
	if goodCatalogServed {
		t.Run("listing", func(t *testing.T) { acptest.RunListingConformance(t, opts, acptest.ListingSuite{PageSize: 1}) })
	}
}

func TestConformanceOfGoodDoubles(t *testing.T) {
	t.Parallel()
	suites(t, acpplugin.ServeOpts{Name: "good"})
}

// brokenKey names a broken plugin by the capability whose suite must
// fail and the one contract it must name; variant tells apart plugins
// breaking the same contract in different ways.
type brokenKey struct{ capability, contract, variant string }

func (k brokenKey) String() string {
	if k.variant == "" {
		return k.capability + "/" + k.contract
	}
	return k.capability + "/" + k.contract + "/" + k.variant
}

// brokenPlugin is a plugin that breaks one contract; says are further
// texts the failure must contain (each fault, where there are several).
type brokenPlugin struct {
	opts acpplugin.ServeOpts
	says []string
}

// ignoringDeadline waits, ignoring ctx, until the test process ends.
func ignoringDeadline() { select {} }

// broken are plugins that each break one contract of one capability.
var broken = map[brokenKey]brokenPlugin{
	{"catalog", acptest.ContractCatalogOnePerRef, ""}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		slices.Reverse(resp.Items) // answers out of order
		resp.Messages = nil
		return resp, err
	})}},
	{"catalog", acptest.ContractCatalogUnknownItem, ""}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		for _, ref := range req.Items {
			if ref.ID != "mug" && ref.ID != "cap" {
				return nil, fmt.Errorf("unknown item %q", ref.ID) // an error, not Found false
			}
		}
		return goodCatalog(ctx, req)
	})}},
	{"catalog", acptest.ContractCatalogNoNegative, ""}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Items[0].UnitPrice = -1
		return resp, err
	})}},
	{"catalog", acptest.ContractCatalogTypes, ""}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Items[0].FulfillmentTypes = []acp.FulfillmentType{"teleport"}
		return resp, err
	})}},
	{"catalog", acptest.ContractCatalogEscalation, ""}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Items[0].Escalation = &catalog.Escalation{Code: "adults_only", ContinueURL: "/verify"}
		return resp, err
	})}, says: []string{`code "adults_only"`, `page the host refuses`}},
	{"catalog", acptest.ContractCatalogEscalation, "payment code"}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Items[0].Escalation = &catalog.Escalation{Code: acp.CodeRequires3DS, ContinueURL: "https://{item_id}/verify"}
		return resp, err
	})}, says: []string{`code "requires_3ds"`, `not in the scheme or host`}},
	{"catalog", acptest.ContractMessages, ""}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Messages.AddError(acp.CodeInvalid, "line_items.0", "bad param", acp.ResolutionRecoverable) // not JSONPath
		return resp, err
	})}, says: []string{`param "line_items.0" is not a JSONPath`}},
	{"catalog", acptest.ContractDeadline, ""}: {opts: acpplugin.ServeOpts{Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		if _, ok := ctx.Deadline(); ok && len(req.Items) > 2 {
			ignoringDeadline()
		}
		return goodCatalog(ctx, req)
	})}},
	{"tax", acptest.ContractTaxOnePerLine, ""}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		resp, err := goodTax(ctx, req)
		if len(resp.Lines) > 0 {
			resp.Lines = resp.Lines[1:]
		}
		return resp, err
	})}},
	{"tax", acptest.ContractTaxOnePerLine, "without a destination"}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		resp, err := goodTax(ctx, req)
		if req.Destination == nil {
			resp.Lines = nil // nothing taxed, so no lines
		}
		return resp, err
	})}, says: []string{"the cart without a destination: answered 0 lines for 3 requested"}},
	{"tax", acptest.ContractTaxNoNegative, ""}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		resp, err := goodTax(ctx, req)
		if len(req.Lines) == 0 {
			resp.Fulfillment = -5 // only on an empty cart
		}
		return resp, err
	})}, says: []string{"a cart without lines"}},
	{"tax", acptest.ContractTaxNoDestination, ""}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		if req.Destination == nil {
			return nil, errors.New("no destination")
		}
		return goodTax(ctx, req)
	})}},
	{"tax", acptest.ContractTaxNoLines, ""}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		if len(req.Lines) == 0 {
			return nil, errors.New("nothing to tax")
		}
		return goodTax(ctx, req)
	})}},
	{"tax", acptest.ContractTaxMaxAge, "negative"}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		resp, err := goodTax(ctx, req)
		resp.MaxAge = -time.Second
		return resp, err
	})}, says: []string{"MaxAge is -1s"}},
	{"tax", acptest.ContractTaxMaxAge, "a reused answer that changes"}: {opts: acpplugin.ServeOpts{Tax: func() tax.Func {
		var calls atomic.Int64
		return func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
			resp, err := goodTax(ctx, req)
			resp.Fulfillment += calls.Add(1) // counts the calls: never the same answer
			return resp, err
		}
	}()}, says: []string{"made again, answers"}},
	{"tax", acptest.ContractMessages, ""}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		resp, err := goodTax(ctx, req)
		resp.Messages.AddWarning("tax_is_high", "$.line_items[0]", "unknown code")
		resp.Messages.AddError(acp.CodeInvalid, "$.line_items[0]", "bad resolution", "agent_retries")
		resp.Messages = append(resp.Messages, acp.Message{Type: acp.MessageInfo, Code: acp.CodeShippingDelay, Content: "coded info"})
		return resp, err
	})}, says: []string{`a warning has code "tax_is_high"`, `resolution "agent_retries"`, `an info message has code "shipping_delay"`}},
	{"tax", acptest.ContractDeadline, ""}: {opts: acpplugin.ServeOpts{Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		if _, ok := ctx.Deadline(); ok {
			ignoringDeadline()
		}
		return goodTax(ctx, req)
	})}},
	{"shipping", acptest.ContractShippingNoNegative, ""}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		resp.Options[0].Amount = -500
		return resp, err
	})}},
	{"shipping", acptest.ContractShippingNoDestination, ""}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		if req.Destination == nil {
			return nil, errors.New("where to?")
		}
		return goodShipping(ctx, req)
	})}},
	{"shipping", acptest.ContractShippingNoLines, ""}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		if len(req.Lines) == 0 {
			return nil, errors.New("empty cart")
		}
		return goodShipping(ctx, req)
	})}},
	{"shipping", acptest.ContractShippingLines, ""}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		resp.Options[0].LineIDs = append(resp.Options[0].LineIDs, "li_nope")
		return resp, err
	})}},
	{"shipping", acptest.ContractShippingStableIDs, ""}: {opts: acpplugin.ServeOpts{Shipping: func() shipping.Func {
		var calls int
		var mu sync.Mutex
		return func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			resp, err := goodShipping(ctx, req)
			mu.Lock()
			calls++
			resp.Options[0].ID = fmt.Sprintf("quote-%d", calls) // a new id every time
			resp.MaxAge = 0                                     // (an answer that changes must not be reused)
			mu.Unlock()
			return resp, err
		}
	}()}},
	{"shipping", acptest.ContractShippingTypes, ""}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		resp.Options[0].Type = "drone"
		return resp, err
	})}},
	{"shipping", acptest.ContractShippingMaxAge, "negative"}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		if req.Destination == nil {
			resp.MaxAge = -time.Minute // only without an address
		}
		return resp, err
	})}, says: []string{"the cart without a destination: MaxAge is -1m0s"}},
	{"shipping", acptest.ContractShippingMaxAge, "a reused answer that changes"}: {opts: acpplugin.ServeOpts{Shipping: func() shipping.Func {
		var calls atomic.Int64
		return func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			resp, err := goodShipping(ctx, req)
			resp.Options[0].Amount += calls.Add(1) // a new price every time
			return resp, err
		}
	}()}, says: []string{"made again, answers"}},
	{"shipping", acptest.ContractMessages, ""}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		// A line index past the request's lines, and an error code on a warning.
		resp.Messages.AddWarning(acp.CodeShippingDelay, fmt.Sprintf("$.line_items[%d]", len(req.Lines)), "late")
		resp.Messages.AddWarning(acp.CodeRegionRestricted, "$.fulfillment_details.address", "far")
		return resp, err
	})}, says: []string{`param "$.line_items[1]", but the request has 1 line_items`, `a warning has code "region_restricted"`}},
	{"shipping", acptest.ContractDeadline, ""}: {opts: acpplugin.ServeOpts{Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		if _, ok := ctx.Deadline(); ok {
			ignoringDeadline()
		}
		return goodShipping(ctx, req)
	})}},
	{"fulfillment", acptest.ContractFulfillmentIdempotent, ""}: {opts: acpplugin.ServeOpts{Fulfillment: func() fulfillment.Funcs {
		var mu sync.Mutex
		n := 0
		return fulfillment.Funcs{PlaceOrderFunc: func(context.Context, *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			n++ // a second order for the same key
			return &fulfillment.PlaceOrderResponse{OrderNumber: fmt.Sprint(n)}, nil
		}, CancelOrderFunc: func(context.Context, *fulfillment.CancelOrderRequest) error { return nil }}
	}()}},
	{"fulfillment", acptest.ContractFulfillmentIdempotent, "same answer, second placement"}: {opts: acpplugin.ServeOpts{Fulfillment: &orderBook{placeAgain: true}},
		says: []string{"placed 2 orders, want 1"}},
	{"fulfillment", acptest.ContractFulfillmentCancel, ""}: {opts: acpplugin.ServeOpts{Fulfillment: &orderBook{cancelOnce: true}},
		says: []string{"CancelOrder repeated"}},
	{"stock", acptest.ContractStockIdempotent, ""}: {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, refuseSameRepeat: true}},
		says: []string{"Reserve repeated"}},
	{"stock", acptest.ContractStockShortfall, ""}: {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, wrongShortfall: true}},
		says: []string{"shortfalls"}},
	{"stock", acptest.ContractStockRelease, ""}: {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, releaseOnce: true}},
		says: []string{"Release repeated failed"}},
	{"stock", acptest.ContractStockExpiry, ""}:       {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, ignoreExpiry: true}}},
	{"stock", acptest.ContractStockConcurrent, ""}:   {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, racy: true}}},
	{"stock", acptest.ContractStockCommit, ""}:       {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, commitOnce: true}}, says: []string{"Commit repeated"}},
	{"stock", acptest.ContractStockExtend, ""}:       {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, noExtend: true}}},
	{"stock", acptest.ContractStockReleaseFirst, ""}: {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, forgetRelease: true}}},
	{"stock", acptest.ContractStockNoSuchHold, ""}:   {opts: acpplugin.ServeOpts{StockReservations: &stockDouble{stock: 5, holds: map[string]*doubleHold{}, plainCommitError: true}}},
	{"discounts", acptest.ContractDiscountCodes, ""}: {opts: acpplugin.ServeOpts{Discounts: &discountDouble{dropRejections: true}},
		says: []string{`code "NOPE" is neither applied nor rejected`}},
	{"discounts", acptest.ContractDiscountUnknownCode, ""}: {opts: acpplugin.ServeOpts{Discounts: &discountDouble{expiredUnknown: true}}},
	{"discounts", acptest.ContractDiscountAllocations, "above a price"}: {opts: acpplugin.ServeOpts{Discounts: &discountDouble{overAllocate: true}},
		says: []string{`gives 2001 off line "li_1", which has 2000 left to discount`}},
	{"discounts", acptest.ContractDiscountAllocations, "sum"}: {opts: acpplugin.ServeOpts{Discounts: &discountDouble{badSum: true}},
		says: []string{"has amount 256 but its allocations add up to 255"}},
	{"discounts", acptest.ContractDiscountDeterministic, ""}: {opts: acpplugin.ServeOpts{Discounts: &discountDouble{drift: true}}},
	{"discounts", acptest.ContractDiscountEmptyCart, ""}:     {opts: acpplugin.ServeOpts{Discounts: &discountDouble{refuseEmpty: true}}},
	{"discounts", acptest.ContractDeadline, ""}: {opts: acpplugin.ServeOpts{Discounts: catalogDiscountsFunc(func(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
		if _, ok := ctx.Deadline(); ok {
			ignoringDeadline()
		}
		return (&discountDouble{}).Evaluate(ctx, req)
	})}},
	{"listing", acptest.ContractListingPages, "oversize"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{oversize: true}},
		says: []string{"page 1 holds 2 products, more than PageSize 1"}},
	{"listing", acptest.ContractListingPages, "repeat"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{repeatAcrossPages: true}},
		says: []string{"pages of 1 list the products [cap cap mug], pages of 1000 list [cap mug]"}},
	{"listing", acptest.ContractListingPages, "early token"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{earlyToken: true}},
		says: []string{`page 1 of 2 has the ChangeToken "v1"; only the last page has one`}},
	{"listing", acptest.ContractListingWhole, ""}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{removedOnWhole: true}},
		says: []string{`the reference listing: page 1 says Changes false but removes [gone]`}},
	{"listing", acptest.ContractListingUniqueIDs, ""}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{duplicate: true}},
		says: []string{`product id "mug" is listed more than once`, `variant id "mug" is in product "mug" and in product "mug"`}},
	{"listing", acptest.ContractListingVariants, "no variant"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{noVariants: true}},
		says: []string{`product "empty": the product has no variant`}},
	{"listing", acptest.ContractListingVariants, "an option twice"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{twinOption: true}},
		says: []string{`product "mug": variant "mug" has the option "Color" twice`}},
	{"listing", acptest.ContractListingItems, "title"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{wrongTitle: true}},
		says: []string{`variant "mug" of product "mug": listed with Title "Mug!", but ResolveItems answers "mug"`}},
	{"listing", acptest.ContractListingItems, "tax category"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{wrongTaxCategory: true}},
		says: []string{`variant "mug" of product "mug": listed with TaxCategory "reduced", but ResolveItems answers ""`}},
	{"listing", acptest.ContractListingStatuses, ""}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{derivedStatus: true}},
		says: []string{`variant "mug" of product "mug" has Status "in_stock"`}},
	{"listing", acptest.ContractListingUnchanged, "whole and empty"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{forgetChanges: true}}},
	{"listing", acptest.ContractListingUnchanged, "no token"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{tokenlessNoChange: true}},
		says: []string{`since "v1", with nothing changed, the listing says no change without a ChangeToken`}},
	{"listing", acptest.ContractListingUnchanged, "an error"}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{failSince: true}},
		says: []string{`listing since "v1" in pages of 1000: page 1: `, "the listing since a token is broken"}},
	{"listing", acptest.ContractListingUnknownSince, ""}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{unknownIsChange: true}}},
	{"listing", acptest.ContractListingPageRetry, ""}: {opts: acpplugin.ServeOpts{Listing: &listingDouble{retryDiffers: true}},
		says: []string{`page 2, asked again with the same PageToken "1", answers another page`}},
	{"listing", acptest.ContractDeadline, ""}: {opts: acpplugin.ServeOpts{Listing: catalogListingFunc(func(ctx context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
		if _, ok := ctx.Deadline(); ok {
			ignoringDeadline()
		}
		return (&listingDouble{}).ListProducts(ctx, req)
	})}},
	{"fulfillment", acptest.ContractDeadline, ""}: {opts: acpplugin.ServeOpts{Fulfillment: fulfillment.Funcs{PlaceOrderFunc: func(ctx context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
		if _, ok := ctx.Deadline(); ok {
			ignoringDeadline()
		}
		return (&orderBook{}).PlaceOrder(ctx, req)
	}, CancelOrderFunc: func(context.Context, *fulfillment.CancelOrderRequest) error { return nil }}}},
}

// brokenEnv names the broken plugin the helper process runs the suites
// against.
const brokenEnv = "ACPTEST_BROKEN_CONTRACT"

// TestBrokenPluginHelper runs the suites against one broken plugin when
// started by TestBrokenPluginsFailTheirContract; it is a no-op otherwise.
func TestBrokenPluginHelper(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		return
	}
	for key, b := range broken {
		if key.String() == name {
			b.opts.Name = "broken"
			suites(t, b.opts)
			return
		}
	}
	t.Fatalf("no broken plugin %q", name)
}

// failedSubtest matches the failure line of a contract's subtest in a
// capability's suite.
var failedSubtest = regexp.MustCompile(`(?m)^\s*--- FAIL: TestBrokenPluginHelper/([^/\s]+)/(\S+)`)

// TestBrokenPluginsFailTheirContract runs the suites, in a process of
// their own, against each plugin that breaks one contract, and checks that
// exactly that contract's subtest of that capability's suite fails, with
// a message naming the contract (and each fault, where there are several).
func TestBrokenPluginsFailTheirContract(t *testing.T) {
	t.Parallel()
	keys := slices.SortedFunc(maps.Keys(broken), func(a, b brokenKey) int { return strings.Compare(a.String(), b.String()) })
	for _, key := range keys {
		name := key.String()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenPluginHelper$", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suites passed (or did not run: %v) against a plugin breaking %q:\n%s", err, name, out)
			}
			if want := fmt.Sprintf("contract %q broken", key.contract); !strings.Contains(string(out), want) {
				t.Errorf("output does not say %s:\n%s", want, out)
			}
			for _, want := range broken[key].says {
				if !strings.Contains(string(out), want) {
					t.Errorf("output does not say %s:\n%s", want, out)
				}
			}
			want := key.capability + "/" + strings.ReplaceAll(key.contract, " ", "_")
			for _, m := range failedSubtest.FindAllStringSubmatch(string(out), -1) {
				if got := m[1] + "/" + m[2]; got != want {
					t.Errorf("a plugin breaking only %q failed %s too:\n%s", name, got, out)
				}
			}
		})
	}
}
