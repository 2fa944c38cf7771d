package acpplugin

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// stub implements every capability interface.
type stub struct{}

func (stub) ResolveItems(context.Context, *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	return nil, nil
}

func (stub) PlaceOrder(context.Context, *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	return nil, nil
}

func (stub) CancelOrder(context.Context, *fulfillment.CancelOrderRequest) error { return nil }

type quoteStub struct{}

func (quoteStub) Quote(context.Context, *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	return nil, nil
}

type shippingStub struct{}

func (shippingStub) Quote(context.Context, *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	return nil, nil
}

func TestServeOpts(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		opts             ServeOpts
		wantCapabilities []string
		wantErr          string
	}{
		"no name":       {opts: ServeOpts{Catalog: stub{}}, wantCapabilities: []string{"catalog"}, wantErr: "ServeOpts.Name is empty"},
		"no capability": {opts: ServeOpts{Name: "csv"}, wantErr: `plugin "csv" serves no capability`},
		"catalog":       {opts: ServeOpts{Name: "csv", Catalog: stub{}}, wantCapabilities: []string{"catalog"}},
		"tax":           {opts: ServeOpts{Name: "t", Tax: quoteStub{}}, wantCapabilities: []string{"tax"}},
		"shipping":      {opts: ServeOpts{Name: "s", Shipping: shippingStub{}}, wantCapabilities: []string{"shipping"}},
		"fulfillment":   {opts: ServeOpts{Name: "f", Fulfillment: stub{}}, wantCapabilities: []string{"fulfillment"}},
		"fixed order": {
			opts:             ServeOpts{Name: "all", Fulfillment: stub{}, Shipping: shippingStub{}, Tax: quoteStub{}, Catalog: stub{}},
			wantCapabilities: []string{"catalog", "tax", "shipping", "fulfillment"},
		},
		"gaps keep the order": {
			opts:             ServeOpts{Name: "some", Fulfillment: stub{}, Tax: quoteStub{}},
			wantCapabilities: []string{"tax", "fulfillment"},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.wantCapabilities, tc.opts.Capabilities()); diff != "" {
				t.Errorf("Capabilities() mismatch (-want +got):\n%s", diff)
			}
			err := tc.opts.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tc.wantErr)
			}
			if _, perr := tc.opts.provider(); (perr == nil) != (err == nil) {
				t.Errorf("provider() = %v, Validate() = %v", perr, err)
			}
		})
	}
}

func TestProvider(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	p, err := ServeOpts{
		Name: "csv", Version: "1.2.3", ConfigSchema: `{"type":"object"}`,
		Catalog: stub{}, Fulfillment: stub{}, Logger: newLogger(&logs, slog.LevelDebug),
	}.provider()
	if err != nil {
		t.Fatal(err)
	}
	want := &pb.GetInfoResponse{
		Name: "csv", Version: "1.2.3", SdkVersion: SDKVersion, ProtocolMinor: ProtocolMinor,
		Capabilities: []string{"catalog", "fulfillment"}, ConfigSchema: `{"type":"object"}`,
	}
	if diff := cmp.Diff(want, p.Info, protocmp.Transform()); diff != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", diff)
	}
	if p.Catalog == nil || p.Fulfillment == nil || p.Tax != nil || p.Shipping != nil {
		t.Errorf("provider capabilities = %+v", p)
	}
	p.OnPanic("/acp.plugin.v1.CatalogService/ResolveItems", "boom", []byte("stack"))
	line := decodeLine(t, logs.Bytes())
	delete(line, "@timestamp")
	wantLine := map[string]any{"@message": "handler panicked", "@level": "error",
		"method": "/acp.plugin.v1.CatalogService/ResolveItems", "panic": "boom", "stack": "stack"}
	if diff := cmp.Diff(wantLine, line); diff != "" {
		t.Errorf("panic log mismatch (-want +got):\n%s", diff)
	}
}
