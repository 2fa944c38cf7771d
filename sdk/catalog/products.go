package catalog

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

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
// not say it themselves (besides its title and description, which
// CompleteProduct takes from the product).
type ProductDefaults struct {
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
//   - a variant without a description has the product's plain one
//     (p.Description.Plain);
//   - a variant without categories, condition or seller has the
//     product's (d).
//
// It returns p with new variants, each with its own copy of what it takes
// from d: p's variants and d are not changed, and changing one returned
// variant changes no other.
func CompleteProduct(p Product, d ProductDefaults) Product {
	variants := make([]Variant, len(p.Variants))
	for i, v := range p.Variants {
		v.Item.ProductID = p.ID
		if v.Item.Title == "" {
			v.Item.Title = VariantTitle(p.Title, v.Options)
		}
		if v.Item.Description == "" {
			v.Item.Description = p.Description.Plain
		}
		if len(v.Item.Categories) == 0 {
			v.Item.Categories = slices.Clone(d.Categories)
		}
		if len(v.Condition) == 0 {
			v.Condition = slices.Clone(d.Condition)
		}
		if v.Seller == nil && d.Seller != nil {
			seller := *d.Seller
			seller.Links = slices.Clone(seller.Links)
			v.Seller = &seller
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

// ProductProblem is one way a product breaks the rules of
// ProductProblems.
type ProductProblem struct {
	// Variants are the indexes in the product's Variants of the variants
	// the problem is about, in order; empty when it is the product's own.
	Variants []int
	// Message says what is wrong, naming the variants by id.
	Message string
}

// Error returns the problem's message.
func (p ProductProblem) Error() string { return p.Message }

// ProductProblems lists what is wrong with p as a listing shows it
// (completed by CompleteProduct), by the rules every catalog of this
// project follows: p has an id and at least one variant; every variant
// has an id, and no two the same; within a variant an option name
// appears once; and no two variants can be mistaken for each other:
// none has the title of another (a variant without a title is named by
// VariantTitle), and none that has options has the same options (the
// same names with the same values, in any order) as another.
func ProductProblems(p Product) []ProductProblem {
	var out []ProductProblem
	add := func(variants []int, format string, args ...any) {
		out = append(out, ProductProblem{Variants: variants, Message: fmt.Sprintf(format, args...)})
	}
	if p.ID == "" {
		add(nil, "the product has no id")
	}
	if len(p.Variants) == 0 {
		add(nil, "the product has no variant")
	}
	ids, titles, options := map[string]int{}, map[string]int{}, map[string]int{}
	for i, v := range p.Variants {
		id := v.Item.ID
		if j, dup := ids[id]; dup && id != "" {
			add([]int{j, i}, "variants %d and %d have the same id %q", j, i, id)
		} else if id == "" {
			add([]int{i}, "variant %d has no id", i)
		} else {
			ids[id] = i
		}
		title := cmp.Or(v.Item.Title, VariantTitle(p.Title, v.Options))
		if j, dup := titles[title]; dup {
			add([]int{j, i}, "variants %q and %q have the same title %q: give each its own title or options", p.Variants[j].Item.ID, id, title)
		} else {
			titles[title] = i
		}
		values := make([]string, 0, len(v.Options))
		names := map[string]bool{}
		for _, o := range v.Options {
			if names[o.Name] {
				add([]int{i}, "variant %q has the option %q twice", id, o.Name)
			}
			names[o.Name] = true
			values = append(values, o.Name+"="+o.Value)
		}
		if len(values) == 0 {
			continue
		}
		slices.Sort(values)
		key := strings.Join(values, "\x00")
		if j, dup := options[key]; dup {
			add([]int{j, i}, "variants %q and %q have the same options %s: options tell a product's variants apart", p.Variants[j].Item.ID, id, strings.Join(values, ", "))
		} else {
			options[key] = i
		}
	}
	return out
}

// CheckProduct returns an error naming every problem ProductProblems
// finds in p, or nil.
func CheckProduct(p Product) error {
	problems := ProductProblems(p)
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, pr := range problems {
		msgs[i] = pr.Message
	}
	return fmt.Errorf("product %q: %s", p.ID, strings.Join(msgs, "; "))
}
