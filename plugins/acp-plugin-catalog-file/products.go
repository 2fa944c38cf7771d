package main

import (
	"cmp"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// product is one product of the catalog file, as the listing shows it.
type product struct {
	id string
	// standalone: an item sold on its own (a row without product_id),
	// listed as catalog.ItemProduct makes it.
	standalone bool
	// base is a product's own fields, without variants (not standalone).
	base catalog.Product
	// variants are its completed variants in file order, each with the
	// currency it is served in ("" for any).
	variants []servedVariant
}

// servedVariant is a completed variant and the currency it is served in.
type servedVariant struct {
	currency string
	variant  catalog.Variant
}

// in returns the product as listed in currency (normalized): with its
// variants served in it, as new values; false when none is.
func (p product) in(currency string) (catalog.Product, bool) {
	var vs []catalog.Variant
	for _, sv := range p.variants {
		if sv.currency == currency || sv.currency == "" {
			vs = append(vs, sv.variant)
		}
	}
	switch {
	case len(vs) == 0:
		return catalog.Product{}, false
	case p.standalone:
		return catalog.ItemProduct(vs[0]), true // a sku has one row per currency
	}
	out := p.base
	out.Media = slices.Clone(out.Media)
	out.Variants = vs
	return out, true
}

// variant validates a row and converts it to the variant it lists, as
// written (buildProducts completes it), and the currency it is served in
// ("" for any). ok is false when the row has a problem.
func (r row) variant(where, defaultCurrency string, ps *problems) (v catalog.Variant, currency string, ok bool) {
	before := len(ps.list) + ps.dropped
	it, cur := r.item(where, defaultCurrency, ps)
	v = catalog.Variant{Item: it, URL: r.URL, ListPrice: r.ListPrice, Condition: r.Condition}
	if r.URL != "" && !httpURL(r.URL) {
		ps.add(where, "url %q is not an absolute http(s) URL", r.URL)
	}
	if r.ListPrice < 0 {
		ps.add(where, "list_price must be 0 (none) or more, got %d", r.ListPrice)
	}
	for _, b := range r.Barcodes {
		typ, value := strings.TrimSpace(b.Type), strings.TrimSpace(b.Value)
		if typ == "" || value == "" {
			ps.add(where, "barcodes: a barcode needs a type and a value, got type %q and value %q", b.Type, b.Value)
			continue
		}
		v.Barcodes = append(v.Barcodes, catalog.Barcode{Type: typ, Value: value})
	}
	for _, o := range r.Options {
		name, value := strings.TrimSpace(o.Name), strings.TrimSpace(o.Value)
		switch {
		case name == "" || value == "":
			ps.add(where, "options: an option needs a name and a value, got name %q and value %q", o.Name, o.Value)
		case slices.ContainsFunc(v.Options, func(prev catalog.VariantOption) bool { return prev.Name == name }):
			ps.add(where, "options: option %q is given twice", name)
		default:
			v.Options = append(v.Options, catalog.VariantOption{Name: name, Value: value})
		}
	}
	for _, c := range r.Condition {
		if strings.TrimSpace(c) == "" {
			ps.add(where, "condition: a condition is empty")
		}
	}
	if s := strings.TrimSpace(r.AvailabilityStatus); s != "" {
		v.Status = strings.ToLower(s)
		if !slices.Contains(catalog.VariantStatuses, v.Status) {
			ps.add(where, "availability_status must be one of %s (in or out of stock comes from the stock figure), got %q",
				strings.Join(catalog.VariantStatuses, ", "), r.AvailabilityStatus)
		}
	}
	if name := strings.TrimSpace(r.SellerName); name != "" {
		v.Seller = &catalog.Seller{Name: name}
	}
	r.checkProductFields(where, ps)
	return v, cur, len(ps.list)+ps.dropped == before
}

// checkProductFields checks the row's product fields: only a row with a
// product_id has them, and the URLs are absolute http(s) URLs.
func (r row) checkProductFields(where string, ps *problems) {
	if r.ProductID == "" {
		for _, f := range []struct{ column, value string }{
			{"product_title", r.ProductTitle}, {"product_description", r.ProductDescription},
			{"product_url", r.ProductURL}, {"product_images", strings.Join(r.ProductImages, "|")},
		} {
			if f.value != "" {
				ps.add(where, "%s needs product_id: it describes the product the row is a variant of", f.column)
			}
		}
	}
	if r.ProductURL != "" && !httpURL(r.ProductURL) {
		ps.add(where, "product_url %q is not an absolute http(s) URL", r.ProductURL)
	}
	for _, img := range r.ProductImages {
		if !httpURL(img) {
			ps.add(where, "product image %q is not an absolute http(s) URL", img)
		}
	}
}

// given is a product field as its rows give it: the first value given
// and where.
type given struct{ value, where string }

// agree takes a row's value of the field column: an empty value leaves
// the field to the product's other rows; any other must be the one given
// first.
func (g *given) agree(column, value, where string, ps *problems) {
	switch {
	case value == "":
	case g.where == "":
		g.value, g.where = value, where
	case value != g.value:
		ps.add(where, "%s %q differs from %q (%s): a product's fields must agree across its rows", column, value, g.value, g.where)
	}
}

// buildProducts groups the valid rows into products: rows that share a
// product_id are the variants of one product, completed by
// catalog.CompleteProduct with the product's fields (product_title,
// product_description, product_url, product_images); a row without one is
// an item sold on its own, catalog.ItemProduct. It replaces each item of
// out with its completed form, which ResolveItems answers, and returns
// the products sorted by id.
func buildProducts(entries []entry, out items, ps *problems) []product {
	type group struct {
		product
		title, description, url, images given
		imageList                       []string
		rows                            []entry
	}
	groups := map[string]*group{}
	var order []*group
	productOf := map[string]entry{} // sku → its first row
	for _, e := range entries {
		if first, seen := productOf[e.row.SKU]; seen && first.row.ProductID != e.row.ProductID {
			ps.add(e.where, "sku %q has product_id %q here and %q on %s: every row of a sku is a variant of one product",
				e.row.SKU, e.row.ProductID, first.row.ProductID, first.where)
			continue
		} else if !seen {
			productOf[e.row.SKU] = e
		}
		id, standalone := cmp.Or(e.row.ProductID, e.row.SKU), e.row.ProductID == ""
		g := groups[id]
		switch {
		case g == nil:
			g = &group{product: product{id: id, standalone: standalone}}
			groups[id] = g
			order = append(order, g)
		case g.standalone != standalone:
			ps.add(e.where, "product id %q is both the sku of an item sold on its own and a product_id (also %s): give the product another id", id, g.rows[0].where)
			continue
		}
		g.title.agree("product_title", e.row.ProductTitle, e.where, ps)
		g.description.agree("product_description", e.row.ProductDescription, e.where, ps)
		g.url.agree("product_url", e.row.ProductURL, e.where, ps)
		if len(e.row.ProductImages) > 0 {
			g.images.agree("product_images", strings.Join(e.row.ProductImages, "|"), e.where, ps)
			if g.imageList == nil {
				g.imageList = e.row.ProductImages
			}
		}
		g.rows = append(g.rows, e)
	}
	products := make([]product, 0, len(order))
	for _, g := range order {
		if g.standalone {
			for _, e := range g.rows {
				v := catalog.ItemProduct(e.variant).Variants[0]
				g.variants = append(g.variants, servedVariant{e.key.currency, v})
				out[e.key] = v.Item
			}
			products = append(products, g.product)
			continue
		}
		g.base = catalog.Product{ID: g.id, Title: g.title.value, Description: catalog.Description{Plain: g.description.value}, URL: g.url.value}
		for _, img := range g.imageList {
			g.base.Media = append(g.base.Media, catalog.Media{Type: "image", URL: img})
		}
		p := g.base
		for _, e := range g.rows {
			if e.variant.Item.Title == "" && p.Title == "" {
				ps.add(e.where, "title is required: give the row a title, or its product %q a product_title", g.id)
			}
			p.Variants = append(p.Variants, e.variant)
		}
		done := catalog.CompleteProduct(p, catalog.ProductDefaults{Description: g.description.value})
		for i, e := range g.rows {
			g.variants = append(g.variants, servedVariant{e.key.currency, done.Variants[i]})
			out[e.key] = done.Variants[i].Item
		}
		products = append(products, g.product)
	}
	slices.SortFunc(products, func(a, b product) int { return strings.Compare(a.id, b.id) })
	return products
}
