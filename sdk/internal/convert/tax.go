package convert

import (
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// TaxQuoteRequestToProto converts a tax request.
func TaxQuoteRequestToProto(r *tax.QuoteRequest) *pb.TaxQuoteRequest {
	return &pb.TaxQuoteRequest{
		Currency: r.Currency, Destination: AddressToProto(r.Destination), Fulfillment: r.Fulfillment,
		Group: FulfillmentGroupToProto(r.Group),
		Lines: mapSlice(r.Lines, func(l tax.Line) *pb.TaxLine {
			return &pb.TaxLine{Id: l.ID, Amount: l.Amount, TaxCategory: l.TaxCategory}
		}),
	}
}

// TaxQuoteRequestFromProto converts a tax request.
func TaxQuoteRequestFromProto(r *pb.TaxQuoteRequest) *tax.QuoteRequest {
	return &tax.QuoteRequest{
		Currency: r.GetCurrency(), Destination: AddressFromProto(r.GetDestination()), Fulfillment: r.GetFulfillment(),
		Group: FulfillmentGroupFromProto(r.GetGroup()),
		Lines: mapSlice(r.GetLines(), func(l *pb.TaxLine) tax.Line {
			return tax.Line{ID: l.GetId(), Amount: l.GetAmount(), TaxCategory: l.GetTaxCategory()}
		}),
	}
}

// TaxQuoteResponseToProto converts a tax response.
func TaxQuoteResponseToProto(r *tax.QuoteResponse) *pb.TaxQuoteResponse {
	return &pb.TaxQuoteResponse{
		Lines:       mapSlice(r.Lines, func(l tax.LineTax) *pb.LineTax { return &pb.LineTax{Id: l.ID, Amount: l.Amount} }),
		Fulfillment: r.Fulfillment,
		Breakdown: mapSlice(r.Breakdown, func(j tax.Jurisdiction) *pb.Jurisdiction {
			return &pb.Jurisdiction{Name: j.Name, Rate: j.Rate, Amount: j.Amount}
		}),
		Messages: MessagesToProto(r.Messages),
		MaxAgeMs: MaxAgeToProto(r.MaxAge),
	}
}

// TaxQuoteResponseFromProto converts a tax response.
func TaxQuoteResponseFromProto(r *pb.TaxQuoteResponse) *tax.QuoteResponse {
	return &tax.QuoteResponse{
		Lines:       mapSlice(r.GetLines(), func(l *pb.LineTax) tax.LineTax { return tax.LineTax{ID: l.GetId(), Amount: l.GetAmount()} }),
		Fulfillment: r.GetFulfillment(),
		Breakdown: mapSlice(r.GetBreakdown(), func(j *pb.Jurisdiction) tax.Jurisdiction {
			return tax.Jurisdiction{Name: j.GetName(), Rate: j.GetRate(), Amount: j.GetAmount()}
		}),
		Messages: MessagesFromProto(r.GetMessages()),
		MaxAge:   MaxAgeFromProto(r.GetMaxAgeMs()),
	}
}
