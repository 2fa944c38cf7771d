package convert

import (
	"github.com/acp-sidecar/acp/sdk/catalog"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
)

// DiscountRequestToProto converts a discount request.
func DiscountRequestToProto(r *catalog.DiscountRequest) *pb.EvaluateDiscountsRequest {
	return &pb.EvaluateDiscountsRequest{
		Currency: r.Currency, Codes: cloneStrings(r.Codes),
		Lines: mapSlice(r.Lines, func(l catalog.DiscountLine) *pb.DiscountLine {
			return &pb.DiscountLine{
				Id: l.ID, ItemId: l.ItemID, ProductId: l.ProductID, Categories: cloneStrings(l.Categories),
				Quantity: l.Quantity, UnitPrice: l.UnitPrice, Subtotal: l.Subtotal,
			}
		}),
		Fulfillment: mapSlice(r.Fulfillment, func(f catalog.FulfillmentCharge) *pb.FulfillmentCharge {
			return &pb.FulfillmentCharge{Id: f.ID, LineIds: cloneStrings(f.LineIDs), Amount: f.Amount}
		}),
		At: TimeToProto(r.At),
	}
}

// DiscountRequestFromProto converts a discount request.
func DiscountRequestFromProto(r *pb.EvaluateDiscountsRequest) *catalog.DiscountRequest {
	return &catalog.DiscountRequest{
		Currency: r.GetCurrency(), Codes: r.GetCodes(),
		Lines: mapSlice(r.GetLines(), func(l *pb.DiscountLine) catalog.DiscountLine {
			return catalog.DiscountLine{
				ID: l.GetId(), ItemID: l.GetItemId(), ProductID: l.GetProductId(), Categories: l.GetCategories(),
				Quantity: l.GetQuantity(), UnitPrice: l.GetUnitPrice(), Subtotal: l.GetSubtotal(),
			}
		}),
		Fulfillment: mapSlice(r.GetFulfillment(), func(f *pb.FulfillmentCharge) catalog.FulfillmentCharge {
			return catalog.FulfillmentCharge{ID: f.GetId(), LineIDs: f.GetLineIds(), Amount: f.GetAmount()}
		}),
		At: TimeFromProto(r.GetAt()),
	}
}

// DiscountResponseToProto converts a discount response.
func DiscountResponseToProto(r *catalog.DiscountResponse) *pb.EvaluateDiscountsResponse {
	return &pb.EvaluateDiscountsResponse{
		Applied: mapSlice(r.Applied, func(d catalog.AppliedDiscount) *pb.AppliedDiscount {
			return &pb.AppliedDiscount{
				Id: d.ID, Code: d.Code, Automatic: d.Automatic, Name: d.Name, PercentOff: d.PercentOff,
				AmountOff: d.AmountOff, Method: d.Method, Priority: int64(d.Priority),
				Start: TimeToProto(d.Start), End: TimeToProto(d.End), Amount: d.Amount,
				Allocations: mapSlice(d.Allocations, func(a catalog.Allocation) *pb.Allocation {
					return &pb.Allocation{LineId: a.LineID, FulfillmentId: a.FulfillmentID, Amount: a.Amount}
				}),
				UsageLimited: d.UsageLimited,
			}
		}),
		Rejected: mapSlice(r.Rejected, func(c catalog.RejectedCode) *pb.RejectedCode {
			return &pb.RejectedCode{Code: c.Code, Reason: c.Reason, Message: c.Message}
		}),
		Messages: MessagesToProto(r.Messages),
	}
}

// DiscountResponseFromProto converts a discount response.
func DiscountResponseFromProto(r *pb.EvaluateDiscountsResponse) *catalog.DiscountResponse {
	return &catalog.DiscountResponse{
		Applied: mapSlice(r.GetApplied(), func(d *pb.AppliedDiscount) catalog.AppliedDiscount {
			return catalog.AppliedDiscount{
				ID: d.GetId(), Code: d.GetCode(), Automatic: d.GetAutomatic(), Name: d.GetName(), PercentOff: d.GetPercentOff(),
				AmountOff: d.GetAmountOff(), Method: d.GetMethod(), Priority: int(d.GetPriority()),
				Start: TimeFromProto(d.GetStart()), End: TimeFromProto(d.GetEnd()), Amount: d.GetAmount(),
				Allocations: mapSlice(d.GetAllocations(), func(a *pb.Allocation) catalog.Allocation {
					return catalog.Allocation{LineID: a.GetLineId(), FulfillmentID: a.GetFulfillmentId(), Amount: a.GetAmount()}
				}),
				UsageLimited: d.GetUsageLimited(),
			}
		}),
		Rejected: mapSlice(r.GetRejected(), func(c *pb.RejectedCode) catalog.RejectedCode {
			return catalog.RejectedCode{Code: c.GetCode(), Reason: c.GetReason(), Message: c.GetMessage()}
		}),
		Messages: MessagesFromProto(r.GetMessages()),
	}
}
