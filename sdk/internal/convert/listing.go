package convert

import (
	"github.com/acp-sidecar/acp/sdk/catalog"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
)

// ListProductsRequestToProto converts a listing request.
func ListProductsRequestToProto(r *catalog.ListProductsRequest) *pb.ListProductsRequest {
	return &pb.ListProductsRequest{Currency: r.Currency, Since: r.Since, PageToken: r.PageToken, PageSize: int64(r.PageSize)}
}

// ListProductsRequestFromProto converts a listing request.
func ListProductsRequestFromProto(r *pb.ListProductsRequest) *catalog.ListProductsRequest {
	return &catalog.ListProductsRequest{Currency: r.GetCurrency(), Since: r.GetSince(), PageToken: r.GetPageToken(), PageSize: int(r.GetPageSize())}
}

// ListProductsResponseToProto converts a listing page.
func ListProductsResponseToProto(r *catalog.ListProductsResponse) *pb.ListProductsResponse {
	return &pb.ListProductsResponse{
		Products: mapSlice(r.Products, productToProto), Changes: r.Changes, Removed: cloneStrings(r.Removed),
		NextPageToken: r.NextPageToken, ChangeToken: r.ChangeToken,
	}
}

// ListProductsResponseFromProto converts a listing page.
func ListProductsResponseFromProto(r *pb.ListProductsResponse) *catalog.ListProductsResponse {
	return &catalog.ListProductsResponse{
		Products: mapSlice(r.GetProducts(), productFromProto), Changes: r.GetChanges(), Removed: r.GetRemoved(),
		NextPageToken: r.GetNextPageToken(), ChangeToken: r.GetChangeToken(),
	}
}

func productToProto(p catalog.Product) *pb.Product {
	return &pb.Product{
		Id: p.ID, Title: p.Title, Url: p.URL, Description: descriptionToProto(p.Description),
		Media: mapSlice(p.Media, func(m catalog.Media) *pb.Media {
			return &pb.Media{Type: m.Type, Url: m.URL, AltText: m.AltText, Width: int64(m.Width), Height: int64(m.Height)}
		}),
		Variants: mapSlice(p.Variants, variantToProto),
	}
}

func productFromProto(p *pb.Product) catalog.Product {
	d := p.GetDescription()
	return catalog.Product{
		ID: p.GetId(), Title: p.GetTitle(), URL: p.GetUrl(),
		Description: catalog.Description{Plain: d.GetPlain(), HTML: d.GetHtml(), Markdown: d.GetMarkdown()},
		Media: mapSlice(p.GetMedia(), func(m *pb.Media) catalog.Media {
			return catalog.Media{Type: m.GetType(), URL: m.GetUrl(), AltText: m.GetAltText(), Width: int(m.GetWidth()), Height: int(m.GetHeight())}
		}),
		Variants: mapSlice(p.GetVariants(), variantFromProto),
	}
}

// descriptionToProto converts a description; an empty one is absent.
func descriptionToProto(d catalog.Description) *pb.Description {
	if d == (catalog.Description{}) {
		return nil
	}
	return &pb.Description{Plain: d.Plain, Html: d.HTML, Markdown: d.Markdown}
}

func variantToProto(v catalog.Variant) *pb.Variant {
	return &pb.Variant{
		Item: itemToProto(v.Item), Url: v.URL, ListPrice: v.ListPrice,
		Barcodes: mapSlice(v.Barcodes, func(b catalog.Barcode) *pb.Barcode { return &pb.Barcode{Type: b.Type, Value: b.Value} }),
		Options: mapSlice(v.Options, func(o catalog.VariantOption) *pb.VariantOption {
			return &pb.VariantOption{Name: o.Name, Value: o.Value}
		}),
		Condition: cloneStrings(v.Condition), Status: v.Status,
		Seller: ifSet(v.Seller, sellerToProto), Marketplace: ifSet(v.Marketplace, sellerToProto),
	}
}

func variantFromProto(v *pb.Variant) catalog.Variant {
	var item catalog.Item
	if v.GetItem() != nil {
		item = itemFromProto(v.GetItem())
	}
	return catalog.Variant{
		Item: item, URL: v.GetUrl(), ListPrice: v.GetListPrice(),
		Barcodes: mapSlice(v.GetBarcodes(), func(b *pb.Barcode) catalog.Barcode { return catalog.Barcode{Type: b.GetType(), Value: b.GetValue()} }),
		Options: mapSlice(v.GetOptions(), func(o *pb.VariantOption) catalog.VariantOption {
			return catalog.VariantOption{Name: o.GetName(), Value: o.GetValue()}
		}),
		Condition: v.GetCondition(), Status: v.GetStatus(),
		Seller: ifSet(v.GetSeller(), sellerFromProto), Marketplace: ifSet(v.GetMarketplace(), sellerFromProto),
	}
}

func sellerToProto(s *catalog.Seller) *pb.Seller {
	return &pb.Seller{Name: s.Name, Links: mapSlice(s.Links, func(l catalog.SellerLink) *pb.SellerLink {
		return &pb.SellerLink{Type: l.Type, Title: l.Title, Url: l.URL}
	})}
}

func sellerFromProto(s *pb.Seller) *catalog.Seller {
	return &catalog.Seller{Name: s.GetName(), Links: mapSlice(s.GetLinks(), func(l *pb.SellerLink) catalog.SellerLink {
		return catalog.SellerLink{Type: l.GetType(), Title: l.GetTitle(), URL: l.GetUrl()}
	})}
}
