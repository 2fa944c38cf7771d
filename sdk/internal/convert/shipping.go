package convert

import (
	"github.com/acp-sidecar/acp/sdk/acp"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// ShippingQuoteRequestToProto converts a shipping request.
func ShippingQuoteRequestToProto(r *shipping.QuoteRequest) *pb.ShippingQuoteRequest {
	return &pb.ShippingQuoteRequest{
		Currency: r.Currency, Destination: AddressToProto(r.Destination), Group: FulfillmentGroupToProto(r.Group),
		Lines: mapSlice(r.Lines, func(l shipping.Line) *pb.ShippingLine {
			return &pb.ShippingLine{
				Id: l.ID, ItemId: l.ItemID, Quantity: l.Quantity, Subtotal: l.Subtotal, Weight: WeightToProto(l.Weight),
				FulfillmentTypes: FulfillmentTypesToProto(l.FulfillmentTypes),
			}
		}),
	}
}

// ShippingQuoteRequestFromProto converts a shipping request.
func ShippingQuoteRequestFromProto(r *pb.ShippingQuoteRequest) *shipping.QuoteRequest {
	return &shipping.QuoteRequest{
		Currency: r.GetCurrency(), Destination: AddressFromProto(r.GetDestination()), Group: FulfillmentGroupFromProto(r.GetGroup()),
		Lines: mapSlice(r.GetLines(), func(l *pb.ShippingLine) shipping.Line {
			return shipping.Line{
				ID: l.GetId(), ItemID: l.GetItemId(), Quantity: l.GetQuantity(), Subtotal: l.GetSubtotal(), Weight: WeightFromProto(l.GetWeight()),
				FulfillmentTypes: FulfillmentTypesFromProto(l.GetFulfillmentTypes()),
			}
		}),
	}
}

// ShippingQuoteResponseToProto converts a shipping response.
func ShippingQuoteResponseToProto(r *shipping.QuoteResponse) *pb.ShippingQuoteResponse {
	return &pb.ShippingQuoteResponse{Options: mapSlice(r.Options, optionToProto), Messages: MessagesToProto(r.Messages), MaxAgeMs: MaxAgeToProto(r.MaxAge)}
}

// ShippingQuoteResponseFromProto converts a shipping response.
func ShippingQuoteResponseFromProto(r *pb.ShippingQuoteResponse) *shipping.QuoteResponse {
	return &shipping.QuoteResponse{
		Options: mapSlice(r.GetOptions(), optionFromProto), Messages: MessagesFromProto(r.GetMessages()),
		MaxAge: MaxAgeFromProto(r.GetMaxAgeMs()),
	}
}

func optionToProto(o shipping.Option) *pb.ShippingOption {
	out := &pb.ShippingOption{
		Id: o.ID, Type: string(o.Type), Title: o.Title, Description: o.Description, Carrier: o.Carrier,
		LineIds: cloneStrings(o.LineIDs), Amount: o.Amount,
		EarliestDelivery: TimeToProto(o.EarliestDelivery), LatestDelivery: TimeToProto(o.LatestDelivery),
	}
	if p := o.Pickup; p != nil {
		out.Pickup = &pb.PickupLocation{Name: p.Name, Address: AddressToProto(&p.Address), Phone: p.Phone, Instructions: p.Instructions}
	}
	return out
}

func optionFromProto(o *pb.ShippingOption) shipping.Option {
	out := shipping.Option{
		ID: o.GetId(), Type: acp.FulfillmentType(o.GetType()), Title: o.GetTitle(), Description: o.GetDescription(),
		Carrier: o.GetCarrier(), LineIDs: o.GetLineIds(), Amount: o.GetAmount(),
		EarliestDelivery: TimeFromProto(o.GetEarliestDelivery()), LatestDelivery: TimeFromProto(o.GetLatestDelivery()),
	}
	if p := o.GetPickup(); p != nil {
		out.Pickup = &shipping.PickupLocation{Name: p.GetName(), Phone: p.GetPhone(), Instructions: p.GetInstructions()}
		if a := AddressFromProto(p.GetAddress()); a != nil {
			out.Pickup.Address = *a
		}
	}
	return out
}
