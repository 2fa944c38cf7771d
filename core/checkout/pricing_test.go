package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// pricingService is a checkout service over the test catalog, tax table
// and shipping options, with change applied to its capabilities.
func pricingService(t *testing.T, change func(*checkout.Capabilities)) *checkout.Service {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	caps := checkout.Capabilities{
		Catalog:     builtin.NewProductCatalog(testCatalog),
		Tax:         builtin.NewTax(testTax),
		Shipping:    builtin.NewShipping(testOptions, time.Now),
		Fulfillment: builtin.Fulfillment{},
	}
	change(&caps)
	return checkout.New(checkout.Options{Store: st, Capabilities: caps, Currency: "usd", SessionLifetime: time.Hour})
}

// TestPluginAnswersTheHostRefuses checks that an answer breaking a
// contract of the plugin SDK is a 503 naming the contract in its cause,
// not a session priced from a wrong answer.
func TestPluginAnswersTheHostRefuses(t *testing.T) {
	t.Parallel()
	base := builtin.NewProductCatalog(testCatalog)
	baseTax := builtin.NewTax(testTax)
	testCases := map[string]struct {
		change   func(*checkout.Capabilities)
		contract string
	}{
		"catalog answers another item in a position": {func(c *checkout.Capabilities) {
			c.Catalog = catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
				resp, err := base.ResolveItems(ctx, req)
				if err == nil {
					slices.Reverse(resp.Items)
				}
				return resp, err
			})
		}, "one item per requested ref, in request order"},
		"tax answers one line twice and another not": {func(c *checkout.Capabilities) {
			c.Tax = tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
				resp, err := baseTax.Quote(ctx, req)
				if err == nil && len(resp.Lines) > 1 {
					resp.Lines[1] = resp.Lines[0]
				}
				return resp, err
			})
		}, "one tax per requested line, in request order"},
		"tax answers out of order": {func(c *checkout.Capabilities) {
			c.Tax = tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
				resp, err := baseTax.Quote(ctx, req)
				if err == nil {
					slices.Reverse(resp.Lines)
				}
				return resp, err
			})
		}, "one tax per requested line, in request order"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc := pricingService(t, tc.change)
			_, err := svc.Create(context.Background(), "agent", "2026-04-17", checkout.CreateInput{Currency: "usd",
				Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "beans", Quantity: 2}},
				FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")}}, nil)
			wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodeUpstreamUnavailable, "")
			var ae *apierr.Error
			if errors.As(err, &ae) && (ae.Cause == nil || !strings.Contains(ae.Cause.Error(), tc.contract)) {
				t.Errorf("cause = %v, want it to name the contract %q", ae.Cause, tc.contract)
			}
		})
	}
}

// TestPluginMessageParamsPointAtSessionLines checks that a tax or shipping
// plugin's $.line_items[i], which counts the request's lines (the found
// ones only), reaches the session pointing at the same line there.
func TestPluginMessageParamsPointAtSessionLines(t *testing.T) {
	t.Parallel()
	baseTax := builtin.NewTax(testTax)
	baseShipping := builtin.NewShipping(testOptions, time.Now)
	svc := pricingService(t, func(c *checkout.Capabilities) {
		c.Tax = tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
			resp, err := baseTax.Quote(ctx, req)
			if err == nil && len(req.Lines) > 1 {
				resp.Messages.AddWarning(acp.CodeShippingDelay, "$.line_items[1].quantity", "tax note")
				resp.Messages.AddWarning(acp.CodeShippingDelay, "$.line_items[7]", "tax note out of range")
			}
			return resp, err
		})
		c.Shipping = shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			resp, err := baseShipping.Quote(ctx, req)
			if err == nil && len(req.Lines) > 1 {
				resp.Messages.AddWarning(acp.CodeShippingDelay, "$.line_items[0]", "shipping note")
			}
			return resp, err
		})
	})
	// Session lines: 0 nope (not found), 1 mug, 2 nope (not found), 3
	// beans; the plugins see mug as line 0 and beans as line 1.
	sess, err := svc.Create(context.Background(), "agent", "2026-04-17", checkout.CreateInput{Currency: "usd",
		Items:              []checkout.ItemInput{{ID: "nope", Quantity: 1}, {ID: "mug", Quantity: 1}, {ID: "nope2", Quantity: 1}, {ID: "beans", Quantity: 2}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")}}, nil)
	if err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	want := map[string]string{"tax note": "$.line_items[3].quantity", "shipping note": "$.line_items[1]", "tax note out of range": "$.line_items"}
	for content, param := range want {
		found := false
		for _, m := range sess.Messages {
			if m.Content == content {
				found = true
				if m.Param != param {
					t.Errorf("message %q has param %q, want %q", content, m.Param, param)
				}
			}
		}
		if !found {
			t.Errorf("message %q not in the session: %+v", content, sess.Messages)
		}
	}
}

// TestNoQuoteForNothing: shipping is not asked about no line, nor tax
// about no line and no charge (a cart whose items are all unknown, or the
// unknown ones left beside a split cart's groups); the session is priced
// as when they answered nothing.
func TestNoQuoteForNothing(t *testing.T) {
	t.Parallel()
	ca := &model.FulfillmentDetails{Address: address("US", "CA")}
	testCases := map[string]struct {
		in                    checkout.CreateInput
		wantShipping, wantTax int
		wantOptions           int
		wantTotal             int64
	}{
		"unknown items, no address": {in: checkout.CreateInput{Items: []checkout.ItemInput{{ID: "nope", Quantity: 1}, {ID: "nope2", Quantity: 3}}}},
		"unknown items to an address": {in: checkout.CreateInput{Items: []checkout.ItemInput{{ID: "nope", Quantity: 1}},
			FulfillmentDetails: ca}},
		"a group, and an unknown item in none": {in: checkout.CreateInput{Items: []checkout.ItemInput{{ID: "nope", Quantity: 1}, {ID: "mug", Quantity: 1}},
			FulfillmentDetails: ca, Groups: []checkout.GroupInput{{ID: "g", Type: acp.FulfillmentShipping, ItemIDs: []string{"mug"}}}},
			wantShipping: 1, wantTax: 1, wantOptions: 2, wantTotal: 1500 + 500 + 109 + 36},
		"found items": {in: checkout.CreateInput{Items: []checkout.ItemInput{{ID: "mug", Quantity: 1}}, FulfillmentDetails: ca},
			wantShipping: 1, wantTax: 1, wantOptions: 3, wantTotal: 1500 + 500 + 109 + 36},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var shippingCalls, taxCalls atomic.Int64
			baseTax, baseShipping := builtin.NewTax(testTax), builtin.NewShipping(testOptions, time.Now)
			svc := pricingService(t, func(c *checkout.Capabilities) {
				c.Tax = tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
					taxCalls.Add(1)
					return baseTax.Quote(ctx, req)
				})
				c.Shipping = shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
					shippingCalls.Add(1)
					return baseShipping.Quote(ctx, req)
				})
			})
			tc.in.Currency = "usd"
			sess, err := svc.Create(context.Background(), "agent", "2026-04-17", tc.in, nil)
			if err != nil {
				t.Fatalf("Create() error = %v", err)
			}
			if got, want := int(shippingCalls.Load()), tc.wantShipping; got != want {
				t.Errorf("shipping asked %d times, want %d", got, want)
			}
			if got, want := int(taxCalls.Load()), tc.wantTax; got != want {
				t.Errorf("tax asked %d times, want %d", got, want)
			}
			if len(sess.Options) != tc.wantOptions || sess.Totals.Total != tc.wantTotal {
				t.Errorf("options %d, total %d; want %d and %d", len(sess.Options), sess.Totals.Total, tc.wantOptions, tc.wantTotal)
			}
			if !slices.ContainsFunc(sess.Messages, func(m acp.Message) bool { return m.Code == acp.CodeNotFound }) && tc.wantTotal == 0 {
				t.Errorf("messages %+v: want the unknown items' not_found", sess.Messages)
			}
		})
	}
}
