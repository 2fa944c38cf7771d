package ucpcatalog

import (
	"cmp"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// product returns e in wire form with the variants at indexes variants,
// in that order: its price ranges over all its variants, its options
// without availability signals.
func (s *snapshot) product(e *entry, variants []int) product {
	p := e.product
	out := product{
		ID:          p.ID,
		Title:       p.Title,
		Description: descriptionOf(p.Description),
		URL:         p.URL,
		Variants:    make([]variant, 0, len(variants)),
	}
	for _, c := range e.categories {
		out.Categories = append(out.Categories, category{Value: c, Taxonomy: taxonomyMerchant})
	}
	for _, m := range p.Media {
		out.Media = append(out.Media, media{Type: m.Type, URL: m.URL, AltText: m.AltText, Width: m.Width, Height: m.Height})
	}
	for _, a := range e.options {
		o := productOption{Name: a.name}
		for _, v := range a.values {
			o.Values = append(o.Values, optionValue{Label: v})
		}
		out.Options = append(out.Options, o)
	}
	var sale bool
	for i, v := range p.Variants {
		amount, list := v.Item.UnitPrice, v.Item.UnitPrice
		if v.ListPrice > 0 {
			list, sale = v.ListPrice, true
		}
		if i == 0 {
			out.PriceRange = priceRange{Min: s.price(amount), Max: s.price(amount)}
			out.ListPriceRange = &priceRange{Min: s.price(list), Max: s.price(list)}
			continue
		}
		out.PriceRange.Min.Amount, out.PriceRange.Max.Amount = min(out.PriceRange.Min.Amount, amount), max(out.PriceRange.Max.Amount, amount)
		out.ListPriceRange.Min.Amount, out.ListPriceRange.Max.Amount = min(out.ListPriceRange.Min.Amount, list), max(out.ListPriceRange.Max.Amount, list)
	}
	if !sale {
		out.ListPriceRange = nil
	}
	for _, i := range variants {
		out.Variants = append(out.Variants, s.variant(p, p.Variants[i]))
	}
	return out
}

// price returns an amount in the store's currency.
func (s *snapshot) price(amount int64) price { return price{Amount: amount, Currency: s.currency} }

// variant returns v, a variant of p, in wire form: its id and SKU are
// its checkout item id.
func (s *snapshot) variant(p catalog.Product, v catalog.Variant) variant {
	it := v.Item
	out := variant{
		ID:          it.ID,
		SKU:         it.ID,
		Title:       cmp.Or(it.Title, catalog.VariantTitle(p.Title, v.Options)),
		Description: descriptionOf(catalog.Description{Plain: it.Description}),
		URL:         v.URL,
		Price:       s.price(it.UnitPrice),
		Seller:      sellerOf(v.Seller),
	}
	out.Availability.Available, out.Availability.Status = s.available(v)
	if v.ListPrice > 0 {
		lp := s.price(v.ListPrice)
		out.ListPrice = &lp
	}
	for _, b := range v.Barcodes {
		out.Barcodes = append(out.Barcodes, barcode{Type: b.Type, Value: b.Value})
	}
	for _, c := range it.Categories {
		out.Categories = append(out.Categories, category{Value: c, Taxonomy: taxonomyMerchant})
	}
	for _, o := range v.Options {
		out.Options = append(out.Options, selectedOption{Name: o.Name, Label: o.Value})
	}
	for _, img := range it.Images {
		out.Media = append(out.Media, media{Type: "image", URL: img})
	}
	return out
}
