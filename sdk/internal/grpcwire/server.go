package grpcwire

import (
	"context"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/internal/convert"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Provider is what a plugin process serves: its description, its
// configuration and health hooks and the capabilities it implements (nil
// for those it does not).
type Provider struct {
	Info        *pb.GetInfoResponse
	Configure   func(ctx context.Context, config []byte) error
	CheckHealth func(ctx context.Context) error
	Catalog     catalog.Catalog
	// StockReservations is the catalog's optional stock reservations.
	StockReservations catalog.StockReservations
	// Discounts is the catalog's optional promotion engine.
	Discounts catalog.Discounts
	// Listing is the catalog's optional product listing.
	Listing     catalog.Listing
	Tax         tax.Tax
	Shipping    shipping.Shipping
	Fulfillment fulfillment.Fulfillment
	// OnPanic is told of a panic in a handler, with its stack.
	OnPanic func(method string, value any, stack []byte)
}

// register adds the plugin service and every served capability's service
// to s.
func (p *Provider) register(s *grpc.Server) {
	pb.RegisterPluginServiceServer(s, pluginServer{p: p})
	if p.Catalog != nil {
		pb.RegisterCatalogServiceServer(s, catalogServer{impl: p.Catalog})
	}
	if p.StockReservations != nil {
		pb.RegisterStockReservationServiceServer(s, stockServer{impl: p.StockReservations})
	}
	if p.Discounts != nil {
		pb.RegisterDiscountServiceServer(s, discountServer{impl: p.Discounts})
	}
	if p.Listing != nil {
		pb.RegisterListingServiceServer(s, listingServer{impl: p.Listing})
	}
	if p.Tax != nil {
		pb.RegisterTaxServiceServer(s, taxServer{impl: p.Tax})
	}
	if p.Shipping != nil {
		pb.RegisterShippingServiceServer(s, shippingServer{impl: p.Shipping})
	}
	if p.Fulfillment != nil {
		pb.RegisterFulfillmentServiceServer(s, fulfillmentServer{impl: p.Fulfillment})
	}
}

// recoverPanics is a unary interceptor that turns a handler's panic into
// an Internal error, so a bug in one call does not kill the process and
// every session with it.
func (p *Provider) recoverPanics(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			if p.OnPanic != nil {
				p.OnPanic(info.FullMethod, v, debug.Stack())
			}
			resp, err = nil, status.Error(codes.Internal, fmt.Sprintf("plugin panicked in %s", info.FullMethod))
		}
	}()
	return handler(ctx, req)
}

type pluginServer struct {
	pb.UnimplementedPluginServiceServer
	p *Provider
}

func (s pluginServer) GetInfo(context.Context, *pb.GetInfoRequest) (*pb.GetInfoResponse, error) {
	return s.p.Info, nil
}

func (s pluginServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	if s.p.Configure == nil {
		return &pb.ConfigureResponse{}, nil
	}
	if err := s.p.Configure(ctx, req.GetConfigJson()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.ConfigureResponse{}, nil
}

func (s pluginServer) CheckHealth(ctx context.Context, _ *pb.CheckHealthRequest) (*pb.CheckHealthResponse, error) {
	if s.p.CheckHealth == nil {
		return &pb.CheckHealthResponse{Healthy: true}, nil
	}
	if err := s.p.CheckHealth(ctx); err != nil {
		return &pb.CheckHealthResponse{Healthy: false, Message: err.Error()}, nil
	}
	return &pb.CheckHealthResponse{Healthy: true}, nil
}

type catalogServer struct {
	pb.UnimplementedCatalogServiceServer
	impl catalog.Catalog
}

func (s catalogServer) ResolveItems(ctx context.Context, req *pb.ResolveItemsRequest) (*pb.ResolveItemsResponse, error) {
	resp, err := s.impl.ResolveItems(ctx, convert.ResolveItemsRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return convert.ResolveItemsResponseToProto(orEmpty(resp)), nil
}

type stockServer struct {
	pb.UnimplementedStockReservationServiceServer
	impl catalog.StockReservations
}

func (s stockServer) Reserve(ctx context.Context, req *pb.ReserveStockRequest) (*pb.ReserveStockResponse, error) {
	resp, err := s.impl.Reserve(ctx, convert.ReserveStockRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return convert.ReserveStockResponseToProto(orEmpty(resp)), nil
}

func (s stockServer) CommitStock(ctx context.Context, req *pb.CommitStockRequest) (*pb.CommitStockResponse, error) {
	if err := s.impl.Commit(ctx, req.GetKey()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.CommitStockResponse{}, nil
}

func (s stockServer) ReleaseStock(ctx context.Context, req *pb.ReleaseStockRequest) (*pb.ReleaseStockResponse, error) {
	if err := s.impl.Release(ctx, req.GetKey()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.ReleaseStockResponse{}, nil
}

type discountServer struct {
	pb.UnimplementedDiscountServiceServer
	impl catalog.Discounts
}

func (s discountServer) Evaluate(ctx context.Context, req *pb.EvaluateDiscountsRequest) (*pb.EvaluateDiscountsResponse, error) {
	resp, err := s.impl.Evaluate(ctx, convert.DiscountRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return convert.DiscountResponseToProto(orEmpty(resp)), nil
}

type listingServer struct {
	pb.UnimplementedListingServiceServer
	impl catalog.Listing
}

func (s listingServer) ListProducts(ctx context.Context, req *pb.ListProductsRequest) (*pb.ListProductsResponse, error) {
	resp, err := s.impl.ListProducts(ctx, convert.ListProductsRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return convert.ListProductsResponseToProto(orEmpty(resp)), nil
}

type taxServer struct {
	pb.UnimplementedTaxServiceServer
	impl tax.Tax
}

func (s taxServer) Quote(ctx context.Context, req *pb.TaxQuoteRequest) (*pb.TaxQuoteResponse, error) {
	resp, err := s.impl.Quote(ctx, convert.TaxQuoteRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return convert.TaxQuoteResponseToProto(orEmpty(resp)), nil
}

type shippingServer struct {
	pb.UnimplementedShippingServiceServer
	impl shipping.Shipping
}

func (s shippingServer) Quote(ctx context.Context, req *pb.ShippingQuoteRequest) (*pb.ShippingQuoteResponse, error) {
	resp, err := s.impl.Quote(ctx, convert.ShippingQuoteRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return convert.ShippingQuoteResponseToProto(orEmpty(resp)), nil
}

type fulfillmentServer struct {
	pb.UnimplementedFulfillmentServiceServer
	impl fulfillment.Fulfillment
}

func (s fulfillmentServer) PlaceOrder(ctx context.Context, req *pb.PlaceOrderRequest) (*pb.PlaceOrderResponse, error) {
	resp, err := s.impl.PlaceOrder(ctx, convert.PlaceOrderRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return convert.PlaceOrderResponseToProto(orEmpty(resp)), nil
}

func (s fulfillmentServer) CancelOrder(ctx context.Context, req *pb.CancelOrderRequest) (*pb.CancelOrderResponse, error) {
	if err := s.impl.CancelOrder(ctx, convert.CancelOrderRequestFromProto(req)); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.CancelOrderResponse{}, nil
}

// orEmpty lets a handler return a nil response with a nil error.
func orEmpty[T any](resp *T) *T {
	if resp == nil {
		return new(T)
	}
	return resp
}
