package grpcwire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

type emptyCatalog struct{}

func (emptyCatalog) ResolveItems(context.Context, *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	return &catalog.ResolveItemsResponse{}, nil
}

// serve serves, over real gRPC on loopback with the server options opts,
// what register registers, and returns the host's end.
func serve(t *testing.T, register func(*grpc.Server), opts ...grpc.ServerOption) *Remote {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer(opts...)
	register(server)
	go func() { _ = server.Serve(lis) }()
	t.Cleanup(server.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return NewRemote(conn)
}

// wantNotOffered fails t unless err is acp.ErrNotOffered and no *acp.Error.
func wantNotOffered(t *testing.T, rpc string, err error) {
	t.Helper()
	if _, failure := errors.AsType[*acp.Error](err); !errors.Is(err, acp.ErrNotOffered) || failure {
		t.Errorf("%s = %v, want acp.ErrNotOffered and no *acp.Error", rpc, err)
	}
}

// TestUnservedRPCIsNotOffered calls the RPCs of a plugin that serves only
// the catalog: what it serves answers, and every other RPC comes back as
// acp.ErrNotOffered, as an RPC added in a later protocol minor does from a
// plugin built before it (or one that announces more than it serves).
func TestUnservedRPCIsNotOffered(t *testing.T) {
	t.Parallel()
	remote := serve(t, (&Provider{Info: &pb.GetInfoResponse{Name: "catalog-only", Capabilities: []string{"catalog"}}, Catalog: emptyCatalog{}}).register)
	ctx := context.Background()
	if _, err := remote.Catalog().ResolveItems(ctx, &catalog.ResolveItemsRequest{}); err != nil {
		t.Fatalf("the served catalog: %v", err)
	}
	for rpc, call := range map[string]func() error{
		"tax.Quote":      func() error { _, err := remote.Tax().Quote(ctx, &tax.QuoteRequest{}); return err },
		"shipping.Quote": func() error { _, err := remote.Shipping().Quote(ctx, &shipping.QuoteRequest{}); return err },
		"PlaceOrder": func() error {
			_, err := remote.Fulfillment().PlaceOrder(ctx, &fulfillment.PlaceOrderRequest{})
			return err
		},
		"CancelOrder": func() error { return remote.Fulfillment().CancelOrder(ctx, &fulfillment.CancelOrderRequest{}) },
		"ListProducts": func() error {
			_, err := remote.Listing().ListProducts(ctx, &catalog.ListProductsRequest{PageSize: 1})
			return err
		},
	} {
		wantNotOffered(t, rpc, call())
	}
}

// notOfferedTax is a tax implementation that does not offer its
// capability for this store.
type notOfferedTax struct{}

func (notOfferedTax) Quote(context.Context, *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	return nil, fmt.Errorf("no tax service for this store: %w", acp.ErrNotOffered)
}

// TestNotOfferedRoundTrip: a capability method that returns
// acp.ErrNotOffered reaches the host as acp.ErrNotOffered, not as the
// plugin's failure, and reads the same as in the plugin.
func TestNotOfferedRoundTrip(t *testing.T) {
	t.Parallel()
	remote := serve(t, (&Provider{Info: &pb.GetInfoResponse{Name: "no-tax"}, Tax: notOfferedTax{}}).register)
	_, err := remote.Tax().Quote(context.Background(), &tax.QuoteRequest{})
	wantNotOffered(t, "tax.Quote", err)
	_, inPlugin := notOfferedTax{}.Quote(context.Background(), nil)
	if err != nil && err.Error() != inPlugin.Error() {
		t.Errorf("tax.Quote on the host: %q, in the plugin: %q", err, inPlugin)
	}
}

// TestUnimplementedPluginServiceIsNoCapability: PluginService is not a
// capability, every plugin serves it. A plugin that answers its RPCs
// UNIMPLEMENTED is broken, and the host gets the gRPC status (which fails
// the plugin's start), not acp.ErrNotOffered.
func TestUnimplementedPluginServiceIsNoCapability(t *testing.T) {
	t.Parallel()
	remote := serve(t, func(s *grpc.Server) { pb.RegisterCatalogServiceServer(s, catalogServer{impl: emptyCatalog{}}) })
	ctx := context.Background()
	for rpc, call := range map[string]func() error{
		"GetInfo":     func() error { _, err := remote.GetInfo(ctx); return err },
		"Configure":   func() error { return remote.Configure(ctx, []byte(`{}`)) },
		"CheckHealth": func() error { _, err := remote.CheckHealth(ctx); return err },
	} {
		if err := call(); errors.Is(err, acp.ErrNotOffered) || status.Code(err) != codes.Unimplemented {
			t.Errorf("%s on a plugin without PluginService = %v, want the UNIMPLEMENTED status, not acp.ErrNotOffered", rpc, err)
		}
	}
}
