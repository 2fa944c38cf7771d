package convert

import (
	"maps"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
)

// PlaceOrderRequestToProto converts an order placement.
func PlaceOrderRequestToProto(r *fulfillment.PlaceOrderRequest) *pb.PlaceOrderRequest {
	out := &pb.PlaceOrderRequest{
		OrderId: r.OrderID, CheckoutSessionId: r.CheckoutSessionID, IdempotencyKey: r.IdempotencyKey, Currency: r.Currency,
		Total: r.Total, Destination: AddressToProto(r.Destination), OptionIds: cloneStrings(r.OptionIDs),
		Lines: mapSlice(r.Lines, func(l fulfillment.Line) *pb.OrderLine {
			return &pb.OrderLine{Id: l.ID, ItemId: l.ItemID, ProductId: l.ProductID, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Total: l.Total}
		}),
		Groups: mapSlice(r.Groups, func(g fulfillment.Group) *pb.FulfillmentGroupPlan {
			return &pb.FulfillmentGroupPlan{
				Group:   FulfillmentGroupToProto(&acp.FulfillmentGroup{ID: g.ID, Type: g.Type, LocationID: g.LocationID, Instructions: g.Instructions}),
				LineIds: cloneStrings(g.LineIDs), Destination: AddressToProto(g.Destination),
				RecipientName: g.RecipientName, RecipientEmail: g.RecipientEmail, RecipientPhone: g.RecipientPhone,
				OptionId: g.OptionID, Amount: g.Amount,
			}
		}),
		OrderNotes: r.OrderNotes,
		Attribution: mapSlice(r.Attribution, func(a fulfillment.Attribution) *pb.Attribution {
			return &pb.Attribution{
				Touchpoint: a.Touchpoint, Provider: a.Provider, Token: a.Token, PublisherId: a.PublisherID, CampaignId: a.CampaignID,
				CreativeId: a.CreativeID, SubId: a.SubID, SourceType: a.SourceType, SourceUrl: a.SourceURL,
				IssuedAt: TimeToProto(a.IssuedAt), ExpiresAt: TimeToProto(a.ExpiresAt), Metadata: maps.Clone(a.Metadata),
			}
		}),
		MarketingConsents: mapSlice(r.MarketingConsents, func(c fulfillment.MarketingConsent) *pb.MarketingConsent {
			return &pb.MarketingConsent{Channel: c.Channel, OptedIn: c.OptedIn, Contact: c.Contact}
		}),
		RiskSignals: ifSet(r.RiskSignals, func(s *fulfillment.RiskSignals) *pb.RiskSignals {
			return &pb.RiskSignals{IpAddress: s.IPAddress, UserAgent: s.UserAgent, AcceptLanguage: s.AcceptLanguage, SessionId: s.SessionID, DeviceFingerprint: s.DeviceFingerprint}
		}),
		RecipientName: r.RecipientName, RecipientEmail: r.RecipientEmail, RecipientPhone: r.RecipientPhone,
		Discounts: mapSlice(r.Discounts, func(d fulfillment.Discount) *pb.OrderDiscount {
			return &pb.OrderDiscount{
				Id: d.ID, Code: d.Code, Name: d.Name, Automatic: d.Automatic, Amount: d.Amount,
				Allocations: mapSlice(d.Allocations, func(a fulfillment.DiscountAllocation) *pb.OrderDiscountAllocation {
					return &pb.OrderDiscountAllocation{LineId: a.LineID, OptionId: a.OptionID, Amount: a.Amount}
				}),
			}
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
				ID: l.GetId(), ItemID: l.GetItemId(), ProductID: l.GetProductId(), Title: l.GetTitle(), Quantity: l.GetQuantity(), UnitPrice: l.GetUnitPrice(), Total: l.GetTotal(),
			}
		}),
		Groups: mapSlice(r.GetGroups(), func(g *pb.FulfillmentGroupPlan) fulfillment.Group {
			group := FulfillmentGroupFromProto(g.GetGroup())
			if group == nil {
				group = &acp.FulfillmentGroup{}
			}
			return fulfillment.Group{
				ID: group.ID, Type: group.Type, LineIDs: g.GetLineIds(),
				Destination: AddressFromProto(g.GetDestination()), RecipientName: g.GetRecipientName(), RecipientEmail: g.GetRecipientEmail(),
				RecipientPhone: g.GetRecipientPhone(), LocationID: group.LocationID, Instructions: group.Instructions,
				OptionID: g.GetOptionId(), Amount: g.GetAmount(),
			}
		}),
		OrderNotes: r.GetOrderNotes(),
		Attribution: mapSlice(r.GetAttribution(), func(a *pb.Attribution) fulfillment.Attribution {
			return fulfillment.Attribution{
				Touchpoint: a.GetTouchpoint(), Provider: a.GetProvider(), Token: a.GetToken(), PublisherID: a.GetPublisherId(),
				CampaignID: a.GetCampaignId(), CreativeID: a.GetCreativeId(), SubID: a.GetSubId(), SourceType: a.GetSourceType(),
				SourceURL: a.GetSourceUrl(), IssuedAt: TimeFromProto(a.GetIssuedAt()), ExpiresAt: TimeFromProto(a.GetExpiresAt()),
				Metadata: a.GetMetadata(),
			}
		}),
		MarketingConsents: mapSlice(r.GetMarketingConsents(), func(c *pb.MarketingConsent) fulfillment.MarketingConsent {
			return fulfillment.MarketingConsent{Channel: c.GetChannel(), OptedIn: c.GetOptedIn(), Contact: c.GetContact()}
		}),
		RiskSignals: ifSet(r.GetRiskSignals(), func(s *pb.RiskSignals) *fulfillment.RiskSignals {
			return &fulfillment.RiskSignals{
				IPAddress: s.GetIpAddress(), UserAgent: s.GetUserAgent(), AcceptLanguage: s.GetAcceptLanguage(),
				SessionID: s.GetSessionId(), DeviceFingerprint: s.GetDeviceFingerprint(),
			}
		}),
		RecipientName: r.GetRecipientName(), RecipientEmail: r.GetRecipientEmail(), RecipientPhone: r.GetRecipientPhone(),
		Discounts: mapSlice(r.GetDiscounts(), func(d *pb.OrderDiscount) fulfillment.Discount {
			return fulfillment.Discount{
				ID: d.GetId(), Code: d.GetCode(), Name: d.GetName(), Automatic: d.GetAutomatic(), Amount: d.GetAmount(),
				Allocations: mapSlice(d.GetAllocations(), func(a *pb.OrderDiscountAllocation) fulfillment.DiscountAllocation {
					return fulfillment.DiscountAllocation{LineID: a.GetLineId(), OptionID: a.GetOptionId(), Amount: a.GetAmount()}
				}),
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
