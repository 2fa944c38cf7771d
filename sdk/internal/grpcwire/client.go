package grpcwire

import (
	"context"

	"google.golang.org/grpc"

	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/internal/convert"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Remote is the host's end of one plugin connection. Its capability
// methods implement the SDK interfaces over gRPC; errors come back as the
// plugin's *acp.Error, as acp.ErrNotOffered for an RPC answered
// UNIMPLEMENTED, or as gRPC status errors for transport failures. The
// PluginService methods, which every plugin serves, return an
// UNIMPLEMENTED answer as its status.
type Remote struct {
	plugin      pb.PluginServiceClient
	catalog     pb.CatalogServiceClient
	stock       pb.StockReservationServiceClient
	discounts   pb.DiscountServiceClient
	listing     pb.ListingServiceClient
	tax         pb.TaxServiceClient
	shipping    pb.ShippingServiceClient
	fulfillment pb.FulfillmentServiceClient
}

// NewRemote wraps a connection to a plugin.
func NewRemote(conn grpc.ClientConnInterface) *Remote {
	return &Remote{
		plugin:      pb.NewPluginServiceClient(conn),
		catalog:     pb.NewCatalogServiceClient(conn),
		stock:       pb.NewStockReservationServiceClient(conn),
		discounts:   pb.NewDiscountServiceClient(conn),
		listing:     pb.NewListingServiceClient(conn),
		tax:         pb.NewTaxServiceClient(conn),
		shipping:    pb.NewShippingServiceClient(conn),
		fulfillment: pb.NewFulfillmentServiceClient(conn),
	}
}

// GetInfo asks the plugin to describe itself.
func (r *Remote) GetInfo(ctx context.Context) (*pb.GetInfoResponse, error) {
	resp, err := r.plugin.GetInfo(ctx, &pb.GetInfoRequest{})
	return resp, fromStatus(err)
}

// Configure sends the plugin its configuration as JSON.
func (r *Remote) Configure(ctx context.Context, config []byte) error {
	_, err := r.plugin.Configure(ctx, &pb.ConfigureRequest{ConfigJson: config})
	return fromStatus(err)
}

// CheckHealth asks the plugin whether it can reach its backend.
func (r *Remote) CheckHealth(ctx context.Context) (*pb.CheckHealthResponse, error) {
	resp, err := r.plugin.CheckHealth(ctx, &pb.CheckHealthRequest{})
	return resp, fromStatus(err)
}

// Catalog returns the plugin's catalog capability.
func (r *Remote) Catalog() catalog.Catalog { return remoteCatalog{r.catalog} }

// StockReservations returns the plugin's optional stock reservations.
func (r *Remote) StockReservations() catalog.StockReservations { return remoteStock{r.stock} }

// Discounts returns the plugin's optional discounts.
func (r *Remote) Discounts() catalog.Discounts { return remoteDiscounts{r.discounts} }

// Listing returns the plugin's optional product listing.
func (r *Remote) Listing() catalog.Listing { return remoteListing{r.listing} }

// Tax returns the plugin's tax capability.
func (r *Remote) Tax() tax.Tax { return remoteTax{r.tax} }

// Shipping returns the plugin's shipping capability.
func (r *Remote) Shipping() shipping.Shipping { return remoteShipping{r.shipping} }

// Fulfillment returns the plugin's fulfillment capability.
func (r *Remote) Fulfillment() fulfillment.Fulfillment { return remoteFulfillment{r.fulfillment} }

type remoteCatalog struct{ c pb.CatalogServiceClient }

func (r remoteCatalog) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp, err := r.c.ResolveItems(ctx, convert.ResolveItemsRequestToProto(req))
	if err != nil {
		return nil, fromCapabilityStatus(err)
	}
	return convert.ResolveItemsResponseFromProto(resp), nil
}

type remoteStock struct {
	c pb.StockReservationServiceClient
}

func (r remoteStock) Reserve(ctx context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	resp, err := r.c.Reserve(ctx, convert.ReserveStockRequestToProto(req))
	if err != nil {
		return nil, fromCapabilityStatus(err)
	}
	return convert.ReserveStockResponseFromProto(resp), nil
}

func (r remoteStock) Commit(ctx context.Context, key string) error {
	_, err := r.c.CommitStock(ctx, &pb.CommitStockRequest{Key: key})
	return fromCapabilityStatus(err)
}

func (r remoteStock) Release(ctx context.Context, key string) error {
	_, err := r.c.ReleaseStock(ctx, &pb.ReleaseStockRequest{Key: key})
	return fromCapabilityStatus(err)
}

type remoteDiscounts struct{ c pb.DiscountServiceClient }

func (r remoteDiscounts) Evaluate(ctx context.Context, req *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	resp, err := r.c.Evaluate(ctx, convert.DiscountRequestToProto(req))
	if err != nil {
		return nil, fromCapabilityStatus(err)
	}
	return convert.DiscountResponseFromProto(resp), nil
}

type remoteListing struct{ c pb.ListingServiceClient }

func (r remoteListing) ListProducts(ctx context.Context, req *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	resp, err := r.c.ListProducts(ctx, convert.ListProductsRequestToProto(req))
	if err != nil {
		return nil, fromCapabilityStatus(err)
	}
	return convert.ListProductsResponseFromProto(resp), nil
}

type remoteTax struct{ c pb.TaxServiceClient }

func (r remoteTax) Quote(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	resp, err := r.c.Quote(ctx, convert.TaxQuoteRequestToProto(req))
	if err != nil {
		return nil, fromCapabilityStatus(err)
	}
	return convert.TaxQuoteResponseFromProto(resp), nil
}

type remoteShipping struct{ c pb.ShippingServiceClient }

func (r remoteShipping) Quote(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	resp, err := r.c.Quote(ctx, convert.ShippingQuoteRequestToProto(req))
	if err != nil {
		return nil, fromCapabilityStatus(err)
	}
	return convert.ShippingQuoteResponseFromProto(resp), nil
}

type remoteFulfillment struct{ c pb.FulfillmentServiceClient }

func (r remoteFulfillment) PlaceOrder(ctx context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	resp, err := r.c.PlaceOrder(ctx, convert.PlaceOrderRequestToProto(req))
	if err != nil {
		return nil, fromCapabilityStatus(err)
	}
	return convert.PlaceOrderResponseFromProto(resp), nil
}

func (r remoteFulfillment) CancelOrder(ctx context.Context, req *fulfillment.CancelOrderRequest) error {
	_, err := r.c.CancelOrder(ctx, convert.CancelOrderRequestToProto(req))
	return fromCapabilityStatus(err)
}
