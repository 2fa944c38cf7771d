package convert

import (
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
)

// PlaceOrderRequestToProto converts an order placement.
func PlaceOrderRequestToProto(r *fulfillment.PlaceOrderRequest) *pb.PlaceOrderRequest {
	out := &pb.PlaceOrderRequest{
		OrderId: r.OrderID, CheckoutSessionId: r.CheckoutSessionID, IdempotencyKey: r.IdempotencyKey, Currency: r.Currency,
		Total: r.Total, Destination: AddressToProto(r.Destination), OptionIds: cloneStrings(r.OptionIDs),
		Lines: mapSlice(r.Lines, func(l fulfillment.Line) *pb.OrderLine {
			return &pb.OrderLine{Id: l.ID, ItemId: l.ItemID, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Total: l.Total}
		}),
	}
	if b := r.Buyer; b != nil {
		out.Buyer = &pb.Buyer{FirstName: b.FirstName, LastName: b.LastName, Email: b.Email, PhoneNumber: b.PhoneNumber}
	}
	return out
}

// PlaceOrderRequestFromProto converts an order placement.
func PlaceOrderRequestFromProto(r *pb.PlaceOrderRequest) *fulfillment.PlaceOrderRequest {
	out := &fulfillment.PlaceOrderRequest{
		OrderID: r.GetOrderId(), CheckoutSessionID: r.GetCheckoutSessionId(), IdempotencyKey: r.GetIdempotencyKey(), Currency: r.GetCurrency(),
		Total: r.GetTotal(), Destination: AddressFromProto(r.GetDestination()), OptionIDs: r.GetOptionIds(),
		Lines: mapSlice(r.GetLines(), func(l *pb.OrderLine) fulfillment.Line {
			return fulfillment.Line{
				ID: l.GetId(), ItemID: l.GetItemId(), Title: l.GetTitle(), Quantity: l.GetQuantity(), UnitPrice: l.GetUnitPrice(), Total: l.GetTotal(),
			}
		}),
	}
	if b := r.GetBuyer(); b != nil {
		out.Buyer = &fulfillment.Buyer{FirstName: b.GetFirstName(), LastName: b.GetLastName(), Email: b.GetEmail(), PhoneNumber: b.GetPhoneNumber()}
	}
	return out
}

// PlaceOrderResponseToProto converts a placement's result.
func PlaceOrderResponseToProto(r *fulfillment.PlaceOrderResponse) *pb.PlaceOrderResponse {
	return &pb.PlaceOrderResponse{OrderNumber: r.OrderNumber, PermalinkUrl: r.PermalinkURL}
}

// PlaceOrderResponseFromProto converts a placement's result.
func PlaceOrderResponseFromProto(r *pb.PlaceOrderResponse) *fulfillment.PlaceOrderResponse {
	return &fulfillment.PlaceOrderResponse{OrderNumber: r.GetOrderNumber(), PermalinkURL: r.GetPermalinkUrl()}
}

// CancelOrderRequestToProto converts a cancellation.
func CancelOrderRequestToProto(r *fulfillment.CancelOrderRequest) *pb.CancelOrderRequest {
	return &pb.CancelOrderRequest{OrderId: r.OrderID, Reason: r.Reason}
}

// CancelOrderRequestFromProto converts a cancellation.
func CancelOrderRequestFromProto(r *pb.CancelOrderRequest) *fulfillment.CancelOrderRequest {
	return &fulfillment.CancelOrderRequest{OrderID: r.GetOrderId(), Reason: r.GetReason()}
}
