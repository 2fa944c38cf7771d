package acptest_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

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
	}
	return resp, ctx.Err()
}

// goodTax charges 10 % on every line and on fulfillment.
func goodTax(_ context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	resp := &tax.QuoteResponse{Fulfillment: req.Fulfillment / 10}
	for _, l := range req.Lines {
		resp.Lines = append(resp.Lines, tax.LineTax{ID: l.ID, Amount: l.Amount / 10})
	}
	return resp, nil
}

// goodShipping offers standard shipping of every line at 500.
func goodShipping(_ context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	o := shipping.Option{ID: "standard", Type: acp.FulfillmentShipping, Title: "Standard", Amount: 500}
	for _, l := range req.Lines {
		o.LineIDs = append(o.LineIDs, l.ID)
	}
	return &shipping.QuoteResponse{Options: []shipping.Option{o}}, nil
}

// goodFulfillment numbers orders, once per idempotency key.
func goodFulfillment() fulfillment.Funcs {
	var mu sync.Mutex
	placed := map[string]string{}
	return fulfillment.Funcs{PlaceOrderFunc: func(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := placed[req.IdempotencyKey]; !ok {
			placed[req.IdempotencyKey] = fmt.Sprint(1000 + len(placed))
		}
		return &fulfillment.PlaceOrderResponse{OrderNumber: placed[req.IdempotencyKey]}, nil
	}}
}

// suites runs each capability's suite against opts, serving the good
// double for every capability opts leaves nil.
func suites(t *testing.T, opts acpplugin.ServeOpts) {
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
		opts.Fulfillment = goodFulfillment()
	}
	us := acp.Address{Name: "Ada", LineOne: "1 Main St", City: "Springfield", State: "IL", Country: "US", PostalCode: "62701"}
	t.Run("catalog", func(t *testing.T) {
		acptest.RunCatalogConformance(t, opts, acptest.CatalogSuite{Sold: []string{"mug", "cap"}})
	})
	t.Run("tax", func(t *testing.T) { acptest.RunTaxConformance(t, opts, acptest.TaxSuite{Destination: us}) })
	t.Run("shipping", func(t *testing.T) { acptest.RunShippingConformance(t, opts, acptest.ShippingSuite{Destination: us}) })
	t.Run("fulfillment", func(t *testing.T) { acptest.RunFulfillmentConformance(t, opts, acptest.FulfillmentSuite{}) })
}

func TestConformanceOfGoodDoubles(t *testing.T) {
	t.Parallel()
	suites(t, acpplugin.ServeOpts{Name: "good"})
}

// broken are plugins that each break one contract, by the contract.
var broken = map[string]acpplugin.ServeOpts{
	acptest.ContractCatalogOnePerRef: {Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		slices.Reverse(resp.Items) // answers out of order
		resp.Messages = nil
		return resp, err
	})},
	acptest.ContractCatalogUnknownItem: {Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		for _, ref := range req.Items {
			if ref.ID != "mug" && ref.ID != "cap" {
				return nil, fmt.Errorf("unknown item %q", ref.ID) // an error, not Found false
			}
		}
		return goodCatalog(ctx, req)
	})},
	acptest.ContractCatalogNoNegative: {Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Items[0].UnitPrice = -1
		return resp, err
	})},
	acptest.ContractCatalogTypes: {Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Items[0].FulfillmentTypes = []acp.FulfillmentType{"teleport"}
		return resp, err
	})},
	acptest.ContractMessages: {Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		resp, err := goodCatalog(ctx, req)
		resp.Messages.AddError(acp.CodeInvalid, "line_items.0", "bad param", acp.ResolutionRecoverable) // not JSONPath
		return resp, err
	})},
	acptest.ContractDeadline: {Catalog: catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
		if _, ok := ctx.Deadline(); ok && len(req.Items) > 2 {
			select {} // ignores ctx
		}
		return goodCatalog(ctx, req)
	})},
	acptest.ContractTaxOnePerLine: {Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		resp, err := goodTax(ctx, req)
		resp.Lines = resp.Lines[1:]
		return resp, err
	})},
	acptest.ContractTaxNoNegative: {Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		resp, err := goodTax(ctx, req)
		resp.Fulfillment = -5
		return resp, err
	})},
	acptest.ContractTaxNoDestination: {Tax: tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
		if req.Destination == nil {
			return nil, errors.New("no destination")
		}
		return goodTax(ctx, req)
	})},
	acptest.ContractShippingNoNegative: {Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		resp.Options[0].Amount = -500
		return resp, err
	})},
	acptest.ContractShippingLines: {Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		resp.Options[0].LineIDs = append(resp.Options[0].LineIDs, "li_nope")
		return resp, err
	})},
	acptest.ContractShippingStableIDs: {Shipping: func() shipping.Func {
		var calls int
		var mu sync.Mutex
		return func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			resp, err := goodShipping(ctx, req)
			mu.Lock()
			calls++
			resp.Options[0].ID = fmt.Sprintf("quote-%d", calls) // a new id every time
			mu.Unlock()
			return resp, err
		}
	}()},
	acptest.ContractShippingTypes: {Shipping: shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		resp, err := goodShipping(ctx, req)
		resp.Options[0].Type = "drone"
		return resp, err
	})},
	acptest.ContractFulfillmentIdempotent: {Fulfillment: func() fulfillment.Funcs {
		var mu sync.Mutex
		n := 0
		return fulfillment.Funcs{PlaceOrderFunc: func(context.Context, *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			n++ // a second order for the same key
			return &fulfillment.PlaceOrderResponse{OrderNumber: fmt.Sprint(n)}, nil
		}}
	}()},
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
	opts := broken[name]
	opts.Name = "broken"
	suites(t, opts)
}

// TestBrokenPluginsFailTheirContract runs the suites, in a process of
// their own, against each plugin that breaks one contract, and checks that
// they fail naming that contract and no other.
func TestBrokenPluginsFailTheirContract(t *testing.T) {
	t.Parallel()
	for _, name := range slices.Sorted(maps.Keys(broken)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenPluginHelper$", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suites passed (or did not run: %v) against a plugin breaking %q:\n%s", err, name, out)
			}
			if want := fmt.Sprintf("contract %q broken", name); !strings.Contains(string(out), want) {
				t.Errorf("output does not say %s:\n%s", want, out)
			}
			for other := range broken {
				if other != name && strings.Contains(string(out), fmt.Sprintf("contract %q broken", other)) {
					t.Errorf("a plugin breaking only %q was said to break %q:\n%s", name, other, out)
				}
			}
		})
	}
}
