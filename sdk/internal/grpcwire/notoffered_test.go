package grpcwire

import (
	"context"
	"errors"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

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

// TestUnservedRPCIsNotOffered calls, over real gRPC on loopback, the RPCs
// of a plugin that serves only the catalog: what it serves answers, and
// every other RPC comes back as acp.ErrNotOffered, as an RPC added in a
// later protocol minor does from a plugin built before it.
func TestUnservedRPCIsNotOffered(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer()
	(&Provider{Info: &pb.GetInfoResponse{Name: "catalog-only", Capabilities: []string{"catalog"}}, Catalog: emptyCatalog{}}).register(server)
	go func() { _ = server.Serve(lis) }()
	t.Cleanup(server.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	remote := NewRemote(conn)
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
	} {
		err := call()
		var failure *acp.Error
		if !errors.Is(err, acp.ErrNotOffered) || errors.As(err, &failure) {
			t.Errorf("%s on a catalog-only plugin = %v, want acp.ErrNotOffered and no *acp.Error", rpc, err)
		}
	}
}
