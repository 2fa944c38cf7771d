package convert

import (
	"github.com/acp-sidecar/acp/sdk/catalog"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
)

// ReserveStockRequestToProto converts a reserve request.
func ReserveStockRequestToProto(r *catalog.ReserveRequest) *pb.ReserveStockRequest {
	return &pb.ReserveStockRequest{
		Key:           r.Key,
		Lines:         mapSlice(r.Lines, func(l catalog.StockLine) *pb.StockLine { return &pb.StockLine{Sku: l.SKU, Quantity: l.Quantity} }),
		ExpiresAt:     TimeToProto(r.ExpiresAt),
		DiscountCodes: cloneStrings(r.DiscountCodes),
	}
}

// ReserveStockRequestFromProto converts a reserve request.
func ReserveStockRequestFromProto(r *pb.ReserveStockRequest) *catalog.ReserveRequest {
	return &catalog.ReserveRequest{
		Key: r.GetKey(),
		Lines: mapSlice(r.GetLines(), func(l *pb.StockLine) catalog.StockLine {
			return catalog.StockLine{SKU: l.GetSku(), Quantity: l.GetQuantity()}
		}),
		ExpiresAt:     TimeFromProto(r.GetExpiresAt()),
		DiscountCodes: r.GetDiscountCodes(),
	}
}

// ReserveStockResponseToProto converts a reserve response.
func ReserveStockResponseToProto(r *catalog.ReserveResponse) *pb.ReserveStockResponse {
	return &pb.ReserveStockResponse{
		Held: r.Held,
		Shortfalls: mapSlice(r.Shortfalls, func(s catalog.Shortfall) *pb.StockShortfall {
			return &pb.StockShortfall{Sku: s.SKU, Available: s.Available}
		}),
	}
}

// ReserveStockResponseFromProto converts a reserve response.
func ReserveStockResponseFromProto(r *pb.ReserveStockResponse) *catalog.ReserveResponse {
	return &catalog.ReserveResponse{
		Held: r.GetHeld(),
		Shortfalls: mapSlice(r.GetShortfalls(), func(s *pb.StockShortfall) catalog.Shortfall {
			return catalog.Shortfall{SKU: s.GetSku(), Available: s.GetAvailable()}
		}),
	}
}
