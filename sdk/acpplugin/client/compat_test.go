package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/internal/grpcwire"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

type oneItemCatalog struct{}

func (oneItemCatalog) ResolveItems(_ context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	return &catalog.ResolveItemsResponse{Items: []catalog.Item{{ID: req.Items[0].ID, Found: true, UnitPrice: 100}}}, nil
}

// servePlugin serves a plugin that announces info, whatever it serves, in
// this process (go-plugin's reattach mode), as a plugin built with another
// SDK version or in another language may, and starts the host's side.
func servePlugin(t *testing.T, info *pb.GetInfoResponse, provider *grpcwire.Provider) *client.Plugin {
	t.Helper()
	provider.Info = info
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  acpplugin.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{acpplugin.ProtocolMajor: {grpcwire.PluginName: &grpcwire.Plugin{Provider: provider}}},
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger:           hclog.NewNullLogger(),
		Test:             &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed},
	})
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the plugin did not start serving within 30s")
	}
	startCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	p, err := client.Start(startCtx, client.Config{Name: info.GetName(), Reattach: rc})
	if err != nil {
		cancel()
		<-closed
		t.Fatalf("Start() = %v", err)
	}
	t.Cleanup(func() {
		p.Kill()
		cancel()
		<-closed
	})
	return p
}

// TestAnnouncedCapabilities: what a plugin may offer is what it announces
// (sdk/proto/CAPABILITIES.md). A plugin of a later protocol minor that
// announces a capability this host does not know still runs, and a
// capability it does not announce is not handed out. (An RPC answered
// UNIMPLEMENTED: TestUnservedRPCIsNotOffered in sdk/internal/grpcwire.)
func TestAnnouncedCapabilities(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("serves a plugin over gRPC")
	}
	ctx := context.Background()
	resolve := func(p *client.Plugin) error {
		resp, err := p.Catalog().ResolveItems(ctx, &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "mug", Quantity: 1}}})
		if err == nil && (len(resp.Items) != 1 || !resp.Items[0].Found) {
			err = errors.New("the item was not found")
		}
		return err
	}

	t.Run("a later minor with a capability unknown here", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "newer", SdkVersion: "9.0.0", ProtocolMinor: acpplugin.ProtocolMinor + 1,
			Capabilities: []string{acpplugin.CapabilityCatalog, "catalog.listing_from_the_future"},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}})
		if p.Info.ProtocolMinor != acpplugin.ProtocolMinor+1 || !p.Info.Serves("catalog.listing_from_the_future") {
			t.Errorf("Info = %+v", p.Info)
		}
		if err := resolve(p); err != nil {
			t.Errorf("the catalog of a newer plugin: %v", err)
		}
	})

	t.Run("not announced", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "catalog-only", ProtocolMinor: acpplugin.ProtocolMinor, Capabilities: []string{acpplugin.CapabilityCatalog},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}})
		if p.Tax() != nil || p.Shipping() != nil || p.Fulfillment() != nil || p.StockReservations() != nil || p.Discounts() != nil || p.Listing() != nil {
			t.Error("the host was handed a capability the plugin does not announce")
		}
		if err := resolve(p); err != nil {
			t.Error(err)
		}
	})

	t.Run("stock reservations announced but not served", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "announces-more", ProtocolMinor: acpplugin.ProtocolMinor,
			Capabilities: []string{acpplugin.CapabilityCatalog, acpplugin.CapabilityStockReservations},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}})
		_, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "k", ExpiresAt: time.Now().Add(time.Hour),
			Lines: []catalog.StockLine{{SKU: "mug", Quantity: 1}}})
		if !errors.Is(err, acp.ErrNotOffered) {
			t.Errorf("Reserve of a plugin that does not serve it = %v, want acp.ErrNotOffered", err)
		}
	})

	t.Run("stock reservations served", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "holds-stock", ProtocolMinor: acpplugin.ProtocolMinor,
			Capabilities: []string{acpplugin.CapabilityCatalog, acpplugin.CapabilityStockReservations},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}, StockReservations: shortOfMugs{}})
		resp, err := p.StockReservations().Reserve(ctx, &catalog.ReserveRequest{Key: "k", ExpiresAt: time.Now().Add(time.Hour),
			Lines: []catalog.StockLine{{SKU: "mug", Quantity: 3}}})
		if err != nil || resp.Held || len(resp.Shortfalls) != 1 || resp.Shortfalls[0] != (catalog.Shortfall{SKU: "mug", Available: 2}) {
			t.Errorf("Reserve = %+v, %v; want the shortfall of mug, 2 available", resp, err)
		}
		if err := p.StockReservations().Commit(ctx, "k"); err == nil || errors.Is(err, acp.ErrNotOffered) {
			t.Errorf("Commit = %v, want the plugin's refusal", err)
		}
		if err := p.StockReservations().Release(ctx, "k"); err != nil {
			t.Errorf("Release = %v", err)
		}
	})

	t.Run("discounts announced but not served", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "announces-discounts", ProtocolMinor: acpplugin.ProtocolMinor,
			Capabilities: []string{acpplugin.CapabilityCatalog, acpplugin.CapabilityDiscounts},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}})
		_, err := p.Discounts().Evaluate(ctx, &catalog.DiscountRequest{Currency: "usd", Codes: []string{"SAVE"}})
		if !errors.Is(err, acp.ErrNotOffered) {
			t.Errorf("Evaluate of a plugin that does not serve it = %v, want acp.ErrNotOffered", err)
		}
	})

	t.Run("discounts served", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "discounts", ProtocolMinor: acpplugin.ProtocolMinor,
			Capabilities: []string{acpplugin.CapabilityCatalog, acpplugin.CapabilityDiscounts},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}, Discounts: rejectEveryCode{}})
		resp, err := p.Discounts().Evaluate(ctx, &catalog.DiscountRequest{Currency: "usd", Codes: []string{"SAVE", "MORE"}})
		if err != nil || len(resp.Applied) != 0 || len(resp.Rejected) != 2 || resp.Rejected[1].Code != "MORE" {
			t.Errorf("Evaluate = %+v, %v; want both codes rejected", resp, err)
		}
	})

	t.Run("a plugin of 1.3, before the listing", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "catalog-1.3", SdkVersion: "0.4.0", ProtocolMinor: 3,
			Capabilities: []string{acpplugin.CapabilityCatalog, acpplugin.CapabilityDiscounts},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}, Discounts: rejectEveryCode{}})
		if p.Listing() != nil {
			t.Error("the host was handed a listing the plugin does not announce")
		}
		if err := resolve(p); err != nil {
			t.Error(err)
		}
	})

	// max_age_ms (1.5): a plugin of 1.4 never sends it, and its answers
	// come with MaxAge zero, never reused; one of 1.5 says how long its
	// answer holds.
	for _, tc := range []struct {
		name   string
		minor  uint32
		maxAge time.Duration
	}{
		{"tax and shipping of 1.4, without max_age_ms", 4, 0},
		{"tax and shipping of 1.5 with a max age", 5, 90 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := servePlugin(t, &pb.GetInfoResponse{
				Name: "quotes", ProtocolMinor: tc.minor, Capabilities: []string{acpplugin.CapabilityTax, acpplugin.CapabilityShipping},
			}, &grpcwire.Provider{
				Tax: tax.Func(func(context.Context, *tax.QuoteRequest) (*tax.QuoteResponse, error) {
					return &tax.QuoteResponse{Fulfillment: 1, MaxAge: tc.maxAge}, nil
				}),
				Shipping: shipping.Func(func(context.Context, *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
					return &shipping.QuoteResponse{Options: []shipping.Option{{ID: "std"}}, MaxAge: tc.maxAge}, nil
				}),
			})
			taxed, err := p.Tax().Quote(ctx, &tax.QuoteRequest{Currency: "usd"})
			if err != nil || taxed.Fulfillment != 1 || taxed.MaxAge != tc.maxAge {
				t.Errorf("tax Quote = %+v, %v; want MaxAge %v", taxed, err, tc.maxAge)
			}
			quoted, err := p.Shipping().Quote(ctx, &shipping.QuoteRequest{Currency: "usd"})
			if err != nil || len(quoted.Options) != 1 || quoted.MaxAge != tc.maxAge {
				t.Errorf("shipping Quote = %+v, %v; want MaxAge %v", quoted, err, tc.maxAge)
			}
		})
	}

	t.Run("listing announced but not served", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "announces-listing", ProtocolMinor: acpplugin.ProtocolMinor,
			Capabilities: []string{acpplugin.CapabilityCatalog, acpplugin.CapabilityListing},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}})
		_, err := p.Listing().ListProducts(ctx, &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
		if !errors.Is(err, acp.ErrNotOffered) {
			t.Errorf("ListProducts of a plugin that does not serve it = %v, want acp.ErrNotOffered", err)
		}
	})

	t.Run("listing served", func(t *testing.T) {
		t.Parallel()
		p := servePlugin(t, &pb.GetInfoResponse{
			Name: "listing", ProtocolMinor: acpplugin.ProtocolMinor,
			Capabilities: []string{acpplugin.CapabilityCatalog, acpplugin.CapabilityListing},
		}, &grpcwire.Provider{Catalog: oneItemCatalog{}, Listing: oneMugListing{}})
		resp, err := p.Listing().ListProducts(ctx, &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
		if err != nil || len(resp.Products) != 1 || resp.Products[0].Variants[0].Item.ID != "mug" || resp.ChangeToken != "v1" {
			t.Errorf("ListProducts = %+v, %v; want the mug, change token v1", resp, err)
		}
	})
}

// oneMugListing lists one product, the mug, at change token v1.
type oneMugListing struct{}

func (oneMugListing) ListProducts(context.Context, *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	mug := catalog.ItemProduct(catalog.Variant{Item: catalog.Item{ID: "mug", Found: true, Title: "Mug", UnitPrice: 100}})
	return &catalog.ListProductsResponse{Products: []catalog.Product{mug}, ChangeToken: "v1"}, nil
}

// rejectEveryCode applies nothing and rejects every code as invalid.
type rejectEveryCode struct{}

func (rejectEveryCode) Evaluate(_ context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	resp := &catalog.DiscountResponse{}
	for _, c := range req.Codes {
		resp.Rejected = append(resp.Rejected, catalog.RejectedCode{Code: c, Reason: acp.CodeDiscountCodeInvalid})
	}
	return resp, nil
}

// shortOfMugs has 2 mugs and holds none.
type shortOfMugs struct{}

func (shortOfMugs) Reserve(_ context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	return &catalog.ReserveResponse{Shortfalls: []catalog.Shortfall{{SKU: req.Lines[0].SKU, Available: 2}}}, nil
}

func (shortOfMugs) Commit(context.Context, string) error { return errors.New("no hold") }

func (shortOfMugs) Release(context.Context, string) error { return nil }
