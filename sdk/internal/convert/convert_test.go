package convert

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// pair is one ToProto/FromProto pair, with its types erased so that the
// tables can hold every pair.
type pair struct {
	toProto   func(any) proto.Message
	fromProto func(proto.Message) any
	newProto  func() proto.Message
}

func newPair[G any, P proto.Message](to func(*G) P, from func(P) *G) pair {
	return pair{
		toProto:   func(g any) proto.Message { return to(g.(*G)) },
		fromProto: func(p proto.Message) any { return from(p.(P)) },
		newProto:  func() proto.Message { return reflect.New(reflect.TypeFor[P]().Elem()).Interface().(P) },
	}
}

// pairs holds every pair, by the Go type it converts. A new pair must be
// added here; TestEveryPairIsTested then makes sure it is exercised.
var pairs = map[reflect.Type]pair{
	reflect.TypeFor[*acp.Address]():                    newPair(AddressToProto, AddressFromProto),
	reflect.TypeFor[*acp.Weight]():                     newPair(WeightToProto, WeightFromProto),
	reflect.TypeFor[*catalog.ResolveItemsRequest]():    newPair(ResolveItemsRequestToProto, ResolveItemsRequestFromProto),
	reflect.TypeFor[*catalog.ResolveItemsResponse]():   newPair(ResolveItemsResponseToProto, ResolveItemsResponseFromProto),
	reflect.TypeFor[*tax.QuoteRequest]():               newPair(TaxQuoteRequestToProto, TaxQuoteRequestFromProto),
	reflect.TypeFor[*tax.QuoteResponse]():              newPair(TaxQuoteResponseToProto, TaxQuoteResponseFromProto),
	reflect.TypeFor[*shipping.QuoteRequest]():          newPair(ShippingQuoteRequestToProto, ShippingQuoteRequestFromProto),
	reflect.TypeFor[*shipping.QuoteResponse]():         newPair(ShippingQuoteResponseToProto, ShippingQuoteResponseFromProto),
	reflect.TypeFor[*fulfillment.PlaceOrderRequest]():  newPair(PlaceOrderRequestToProto, PlaceOrderRequestFromProto),
	reflect.TypeFor[*fulfillment.PlaceOrderResponse](): newPair(PlaceOrderResponseToProto, PlaceOrderResponseFromProto),
	reflect.TypeFor[*fulfillment.CancelOrderRequest](): newPair(CancelOrderRequestToProto, CancelOrderRequestFromProto),
	reflect.TypeFor[*catalog.ReserveRequest]():         newPair(ReserveStockRequestToProto, ReserveStockRequestFromProto),
	reflect.TypeFor[*catalog.ReserveResponse]():        newPair(ReserveStockResponseToProto, ReserveStockResponseFromProto),
	reflect.TypeFor[*catalog.DiscountRequest]():        newPair(DiscountRequestToProto, DiscountRequestFromProto),
	reflect.TypeFor[*catalog.DiscountResponse]():       newPair(DiscountResponseToProto, DiscountResponseFromProto),
	reflect.TypeFor[*catalog.ListProductsRequest]():    newPair(ListProductsRequestToProto, ListProductsRequestFromProto),
	reflect.TypeFor[*catalog.ListProductsResponse]():   newPair(ListProductsResponseToProto, ListProductsResponseFromProto),
}

func pairFor(t *testing.T, v any) pair {
	t.Helper()
	p, ok := pairs[reflect.TypeOf(v)]
	if !ok {
		t.Fatalf("no conversion pair for %T", v)
	}
	return p
}

var (
	stock     = int64(7)
	noStock   = int64(0)
	oslo      = time.FixedZone("CET", 3600)
	earliest  = time.Date(2026, 12, 1, 9, 30, 0, 123456789, oslo)
	latest    = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	fullAddr  = &acp.Address{Name: "Ada Lovelace", LineOne: "1 Main St", LineTwo: "Apt 2", City: "Springfield", State: "IL", Country: "US", PostalCode: "62701", Company: "Engines Ltd"}
	fullMsgs  = acp.Messages{{Type: acp.MessageWarning, Code: acp.CodePriceChange, Param: "$.totals", Content: "price changed"}, {Type: acp.MessageError, Code: acp.CodeOutOfStock, Param: "$.line_items[1].item.id", Content: "sold out", Resolution: acp.ResolutionRecoverable}}
	fullAddrP = &pb.Address{Name: "Ada Lovelace", LineOne: "1 Main St", LineTwo: "Apt 2", City: "Springfield", State: "IL", Country: "US", PostalCode: "62701", Company: "Engines Ltd"}
	fullMsgsP = []*pb.Message{{Type: "warning", Code: "price_change", Param: "$.totals", Content: "price changed"}, {Type: "error", Code: "out_of_stock", Param: "$.line_items[1].item.id", Content: "sold out", Resolution: "recoverable"}}
)

// fullValues are hand-written values with every field set, each with the
// proto message ToProto must produce, so that a field mapped to the wrong
// proto field is caught (a consistent swap survives a round trip).
var fullValues = map[string]struct {
	in   any
	want proto.Message
}{
	"address": {in: fullAddr, want: fullAddrP},
	"weight":  {in: &acp.Weight{Value: 1.5, Unit: "kg"}, want: &pb.Weight{Value: 1.5, Unit: "kg"}},
	"resolve items request": {
		in:   &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "mug", Quantity: 2}, {ID: "tee", Quantity: 1}}},
		want: &pb.ResolveItemsRequest{Currency: "usd", Items: []*pb.ItemRef{{Id: "mug", Quantity: 2}, {Id: "tee", Quantity: 1}}},
	},
	"resolve items response": {
		in: &catalog.ResolveItemsResponse{
			Items: []catalog.Item{
				{
					ID: "mug", Found: true, Title: "Mug", Description: "A mug", Images: []string{"https://img/1", "https://img/2"},
					UnitPrice: 1500, TaxCategory: "txcd_99999999", Weight: &acp.Weight{Value: 0.4, Unit: "kg"}, Available: &stock,
					MaxPerOrder: 5, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup}, ProductID: "prod_1",
					Categories: []string{"kitchen", "gifts"},
				},
				{ID: "gone"},
				{ID: "sold-out", Found: true, Available: &noStock, Weight: &acp.Weight{}},
			},
			Messages: fullMsgs,
		},
		want: &pb.ResolveItemsResponse{
			Items: []*pb.Item{
				{
					Id: "mug", Found: true, Title: "Mug", Description: "A mug", Images: []string{"https://img/1", "https://img/2"},
					UnitPrice: 1500, TaxCategory: "txcd_99999999", Weight: &pb.Weight{Value: 0.4, Unit: "kg"}, Available: proto.Int64(7),
					MaxPerOrder: 5, FulfillmentTypes: []string{"shipping", "pickup"}, ProductId: "prod_1",
					Categories: []string{"kitchen", "gifts"},
				},
				{Id: "gone"},
				{Id: "sold-out", Found: true, Available: proto.Int64(0), Weight: &pb.Weight{}},
			},
			Messages: fullMsgsP,
		},
	},
	"tax request": {
		in: &tax.QuoteRequest{Currency: "usd", Destination: fullAddr, Fulfillment: 500,
			Lines: []tax.Line{{ID: "li_1", Amount: 3000, TaxCategory: "txcd_1"}, {ID: "li_2", Amount: 10}}},
		want: &pb.TaxQuoteRequest{Currency: "usd", Destination: fullAddrP, Fulfillment: 500,
			Lines: []*pb.TaxLine{{Id: "li_1", Amount: 3000, TaxCategory: "txcd_1"}, {Id: "li_2", Amount: 10}}},
	},
	"tax response": {
		in: &tax.QuoteResponse{
			Lines: []tax.LineTax{{ID: "li_1", Amount: 300}, {ID: "li_2", Amount: 1}}, Fulfillment: 50,
			Breakdown: []tax.Jurisdiction{{Name: "US-IL", Rate: 0.0625, Amount: 200}, {Name: "Springfield", Rate: 0.0275, Amount: 101}},
			Messages:  fullMsgs,
			MaxAge:    5 * time.Minute,
		},
		want: &pb.TaxQuoteResponse{
			Lines: []*pb.LineTax{{Id: "li_1", Amount: 300}, {Id: "li_2", Amount: 1}}, Fulfillment: 50,
			Breakdown: []*pb.Jurisdiction{{Name: "US-IL", Rate: 0.0625, Amount: 200}, {Name: "Springfield", Rate: 0.0275, Amount: 101}},
			Messages:  fullMsgsP,
			MaxAgeMs:  300000,
		},
	},
	"shipping request": {
		in: &shipping.QuoteRequest{Currency: "usd", Destination: fullAddr, Lines: []shipping.Line{
			{ID: "li_1", ItemID: "mug", Quantity: 2, Subtotal: 3000, Weight: &acp.Weight{Value: 0.8, Unit: "kg"},
				FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentLocalDelivery}},
			{ID: "li_2", ItemID: "ebook", Quantity: 1, Subtotal: 900, FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital}},
		}},
		want: &pb.ShippingQuoteRequest{Currency: "usd", Destination: fullAddrP, Lines: []*pb.ShippingLine{
			{Id: "li_1", ItemId: "mug", Quantity: 2, Subtotal: 3000, Weight: &pb.Weight{Value: 0.8, Unit: "kg"},
				FulfillmentTypes: []string{"shipping", "local_delivery"}},
			{Id: "li_2", ItemId: "ebook", Quantity: 1, Subtotal: 900, FulfillmentTypes: []string{"digital"}},
		}},
	},
	"shipping response": {
		in: &shipping.QuoteResponse{
			Options: []shipping.Option{
				{ID: "std", Type: acp.FulfillmentShipping, Title: "Standard", Description: "3-5 days", Carrier: "USPS",
					LineIDs: []string{"li_1", "li_2"}, Amount: 599, EarliestDelivery: earliest, LatestDelivery: latest},
				{ID: "shop", Type: acp.FulfillmentPickup, Title: "Pickup", LineIDs: []string{"li_1"},
					Pickup: &shipping.PickupLocation{Name: "Shop", Address: *fullAddr, Phone: "+15555550100", Instructions: "Ring twice"}},
				{ID: "bare-pickup", Type: acp.FulfillmentPickup, Pickup: &shipping.PickupLocation{}},
			},
			Messages: fullMsgs,
			MaxAge:   90 * time.Second,
		},
		want: &pb.ShippingQuoteResponse{
			Options: []*pb.ShippingOption{
				{Id: "std", Type: "shipping", Title: "Standard", Description: "3-5 days", Carrier: "USPS",
					LineIds: []string{"li_1", "li_2"}, Amount: 599, EarliestDelivery: timestamppb.New(earliest), LatestDelivery: timestamppb.New(latest)},
				{Id: "shop", Type: "pickup", Title: "Pickup", LineIds: []string{"li_1"},
					Pickup: &pb.PickupLocation{Name: "Shop", Address: fullAddrP, Phone: "+15555550100", Instructions: "Ring twice"}},
				{Id: "bare-pickup", Type: "pickup", Pickup: &pb.PickupLocation{Address: &pb.Address{}}},
			},
			Messages: fullMsgsP,
			MaxAgeMs: 90000,
		},
	},
	"place order request": {
		in: &fulfillment.PlaceOrderRequest{
			OrderID: "ord_1", CheckoutSessionID: "cs_1", IdempotencyKey: "idem_1", Currency: "usd", Total: 3599,
			Lines: []fulfillment.Line{
				{ID: "li_1", ItemID: "mug", Title: "Mug", Quantity: 2, UnitPrice: 1500, Total: 3000},
				{ID: "li_2", ItemID: "tee", Title: "Tee", Quantity: 1, UnitPrice: 599, Total: 599},
			},
			Destination: fullAddr, OptionIDs: []string{"std", "gift"},
			Buyer:         &fulfillment.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", PhoneNumber: "+15555550100"},
			RecipientName: "Grace Hopper", RecipientEmail: "grace@example.com", RecipientPhone: "+15555550199",
			Discounts: []fulfillment.Discount{
				{ID: "promo_save5", Code: "SAVE5", Name: "$5 off", Amount: 500, Allocations: []fulfillment.DiscountAllocation{{LineID: "li_1", Amount: 417}, {LineID: "li_2", Amount: 83}}},
				{ID: "promo_ship", Name: "Free shipping", Automatic: true, Amount: 499, Allocations: []fulfillment.DiscountAllocation{{OptionID: "std", Amount: 499}}},
			},
		},
		want: &pb.PlaceOrderRequest{
			OrderId: "ord_1", CheckoutSessionId: "cs_1", IdempotencyKey: "idem_1", Currency: "usd", Total: 3599,
			Lines: []*pb.OrderLine{
				{Id: "li_1", ItemId: "mug", Title: "Mug", Quantity: 2, UnitPrice: 1500, Total: 3000},
				{Id: "li_2", ItemId: "tee", Title: "Tee", Quantity: 1, UnitPrice: 599, Total: 599},
			},
			Destination: fullAddrP, OptionIds: []string{"std", "gift"},
			Buyer:         &pb.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", PhoneNumber: "+15555550100"},
			RecipientName: "Grace Hopper", RecipientEmail: "grace@example.com", RecipientPhone: "+15555550199",
			Discounts: []*pb.OrderDiscount{
				{Id: "promo_save5", Code: "SAVE5", Name: "$5 off", Amount: 500, Allocations: []*pb.OrderDiscountAllocation{{LineId: "li_1", Amount: 417}, {LineId: "li_2", Amount: 83}}},
				{Id: "promo_ship", Name: "Free shipping", Automatic: true, Amount: 499, Allocations: []*pb.OrderDiscountAllocation{{OptionId: "std", Amount: 499}}},
			},
		},
	},
	"place order response": {
		in:   &fulfillment.PlaceOrderResponse{OrderNumber: "#1001", PermalinkURL: "https://shop.example/orders/1001"},
		want: &pb.PlaceOrderResponse{OrderNumber: "#1001", PermalinkUrl: "https://shop.example/orders/1001"},
	},
	"cancel order request": {
		in:   &fulfillment.CancelOrderRequest{OrderID: "ord_1", Reason: "buyer asked"},
		want: &pb.CancelOrderRequest{OrderId: "ord_1", Reason: "buyer asked"},
	},
	"reserve stock request": {
		in: &catalog.ReserveRequest{Key: "cs_1:attempt:2", ExpiresAt: latest,
			Lines: []catalog.StockLine{{SKU: "mug", Quantity: 2}, {SKU: "tee", Quantity: 1}}, DiscountCodes: []string{"SAVE10"}},
		want: &pb.ReserveStockRequest{Key: "cs_1:attempt:2", ExpiresAt: timestamppb.New(latest),
			Lines: []*pb.StockLine{{Sku: "mug", Quantity: 2}, {Sku: "tee", Quantity: 1}}, DiscountCodes: []string{"SAVE10"}},
	},
	"reserve stock response": {
		in:   &catalog.ReserveResponse{Held: true, Shortfalls: []catalog.Shortfall{{SKU: "mug", Available: 1}, {SKU: "tee"}}},
		want: &pb.ReserveStockResponse{Held: true, Shortfalls: []*pb.StockShortfall{{Sku: "mug", Available: 1}, {Sku: "tee"}}},
	},
	"list products request": {
		in:   &catalog.ListProductsRequest{Currency: "usd", Since: "v7", PageToken: "p2", PageSize: 50},
		want: &pb.ListProductsRequest{Currency: "usd", Since: "v7", PageToken: "p2", PageSize: 50},
	},
	"list products response": {
		in: &catalog.ListProductsResponse{
			Products: []catalog.Product{{
				ID: "tee", Title: "Logo T-shirt", URL: "https://shop.test/tee",
				Description: catalog.Description{Plain: "A tee.", HTML: "<p>A tee.</p>", Markdown: "A *tee*."},
				Media:       []catalog.Media{{Type: "image", URL: "https://img/tee.jpg", AltText: "Front", Width: 800, Height: 600}, {Type: "video", URL: "https://img/tee.mp4"}},
				Variants: []catalog.Variant{{
					Item: catalog.Item{ID: "tee-red-m", Found: true, Title: "Logo T-shirt - Red / M", UnitPrice: 2000, Available: &stock, ProductID: "tee",
						Categories: []string{"apparel"}},
					URL: "https://shop.test/tee?v=red-m", ListPrice: 2500,
					Barcodes:  []catalog.Barcode{{Type: "GTIN", Value: "00012345600012"}, {Type: "EAN", Value: "4006381333931"}},
					Options:   []catalog.VariantOption{{Name: "Color", Value: "Red"}, {Name: "Size", Value: "M"}},
					Condition: []string{"new"}, Status: catalog.StatusPreorder,
					Seller:      &catalog.Seller{Name: "Shop", Links: []catalog.SellerLink{{Type: "refund_policy", Title: "Refunds", URL: "https://shop.test/refunds"}}},
					Marketplace: &catalog.Seller{Name: "Market"},
				}, {Item: catalog.Item{ID: "tee-blue-m"}}},
			}, {ID: "bare"}},
			Changes: true, Removed: []string{"old", "older"}, NextPageToken: "p3", ChangeToken: "v8",
		},
		want: &pb.ListProductsResponse{
			Products: []*pb.Product{{
				Id: "tee", Title: "Logo T-shirt", Url: "https://shop.test/tee",
				Description: &pb.Description{Plain: "A tee.", Html: "<p>A tee.</p>", Markdown: "A *tee*."},
				Media:       []*pb.Media{{Type: "image", Url: "https://img/tee.jpg", AltText: "Front", Width: 800, Height: 600}, {Type: "video", Url: "https://img/tee.mp4"}},
				Variants: []*pb.Variant{{
					Item: &pb.Item{Id: "tee-red-m", Found: true, Title: "Logo T-shirt - Red / M", UnitPrice: 2000, Available: proto.Int64(7), ProductId: "tee",
						Categories: []string{"apparel"}},
					Url: "https://shop.test/tee?v=red-m", ListPrice: 2500,
					Barcodes:  []*pb.Barcode{{Type: "GTIN", Value: "00012345600012"}, {Type: "EAN", Value: "4006381333931"}},
					Options:   []*pb.VariantOption{{Name: "Color", Value: "Red"}, {Name: "Size", Value: "M"}},
					Condition: []string{"new"}, Status: "preorder",
					Seller:      &pb.Seller{Name: "Shop", Links: []*pb.SellerLink{{Type: "refund_policy", Title: "Refunds", Url: "https://shop.test/refunds"}}},
					Marketplace: &pb.Seller{Name: "Market"},
				}, {Item: &pb.Item{Id: "tee-blue-m"}}},
			}, {Id: "bare"}},
			Changes: true, Removed: []string{"old", "older"}, NextPageToken: "p3", ChangeToken: "v8",
		},
	},
	"discount request": {
		in: &catalog.DiscountRequest{Currency: "usd", Codes: []string{"SAVE10", "bogus"}, At: latest,
			Lines: []catalog.DiscountLine{{ID: "li_1", ItemID: "mug", ProductID: "prod_1", Categories: []string{"kitchen"},
				Quantity: 2, UnitPrice: 1500, Subtotal: 3000}},
			Fulfillment: []catalog.FulfillmentCharge{{ID: "ship_std", LineIDs: []string{"li_1"}, Amount: 500}}},
		want: &pb.EvaluateDiscountsRequest{Currency: "usd", Codes: []string{"SAVE10", "bogus"}, At: timestamppb.New(latest),
			Lines: []*pb.DiscountLine{{Id: "li_1", ItemId: "mug", ProductId: "prod_1", Categories: []string{"kitchen"},
				Quantity: 2, UnitPrice: 1500, Subtotal: 3000}},
			Fulfillment: []*pb.FulfillmentCharge{{Id: "ship_std", LineIds: []string{"li_1"}, Amount: 500}}},
	},
	"discount response": {
		in: &catalog.DiscountResponse{
			Applied: []catalog.AppliedDiscount{{ID: "promo_10", Code: "SAVE10", Name: "10% off", PercentOff: 10, AmountOff: 0,
				Method: "across", Priority: 1, Start: latest.Add(-time.Hour), End: latest, Amount: 350, UsageLimited: true,
				Allocations: []catalog.Allocation{{LineID: "li_1", Amount: 300}, {FulfillmentID: "ship_std", Amount: 50}}},
				{ID: "auto", Automatic: true, AmountOff: 100, Method: "each", Priority: 2, Amount: 100,
					Allocations: []catalog.Allocation{{LineID: "li_1", Amount: 100}}}},
			Rejected: []catalog.RejectedCode{{Code: "bogus", Reason: "discount_code_invalid", Message: "Unknown code."}},
			Messages: fullMsgs,
		},
		want: &pb.EvaluateDiscountsResponse{
			Applied: []*pb.AppliedDiscount{{Id: "promo_10", Code: "SAVE10", Name: "10% off", PercentOff: 10,
				Method: "across", Priority: 1, Start: timestamppb.New(latest.Add(-time.Hour)), End: timestamppb.New(latest), Amount: 350,
				UsageLimited: true, Allocations: []*pb.Allocation{{LineId: "li_1", Amount: 300}, {FulfillmentId: "ship_std", Amount: 50}}},
				{Id: "auto", Automatic: true, AmountOff: 100, Method: "each", Priority: 2, Amount: 100,
					Allocations: []*pb.Allocation{{LineId: "li_1", Amount: 100}}}},
			Rejected: []*pb.RejectedCode{{Code: "bogus", Reason: "discount_code_invalid", Message: "Unknown code."}},
			Messages: fullMsgsP,
		},
	},
}

func TestToProto(t *testing.T) {
	t.Parallel()
	for name, tc := range fullValues {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := pairFor(t, tc.in).toProto(tc.in)
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("ToProto() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// roundTrip converts in to proto and back, once in memory and once through
// the wire encoding, and compares both results with want.
func roundTrip(t *testing.T, in, want any) {
	t.Helper()
	p := pairFor(t, in)
	msg := p.toProto(in)
	if diff := cmp.Diff(want, p.fromProto(msg)); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	if reflect.ValueOf(in).IsNil() {
		return // a nil message has no wire form distinct from an empty one
	}
	data, err := proto.Marshal(msg)
	if err != nil {
		t.Fatalf("proto.Marshal() = %v", err)
	}
	decoded := p.newProto()
	if err := proto.Unmarshal(data, decoded); err != nil {
		t.Fatalf("proto.Unmarshal() = %v", err)
	}
	if diff := cmp.Diff(want, p.fromProto(decoded)); diff != "" {
		t.Errorf("round trip through the wire mismatch (-want +got):\n%s", diff)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		in   any
		want any // nil means in
	}{
		"nil address":                    {in: (*acp.Address)(nil)},
		"nil weight":                     {in: (*acp.Weight)(nil)},
		"minimal address":                {in: &acp.Address{}},
		"minimal weight":                 {in: &acp.Weight{}},
		"minimal resolve items request":  {in: &catalog.ResolveItemsRequest{}},
		"minimal resolve items response": {in: &catalog.ResolveItemsResponse{}},
		"minimal tax request":            {in: &tax.QuoteRequest{}},
		"minimal tax response":           {in: &tax.QuoteResponse{}},
		"minimal shipping request":       {in: &shipping.QuoteRequest{}},
		"minimal shipping response":      {in: &shipping.QuoteResponse{}},
		"minimal place order request":    {in: &fulfillment.PlaceOrderRequest{}},
		"minimal place order response":   {in: &fulfillment.PlaceOrderResponse{}},
		"minimal cancel order request":   {in: &fulfillment.CancelOrderRequest{}},
		"minimal list products request":  {in: &catalog.ListProductsRequest{}},
		"minimal list products response": {in: &catalog.ListProductsResponse{}},
		"product without description, variant without seller": {
			in: &catalog.ListProductsResponse{Products: []catalog.Product{{ID: "p", Variants: []catalog.Variant{{Item: catalog.Item{ID: "v"}}}}}},
		},
		"item without weight or stock":       {in: &catalog.ResolveItemsResponse{Items: []catalog.Item{{ID: "a", Found: true}}}},
		"item with zero stock, empty weight": {in: &catalog.ResolveItemsResponse{Items: []catalog.Item{{ID: "a", Available: &noStock, Weight: &acp.Weight{}}}}},
		"option with zero times, no pickup":  {in: &shipping.QuoteResponse{Options: []shipping.Option{{ID: "std"}}}},
		"negative max age stays negative":    {in: &tax.QuoteResponse{MaxAge: -time.Second}},
		"max age below a millisecond is none": {
			in:   &shipping.QuoteResponse{MaxAge: 999 * time.Microsecond},
			want: &shipping.QuoteResponse{},
		},
		"max age in whole milliseconds": {
			in:   &tax.QuoteResponse{MaxAge: 1500*time.Millisecond + 999*time.Microsecond},
			want: &tax.QuoteResponse{MaxAge: 1500 * time.Millisecond},
		},
		"option at the Unix epoch":           {in: &shipping.QuoteResponse{Options: []shipping.Option{{ID: "std", EarliestDelivery: time.Unix(0, 0).UTC()}}}},
		"order without buyer or destination": {in: &fulfillment.PlaceOrderRequest{OrderID: "ord_1", Lines: []fulfillment.Line{{ID: "li_1"}}}},
		"empty lists come back nil": {
			in:   &catalog.ResolveItemsResponse{Items: []catalog.Item{{ID: "a", Images: []string{}, FulfillmentTypes: []acp.FulfillmentType{}}}, Messages: acp.Messages{}},
			want: &catalog.ResolveItemsResponse{Items: []catalog.Item{{ID: "a"}}},
		},
	}
	for name, v := range fullValues {
		testCases["full "+name] = struct{ in, want any }{in: v.in}
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := tc.want
			if want == nil {
				want = tc.in
			}
			roundTrip(t, tc.in, want)
		})
	}
}

// TestRoundTripEveryField fills every exported field of each Go type, down
// to the leaves, with a distinct non-zero value and checks that the round
// trip keeps them all: a field added to a Go type without being converted
// comes back zero and fails here.
func TestRoundTripEveryField(t *testing.T) {
	t.Parallel()
	for typ := range pairs {
		t.Run(typ.Elem().String(), func(t *testing.T) {
			t.Parallel()
			v := reflect.New(typ.Elem())
			(&goFiller{t: t}).fill(v.Elem(), typ.Elem().String())
			roundTrip(t, v.Interface(), v.Interface())
		})
	}
}

// TestRoundTripEveryProtoField is the converse: it fills every field of
// each proto message and checks that FromProto then ToProto keeps them, so
// a proto field added without a Go counterpart fails here.
func TestRoundTripEveryProtoField(t *testing.T) {
	t.Parallel()
	for typ, p := range pairs {
		t.Run(typ.Elem().String(), func(t *testing.T) {
			t.Parallel()
			msg := p.newProto()
			(&protoFiller{t: t}).fill(msg.ProtoReflect())
			got := p.toProto(p.fromProto(msg))
			if diff := cmp.Diff(msg, got, protocmp.Transform()); diff != "" {
				t.Errorf("proto round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEveryPairIsTested makes sure each pair has a hand-written full value
// with its expected proto message.
func TestEveryPairIsTested(t *testing.T) {
	t.Parallel()
	covered := map[reflect.Type]bool{}
	for _, v := range fullValues {
		covered[reflect.TypeOf(v.in)] = true
	}
	for typ := range pairs {
		if !covered[typ] {
			t.Errorf("%v has no entry in fullValues", typ)
		}
	}
}

func TestTime(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		in   time.Time
		want *timestamppb.Timestamp
	}{
		"zero is absent":     {in: time.Time{}, want: nil},
		"Unix epoch is set":  {in: time.Unix(0, 0), want: &timestamppb.Timestamp{}},
		"nanoseconds kept":   {in: time.Unix(1700000000, 999999999), want: &timestamppb.Timestamp{Seconds: 1700000000, Nanos: 999999999}},
		"zone is irrelevant": {in: time.Date(2026, 1, 1, 1, 0, 0, 0, oslo), want: &timestamppb.Timestamp{Seconds: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()}},
		"before the epoch":   {in: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), want: &timestamppb.Timestamp{Seconds: -1}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := TimeToProto(tc.in)
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("TimeToProto() mismatch (-want +got):\n%s", diff)
			}
			if back := TimeFromProto(got); !back.Equal(tc.in) || back.IsZero() != tc.in.IsZero() {
				t.Errorf("TimeFromProto(TimeToProto(%v)) = %v", tc.in, back)
			}
		})
	}
}

// goFiller sets every exported field of a Go value to a distinct non-zero
// value. It fails the test on a kind it does not know, so that a new kind
// of field is not silently left zero.
type goFiller struct {
	t *testing.T
	n int
}

func (f *goFiller) next() int { f.n++; return f.n }

func (f *goFiller) fill(v reflect.Value, path string) {
	f.t.Helper()
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, f.next(), time.UTC).Add(time.Duration(f.next()) * time.Hour)))
		return
	}
	if v.Type() == reflect.TypeFor[time.Duration]() {
		// A MaxAge travels in whole milliseconds.
		v.Set(reflect.ValueOf(time.Duration(f.next()) * time.Millisecond))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			field := v.Type().Field(i)
			if !field.IsExported() {
				f.t.Fatalf("%s.%s: unexported field; teach goFiller about %v", path, field.Name, v.Type())
			}
			f.fill(v.Field(i), path+"."+field.Name)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), path)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			key, value := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(key, fmt.Sprintf("%s.key%d", path, i))
			f.fill(value, fmt.Sprintf("%s[key%d]", path, i))
			v.SetMapIndex(key, value)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("%s#%d", path, f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.next()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.next()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.next()) + 0.25)
	default:
		f.t.Fatalf("%s: cannot fill a %v; teach goFiller about it", path, v.Kind())
	}
}

// protoFiller sets every field of a proto message to a distinct non-zero
// value, two elements per list.
type protoFiller struct {
	t *testing.T
	n int
}

func (f *protoFiller) next() int { f.n++; return f.n }

func (f *protoFiller) fill(m protoreflect.Message) {
	f.t.Helper()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				f.t.Fatalf("%s: cannot fill a map of messages; teach protoFiller about it", fd.FullName())
			}
			entries := m.Mutable(fd).Map()
			for range 2 {
				entries.Set(f.scalar(fd.MapKey()).MapKey(), f.scalar(fd.MapValue()))
			}
		case fd.IsList():
			list := m.Mutable(fd).List()
			for range 2 {
				if fd.Message() != nil {
					e := list.NewElement()
					f.fill(e.Message())
					list.Append(e)
				} else {
					list.Append(f.scalar(fd))
				}
			}
		case fd.Message() != nil:
			f.fill(m.Mutable(fd).Message())
		default:
			m.Set(fd, f.scalar(fd))
		}
	}
}

func (f *protoFiller) scalar(fd protoreflect.FieldDescriptor) protoreflect.Value {
	f.t.Helper()
	n := f.next()
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(fmt.Sprintf("%s#%d", fd.Name(), n))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(n))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(n)) // also a valid Timestamp.nanos
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(n))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(n))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(n) + 0.25)
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(n) + 0.25)
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(fmt.Sprint(n)))
	default:
		f.t.Fatalf("%s: cannot fill a %v; teach protoFiller about it", fd.FullName(), fd.Kind())
		return protoreflect.Value{}
	}
}

func TestMaxAge(t *testing.T) {
	t.Parallel()
	most := time.Duration(1<<63-1) / time.Millisecond * time.Millisecond
	testCases := map[string]struct {
		ms   int64
		want time.Duration
	}{
		"absent (a plugin of 1.4) is never reused": {ms: 0, want: 0},
		"milliseconds":                     {ms: 1500, want: 1500 * time.Millisecond},
		"negative stays negative":          {ms: -1, want: -time.Millisecond},
		"beyond a Duration is the largest": {ms: 1 << 62, want: most},
		"below a Duration is the smallest": {ms: -(1 << 62), want: -most},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := MaxAgeFromProto(tc.ms); got != tc.want {
				t.Errorf("MaxAgeFromProto(%d) = %v, want %v", tc.ms, got, tc.want)
			}
		})
	}
}
