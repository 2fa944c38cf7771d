package acptest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acptest"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// echoCatalog returns every item found at 100 per unit, except "missing",
// which is a message, and "fail", "slow" and "panic", which misbehave.
var echoCatalog = catalog.Func(func(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp := &catalog.ResolveItemsResponse{}
	for i, ref := range req.Items {
		switch ref.ID {
		case "fail":
			return nil, acp.WithReason(acp.Retryable(acp.Downstream(errors.New("store API answered 503"))), "backend_unavailable")
		case "slow":
			<-ctx.Done()
			return nil, ctx.Err()
		case "panic":
			panic("boom")
		case "missing":
			resp.Items = append(resp.Items, catalog.Item{ID: ref.ID})
			resp.Messages.AddError(acp.CodeNotFound, "$.line_items["+string(rune('0'+i))+"].item.id", "no such item", acp.ResolutionRecoverable)
		default:
			stock := int64(7)
			resp.Items = append(resp.Items, catalog.Item{
				ID: ref.ID, Found: true, Title: "Item " + ref.ID, UnitPrice: 100, Available: &stock,
				Weight: &acp.Weight{Value: 1.5, Unit: "kg"}, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping},
			})
		}
	}
	return resp, nil
})

func opts() acpplugin.ServeOpts {
	return acpplugin.ServeOpts{
		Name:         "echo",
		Version:      "1.2.3",
		ConfigSchema: `{"type":"object","properties":{"greeting":{"type":"string"}},"additionalProperties":false}`,
		Configure: func(_ context.Context, raw []byte) error {
			var cfg struct {
				Greeting string `json:"greeting"`
			}
			if err := acpplugin.DecodeConfig(raw, &cfg); err != nil {
				return err
			}
			if cfg.Greeting == "refuse" {
				return errors.New("greeting refused")
			}
			return nil
		},
		Catalog: echoCatalog,
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	p := acptest.New(t, opts(), acptest.WithConfig(`{"greeting":"hi"}`))
	if p.Info.Name != "echo" || p.Info.Version != "1.2.3" || p.Info.SDKVersion != acpplugin.SDKVersion ||
		p.Info.ProtocolMinor != acpplugin.ProtocolMinor || !cmp.Equal(p.Info.Capabilities, []string{"catalog"}) {
		t.Errorf("Info = %+v", p.Info)
	}
	if p.Tax() != nil || p.Shipping() != nil || p.Fulfillment() != nil || p.Catalog() == nil {
		t.Error("capabilities not served should be nil, served ones not")
	}
	healthy, msg, err := p.CheckHealth(context.Background())
	if err != nil || !healthy || msg != "" {
		t.Errorf("CheckHealth() = %v %q %v", healthy, msg, err)
	}
}

func TestResolveItems(t *testing.T) {
	t.Parallel()
	p := acptest.New(t, opts())
	got, err := p.Catalog().ResolveItems(context.Background(), &catalog.ResolveItemsRequest{
		Currency: "usd", Items: []catalog.ItemRef{{ID: "mug", Quantity: 2}, {ID: "missing", Quantity: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	stock := int64(7)
	want := &catalog.ResolveItemsResponse{
		Items: []catalog.Item{
			{ID: "mug", Found: true, Title: "Item mug", UnitPrice: 100, Available: &stock, Weight: &acp.Weight{Value: 1.5, Unit: "kg"},
				FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping}},
			{ID: "missing"},
		},
		Messages: acp.Messages{{Type: acp.MessageError, Code: acp.CodeNotFound, Param: "$.line_items[1].item.id", Content: "no such item", Resolution: acp.ResolutionRecoverable}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ResolveItems() mismatch (-want +got):\n%s", diff)
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	p := acptest.New(t, opts())
	testCases := map[string]struct {
		item  string
		check func(t *testing.T, err error)
	}{
		"typed failure crosses the wire": {item: "fail", check: func(t *testing.T, err error) {
			var e *acp.Error
			if !errors.As(err, &e) || e.Source != acp.SourceDownstream || !e.Retryable || e.Reason != "backend_unavailable" ||
				!strings.Contains(e.Error(), "store API answered 503") {
				t.Errorf("err = %#v", err)
			}
		}},
		"deadline": {item: "slow", check: func(t *testing.T, err error) {
			if status.Code(err) != codes.DeadlineExceeded {
				t.Errorf("err = %v, want DeadlineExceeded", err)
			}
		}},
		"panic is an internal error and the plugin lives on": {item: "panic", check: func(t *testing.T, err error) {
			if status.Code(err) != codes.Internal {
				t.Errorf("err = %v, want Internal", err)
			}
		}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err := p.Catalog().ResolveItems(ctx, &catalog.ResolveItemsRequest{Items: []catalog.ItemRef{{ID: tc.item, Quantity: 1}}})
			tc.check(t, err)
		})
	}
	if _, err := p.Catalog().ResolveItems(context.Background(), &catalog.ResolveItemsRequest{Items: []catalog.ItemRef{{ID: "mug", Quantity: 1}}}); err != nil {
		t.Errorf("after failures: %v", err)
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		config  string
		wantErr string
	}{
		"valid":                 {config: `{"greeting":"hi"}`},
		"absent":                {config: ``},
		"unknown key":           {config: `{"greting":"hi"}`, wantErr: "does not match the plugin's schema"},
		"wrong type":            {config: `{"greeting":5}`, wantErr: "does not match the plugin's schema"},
		"refused by the plugin": {config: `{"greeting":"refuse"}`, wantErr: "greeting refused"},
		"not JSON":              {config: `{`, wantErr: "config is not JSON"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := acptest.Start(t, opts())
			err := p.Configure(context.Background(), []byte(tc.config))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Configure() = %v, want error containing %q", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), `plugin "echo"`) {
				t.Errorf("error %q does not name the plugin", err)
			}
		})
	}
}

// allCapabilities serves every capability with fixed answers, to check
// each one's conversions end to end.
type allCapabilities struct{}

func (allCapabilities) Quote(_ context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	resp := &tax.QuoteResponse{Fulfillment: req.Fulfillment / 10}
	for _, l := range req.Lines {
		resp.Lines = append(resp.Lines, tax.LineTax{ID: l.ID, Amount: l.Amount / 10})
	}
	resp.Breakdown = []tax.Jurisdiction{{Name: req.Destination.Country + "-" + req.Destination.State, Rate: 0.1, Amount: 99}}
	return resp, nil
}

type shippingCapability struct{}

func (shippingCapability) Quote(_ context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	return &shipping.QuoteResponse{Options: []shipping.Option{{
		ID: "std", Type: acp.FulfillmentPickup, Title: "Pickup", LineIDs: []string{req.Lines[0].ID}, Amount: req.Lines[0].Subtotal,
		EarliestDelivery: day, LatestDelivery: day.AddDate(0, 0, 2),
		Pickup: &shipping.PickupLocation{Name: "Shop", Address: acp.Address{City: "Oslo", Country: "NO"}},
	}}}, nil
}

type fulfillmentCapability struct{}

func (fulfillmentCapability) PlaceOrder(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	return &fulfillment.PlaceOrderResponse{OrderNumber: req.OrderID + "/" + req.Buyer.Email + "/" + req.Lines[0].Title}, nil
}

func (fulfillmentCapability) CancelOrder(_ context.Context, req *fulfillment.CancelOrderRequest) error {
	if req.Reason == "" {
		return errors.New("a reason is required")
	}
	return nil
}

func TestEveryCapability(t *testing.T) {
	t.Parallel()
	p := acptest.New(t, acpplugin.ServeOpts{
		Name: "all", Catalog: echoCatalog, Tax: allCapabilities{}, Shipping: shippingCapability{}, Fulfillment: fulfillmentCapability{},
	})
	if !cmp.Equal(p.Info.Capabilities, []string{"catalog", "tax", "shipping", "fulfillment"}) {
		t.Errorf("capabilities = %v", p.Info.Capabilities)
	}
	ctx := context.Background()
	taxes, err := p.Tax().Quote(ctx, &tax.QuoteRequest{Currency: "usd", Destination: &acp.Address{Country: "US", State: "CA"},
		Lines: []tax.Line{{ID: "li_1", Amount: 1000}}, Fulfillment: 500})
	if err != nil {
		t.Fatal(err)
	}
	wantTax := &tax.QuoteResponse{Lines: []tax.LineTax{{ID: "li_1", Amount: 100}}, Fulfillment: 50,
		Breakdown: []tax.Jurisdiction{{Name: "US-CA", Rate: 0.1, Amount: 99}}}
	if diff := cmp.Diff(wantTax, taxes); diff != "" {
		t.Errorf("tax mismatch (-want +got):\n%s", diff)
	}
	options, err := p.Shipping().Quote(ctx, &shipping.QuoteRequest{Lines: []shipping.Line{{ID: "li_1", Subtotal: 700}}})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	wantOptions := &shipping.QuoteResponse{Options: []shipping.Option{{
		ID: "std", Type: acp.FulfillmentPickup, Title: "Pickup", LineIDs: []string{"li_1"}, Amount: 700,
		EarliestDelivery: day, LatestDelivery: day.AddDate(0, 0, 2),
		Pickup: &shipping.PickupLocation{Name: "Shop", Address: acp.Address{City: "Oslo", Country: "NO"}},
	}}}
	if diff := cmp.Diff(wantOptions, options); diff != "" {
		t.Errorf("shipping mismatch (-want +got):\n%s", diff)
	}
	placed, err := p.Fulfillment().PlaceOrder(ctx, &fulfillment.PlaceOrderRequest{OrderID: "ord_1",
		Buyer: &fulfillment.Buyer{Email: "a@example.com"}, Lines: []fulfillment.Line{{Title: "Mug"}}})
	if err != nil || placed.OrderNumber != "ord_1/a@example.com/Mug" {
		t.Errorf("PlaceOrder() = %+v, %v", placed, err)
	}
	if err := p.Fulfillment().CancelOrder(ctx, &fulfillment.CancelOrderRequest{OrderID: "ord_1"}); err == nil || !strings.Contains(err.Error(), "a reason is required") {
		t.Errorf("CancelOrder() = %v, want the plugin's error", err)
	}
}
