package catalog

import "strings"

// Availability statuses a product feed shows for a variant (Variant.Status
// and what the host derives from stock).
const (
	StatusInStock      = "in_stock"
	StatusOutOfStock   = "out_of_stock"
	StatusPreorder     = "preorder"
	StatusBackorder    = "backorder"
	StatusDiscontinued = "discontinued"
)

// VariantStatuses are the statuses a catalog may set in Variant.Status;
// the others are derived from stock.
var VariantStatuses = []string{StatusPreorder, StatusBackorder, StatusDiscontinued}

// ProductDefaults are what a product gives those of its variants that do
// not say it themselves.
type ProductDefaults struct {
	// Description is the variants' description when they have none.
	Description string
	// Categories are the variants' categories when they name none.
	Categories []string
	// Condition is the variants' condition when they state none.
	Condition []string
	// Seller is the variants' seller when they name none.
	Seller *Seller
}

// CompleteProduct fills what p's variants leave to the product, by the
// rules every catalog of this project follows (acp.yaml's
// catalog.products, acp-plugin-catalog-file), so that one product written
// in either lists the same:
//
//   - each variant's Item.ProductID is p.ID;
//   - a variant without a title is named by the product's title and its
//     option values: "Logo T-shirt - Red / M" (the product's title alone
//     when it has no options);
//   - a variant without a description, categories, condition or seller
//     has the product's (d).
//
// It returns p with new variants; p's own are not changed.
func CompleteProduct(p Product, d ProductDefaults) Product {
	variants := make([]Variant, len(p.Variants))
	for i, v := range p.Variants {
		v.Item.ProductID = p.ID
		if v.Item.Title == "" {
			v.Item.Title = VariantTitle(p.Title, v.Options)
		}
		if v.Item.Description == "" {
			v.Item.Description = d.Description
		}
		if len(v.Item.Categories) == 0 {
			v.Item.Categories = d.Categories
		}
		if len(v.Condition) == 0 {
			v.Condition = d.Condition
		}
		if v.Seller == nil {
			v.Seller = d.Seller
		}
		variants[i] = v
	}
	p.Variants = variants
	return p
}

// VariantTitle names a variant by its product's title and its option
// values: "Logo T-shirt - Red / M", or the product's title alone when
// there are no options.
func VariantTitle(productTitle string, options []VariantOption) string {
	if len(options) == 0 {
		return productTitle
	}
	values := make([]string, len(options))
	for i, o := range options {
		values[i] = o.Value
	}
	return productTitle + " - " + strings.Join(values, " / ")
}

// ItemProduct is the product of an item sold on its own (a catalog
// without products, or an item that names none): one variant, v, under
// the item's id, with the item's title, description and images.
func ItemProduct(v Variant) Product {
	p := Product{
		ID:          v.Item.ID,
		Title:       v.Item.Title,
		Description: Description{Plain: v.Item.Description},
		URL:         v.URL,
	}
	for _, img := range v.Item.Images {
		p.Media = append(p.Media, Media{Type: "image", URL: img})
	}
	v.Item.ProductID = p.ID
	p.Variants = []Variant{v}
	return p
}
