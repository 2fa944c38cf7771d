package convert

import (
	"github.com/acp-sidecar/acp/sdk/catalog"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
)

// ResolveItemsRequestToProto converts a catalog request.
func ResolveItemsRequestToProto(r *catalog.ResolveItemsRequest) *pb.ResolveItemsRequest {
	return &pb.ResolveItemsRequest{
		Currency: r.Currency,
		Items:    mapSlice(r.Items, func(i catalog.ItemRef) *pb.ItemRef { return &pb.ItemRef{Id: i.ID, Quantity: i.Quantity} }),
	}
}

// ResolveItemsRequestFromProto converts a catalog request.
func ResolveItemsRequestFromProto(r *pb.ResolveItemsRequest) *catalog.ResolveItemsRequest {
	return &catalog.ResolveItemsRequest{
		Currency: r.GetCurrency(),
		Items:    mapSlice(r.GetItems(), func(i *pb.ItemRef) catalog.ItemRef { return catalog.ItemRef{ID: i.GetId(), Quantity: i.GetQuantity()} }),
	}
}

// ResolveItemsResponseToProto converts a catalog response.
func ResolveItemsResponseToProto(r *catalog.ResolveItemsResponse) *pb.ResolveItemsResponse {
	return &pb.ResolveItemsResponse{Items: mapSlice(r.Items, itemToProto), Messages: MessagesToProto(r.Messages)}
}

// ResolveItemsResponseFromProto converts a catalog response.
func ResolveItemsResponseFromProto(r *pb.ResolveItemsResponse) *catalog.ResolveItemsResponse {
	return &catalog.ResolveItemsResponse{Items: mapSlice(r.GetItems(), itemFromProto), Messages: MessagesFromProto(r.GetMessages())}
}

func itemToProto(i catalog.Item) *pb.Item {
	return &pb.Item{
		Id: i.ID, Found: i.Found, Title: i.Title, Description: i.Description, Images: cloneStrings(i.Images),
		UnitPrice: i.UnitPrice, TaxCategory: i.TaxCategory, Weight: WeightToProto(i.Weight), Available: i.Available,
		MaxPerOrder: i.MaxPerOrder, FulfillmentTypes: FulfillmentTypesToProto(i.FulfillmentTypes), ProductId: i.ProductID,
		Categories: cloneStrings(i.Categories),
		Escalation: ifSet(i.Escalation, func(e *catalog.Escalation) *pb.Escalation {
			return &pb.Escalation{Code: e.Code, Reason: e.Reason, ContinueUrl: e.ContinueURL}
		}),
	}
}

func itemFromProto(i *pb.Item) catalog.Item {
	return catalog.Item{
		ID: i.GetId(), Found: i.GetFound(), Title: i.GetTitle(), Description: i.GetDescription(), Images: i.GetImages(),
		UnitPrice: i.GetUnitPrice(), TaxCategory: i.GetTaxCategory(), Weight: WeightFromProto(i.GetWeight()), Available: i.Available,
		MaxPerOrder: i.GetMaxPerOrder(), FulfillmentTypes: FulfillmentTypesFromProto(i.GetFulfillmentTypes()), ProductID: i.GetProductId(),
		Categories: i.GetCategories(),
		Escalation: ifSet(i.GetEscalation(), func(e *pb.Escalation) *catalog.Escalation {
			return &catalog.Escalation{Code: e.GetCode(), Reason: e.GetReason(), ContinueURL: e.GetContinueUrl()}
		}),
	}
}
