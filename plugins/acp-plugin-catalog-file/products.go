package main

import (
	"cmp"
	"fmt"
	"maps"
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

// servedVariant is a completed variant, the currency it is served in
// ("" for any) and the index of its sku in its content's skus.
type servedVariant struct {
	currency string
	variant  catalog.Variant
	sku      int
}

// servedIn reports whether the variant is served in currency
// (normalized).
func (sv servedVariant) servedIn(currency string) bool {
	return sv.currency == currency || sv.currency == ""
}

// in returns the product as listed in currency (normalized): with its
// variants served in it, as new values, their availability what avail
// (by the index of their sku) says; false when none is served in it.
func (p product) in(currency string, avail []int64) (catalog.Product, bool) {
	var vs []catalog.Variant
	for _, sv := range p.variants {
		if sv.servedIn(currency) {
			v := sv.variant
			setAvailable(&v.Item, avail[sv.sku])
			vs = append(vs, v)
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

// productColumn is one of a row's product columns and what the row gives
// in it, as a list (a single value a list of one; nothing, nil).
type productColumn struct {
	name   string
	values []string
}

// productColumns are the row's product columns, which describe the
// product the row is a variant of.
func (r row) productColumns() []productColumn {
	one := func(s string) []string {
		if s = strings.TrimSpace(s); s != "" {
			return []string{s}
		}
		return nil
	}
	return []productColumn{
		{"product_title", one(r.ProductTitle)}, {"product_description", one(r.ProductDescription)},
		{"product_url", one(r.ProductURL)}, {"product_images", r.ProductImages},
		{"product_categories", r.ProductCategories}, {"product_condition", r.ProductCondition},
		{"product_seller_name", one(r.ProductSellerName)},
	}
}

// forListing reports whether the row gives any of the columns added for
// product listings (the product columns and the variant's feed fields):
// a row that gives none may come from a file written for an earlier
// release, in which product_id only named the item's product.
func (r row) forListing() bool {
	for _, c := range r.productColumns() {
		if len(c.values) > 0 {
			return true
		}
	}
	return r.URL != "" || r.ListPrice != 0 || len(r.Barcodes) > 0 || len(r.Options) > 0 || len(r.Condition) > 0 ||
		r.AvailabilityStatus != "" || r.SellerName != ""
}

// checkProductFields checks the row's product fields: only a row with a
// product_id has them, the URLs are absolute http(s) URLs, and no
// condition is empty.
func (r row) checkProductFields(where string, ps *problems) {
	if r.ProductID == "" {
		for _, c := range r.productColumns() {
			if len(c.values) > 0 {
				ps.add(where, "%s needs product_id: it describes the product the row is a variant of", c.name)
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
	for _, c := range r.ProductCondition {
		if strings.TrimSpace(c) == "" {
			ps.add(where, "product_condition: a condition is empty")
		}
	}
}

// given is a product column as the product's rows give it: the first
// value given and where.
type given struct {
	values []string
	where  string
}

// agree takes a row's value of the product column c: an empty value
// leaves the column to the product's other rows; any other must be the
// one given first.
func (g *given) agree(c productColumn, where string, ps *problems) {
	switch {
	case len(c.values) == 0:
	case g.where == "":
		g.values, g.where = c.values, where
	case !slices.Equal(c.values, g.values):
		ps.add(where, "%s %q differs from %q (%s): a product's fields must agree across its rows",
			c.name, strings.Join(c.values, "|"), strings.Join(g.values, "|"), g.where)
	}
}

// first is the column's single value, "" when no row gives it.
func (g given) first() string {
	if len(g.values) == 0 {
		return ""
	}
	return g.values[0]
}

// group is one product of the file as buildProducts collects it.
type group struct {
	product
	// fields are the product columns as its rows give them, by name.
	fields map[string]*given
	// rows are the product's rows in file order; forListing says whether
	// any of them gives a listing column.
	rows       []entry
	forListing bool
}

// buildProducts groups the valid rows into products: rows that share a
// product_id are the variants of one product, completed by
// catalog.CompleteProduct with the product's columns; a row without one
// is an item sold on its own, catalog.ItemProduct. It replaces each item
// of out with its completed form, which ResolveItems answers, and returns
// the listed products sorted by id.
//
// What files of an earlier release may hold is taken with a warning
// instead of refused: a row without a product_id whose sku other rows
// name as their product_id is a variant of that product (its item
// unchanged: its own title, and its sku its product id); a sku whose rows
// name different products in different currencies is listed, in each
// currency, in its row's product; and a product whose variants cannot be
// told apart (catalog.ProductProblems) and none of whose rows gives a
// listing column is left out of the listing (checkout sells its items
// as before). The same product problems in a product written for
// listings refuse the file.
func buildProducts(entries []entry, out items, ps, warnings *problems) []product {
	named := map[string]bool{} // product ids rows name
	for _, e := range entries {
		if e.row.ProductID != "" {
			named[e.row.ProductID] = true
		}
	}
	groups := map[string]*group{}
	var order []*group
	productOf := map[string]entry{} // sku → its first row
	mergedAt := map[string]string{} // a merged sku → where a row names it
	for _, e := range entries {
		id, standalone := cmp.Or(e.row.ProductID, e.row.SKU), e.row.ProductID == ""
		if standalone && named[id] {
			standalone = false
			if _, warned := mergedAt[id]; !warned {
				mergedAt[id] = e.where
				warnings.add(e.where, "sku %q has no product_id, but other rows name it as their product_id: it is listed as a variant of product %q (give it product_id %q to say so, or give the product another id)", id, id, id)
			}
		}
		if first, seen := productOf[e.row.SKU]; !seen {
			productOf[e.row.SKU] = e
		} else if prev := cmp.Or(first.row.ProductID, first.row.SKU); prev != id {
			warnings.add(e.where, "sku %q is a variant of product %q here and of %q on %s: each currency lists it in its own row's product", e.row.SKU, id, prev, first.where)
		}
		g := groups[id]
		if g == nil {
			g = &group{product: product{id: id, standalone: standalone}, fields: map[string]*given{}}
			groups[id] = g
			order = append(order, g)
		}
		for _, c := range e.row.productColumns() {
			if g.fields[c.name] == nil {
				g.fields[c.name] = &given{}
			}
			g.fields[c.name].agree(c, e.where, ps)
		}
		g.rows = append(g.rows, e)
		g.forListing = g.forListing || e.row.forListing()
	}
	products := make([]product, 0, len(order))
	for _, g := range order {
		if g.standalone {
			for _, e := range g.rows {
				v := catalog.ItemProduct(e.variant).Variants[0]
				g.variants = append(g.variants, servedVariant{currency: e.key.currency, variant: v})
				out[e.key] = v.Item
			}
			products = append(products, g.product)
			continue
		}
		if g.complete(out, ps, warnings) {
			products = append(products, g.product)
		}
	}
	slices.SortFunc(products, func(a, b product) int { return strings.Compare(a.id, b.id) })
	return products
}

// complete builds the product g's rows describe and completes its
// variants (catalog.CompleteProduct), replacing their items in out, and
// checks it in each of its currencies (catalog.ProductProblems). It
// reports whether the product is listed: a problem refuses the file when
// a row gives a listing column, and leaves the product out of the
// listing with a warning otherwise.
func (g *group) complete(out items, ps, warnings *problems) bool {
	f := func(name string) given {
		if v := g.fields[name]; v != nil {
			return *v
		}
		return given{}
	}
	g.base = catalog.Product{ID: g.id, Title: f("product_title").first(),
		Description: catalog.Description{Plain: f("product_description").first()}, URL: f("product_url").first()}
	for _, img := range f("product_images").values {
		g.base.Media = append(g.base.Media, catalog.Media{Type: "image", URL: img})
	}
	defaults := catalog.ProductDefaults{Categories: f("product_categories").values, Condition: f("product_condition").values}
	if name := f("product_seller_name").first(); name != "" {
		defaults.Seller = &catalog.Seller{Name: name}
	}
	p := g.base
	for _, e := range g.rows {
		if e.variant.Item.Title == "" && p.Title == "" {
			ps.add(e.where, "title is required: give the row a title, or its product %q a product_title", g.id)
		}
		p.Variants = append(p.Variants, e.variant)
	}
	done := catalog.CompleteProduct(p, defaults)
	currencies := map[string]bool{}
	for i, e := range g.rows {
		g.variants = append(g.variants, servedVariant{currency: e.key.currency, variant: done.Variants[i]})
		out[e.key] = done.Variants[i].Item
		currencies[e.key.currency] = true
	}
	listed := true
	reported := map[string]bool{}
	for _, currency := range slices.Sorted(maps.Keys(currencies)) {
		var served []int // indexes into g.rows of the variants served in currency
		in := done
		in.Variants = nil
		for i, e := range g.rows {
			if e.key.currency == currency || e.key.currency == "" {
				served = append(served, i)
				in.Variants = append(in.Variants, done.Variants[i])
			}
		}
		for _, pr := range catalog.ProductProblems(in) {
			where, also := g.rows[0].where, []string{}
			for i, k := range pr.Variants {
				if i == len(pr.Variants)-1 {
					where = g.rows[served[k]].where
				} else {
					also = append(also, g.rows[served[k]].where)
				}
			}
			msg := fmt.Sprintf("product %q: %s", g.id, pr.Message)
			if len(also) > 0 {
				msg += " (also " + strings.Join(also, ", ") + ")"
			}
			if reported[where+msg] {
				continue
			}
			reported[where+msg] = true
			if g.forListing {
				ps.add(where, "%s", msg)
			} else {
				warnings.add(where, "%s; the product is left out of the listing: give its rows options, or titles of their own, to list it", msg)
				listed = false
			}
		}
	}
	return listed
}
