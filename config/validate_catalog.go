package config

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// fulfillmentTypes are the fulfillment types, for catalog items'
// fulfillment_types and fulfillment options' type.
var fulfillmentTypes = []string{"shipping", "digital", "pickup", "local_delivery"}

// mediaTypes are the kinds of a product's media.
var mediaTypes = []string{"image", "video", "model"}

// weightUnits are the accepted weight units.
var weightUnits = []string{"g", "kg", "oz", "lb"}

// discountSKUPrefix starts the stock SKU of a usage-limited discount
// code's uses (core/stock.DiscountSKUPrefix): no item may use it.
const discountSKUPrefix = "discount:"

var (
	// skuPattern matches a SKU or a product id.
	skuPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)
	// countryPattern matches an upper-cased ISO 3166-1 alpha-2 code.
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	// regionPattern matches an upper-cased ISO 3166-2 subdivision code
	// without its country prefix, e.g. "CA" for California.
	regionPattern = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
)

// addBadSKU reports a SKU or product id at path that skuPattern does not
// match.
func addBadSKU(ps *problems, path, sku string) {
	ps.add(path, "%q may contain only letters, digits, '.', '_', ':' and '-'", sku)
}

// validate checks the catalog against the fulfillment options and tax
// categories of the whole config. Items are required only while the
// catalog is served built in; items written anyway are checked. An item's
// fulfillment types are checked against fulfillment_options only while
// shipping is served built in, and its tax category against the tax table
// only while tax is: a plugin serving either knows its own. A product's
// variants are checked as items are, with skus unique across both.
func (cat *Catalog) validate(c *Config, ps *problems) {
	if len(cat.Items) == 0 && len(cat.Products) == 0 {
		if builtinServes(c.Capabilities.Catalog) {
			ps.add("catalog.items", "at least one item (under catalog.items or catalog.products) is required, unless a plugin serves the catalog (capabilities.catalog)")
		}
		return
	}
	check := itemCheck{builtinTax: builtinServes(c.Capabilities.Tax), categories: c.Tax.categories(), skus: map[string]string{}}
	if builtinServes(c.Capabilities.Shipping) {
		check.optionTypes = map[string]bool{}
		for _, o := range c.FulfillmentOptions {
			check.optionTypes[o.Type] = true
		}
	}
	for i, it := range cat.Items {
		check.item(indexPath("catalog.items", i), it, true, ps)
	}
	cat.validateProducts(&check, ps)
}

// itemCheck checks catalog items, flat or a product's variants, against
// the rest of the config, and records their skus.
type itemCheck struct {
	// optionTypes are the fulfillment options' types; nil while a plugin
	// serves shipping (any type is offered).
	optionTypes map[string]bool
	// builtinTax says whether tax categories are checked against
	// categories, those the tax rates name.
	builtinTax bool
	categories map[string]bool
	// skus are the skus seen so far, by the path of their item.
	skus map[string]string
}

// item checks one item at path. A product's variant may leave its title
// out (titleRequired false): it is named after the product.
func (v *itemCheck) item(path string, it CatalogItem, titleRequired bool, ps *problems) {
	switch other, dup := v.skus[it.SKU]; {
	case it.SKU == "":
		ps.add(path+".sku", "is required")
	case !skuPattern.MatchString(it.SKU):
		addBadSKU(ps, path+".sku", it.SKU)
	case strings.HasPrefix(it.SKU, discountSKUPrefix):
		ps.add(path+".sku", "%q starts with %q, which names a discount code's uses in the stock counts; choose another sku", it.SKU, discountSKUPrefix)
	case dup:
		ps.add(path+".sku", "duplicate sku %q (also %s)", it.SKU, other)
	default:
		v.skus[it.SKU] = path
	}
	if titleRequired && strings.TrimSpace(it.Title) == "" {
		ps.add(path+".title", "is required")
	}
	checkHTTPURLs(path+".images", it.Images, ps)
	if it.UnitPrice < 0 {
		ps.add(path+".unit_price", "must be 0 or more (in minor units of merchant.currency), got %d", it.UnitPrice)
	}
	if cat := it.TaxCategory; v.builtinTax && cat != DefaultTaxCategory && !v.categories[cat] {
		ps.addCrossRef(path+".tax_category", "unknown tax category %q: use %q or a category named under a tax rate's categories", cat, DefaultTaxCategory)
	}
	if w := it.Weight; w != nil {
		if !slices.Contains(weightUnits, w.Unit) {
			ps.add(path+".weight.unit", "must be one of %s, got %q%s", oneOf(weightUnits), w.Unit, didYouMean(w.Unit, weightUnits))
		}
		if !(w.Value > 0) || !finite(w.Value) {
			ps.add(path+".weight.value", "must be greater than 0, got %v", w.Value)
		}
	}
	if it.Stock != nil && *it.Stock < 0 {
		ps.add(path+".stock", "must be 0 or more (leave it out for unlimited stock), got %d", *it.Stock)
	}
	if it.MaxPerOrder < 0 {
		ps.add(path+".max_per_order", "must be 0 (no cap) or more, got %d", it.MaxPerOrder)
	}
	checkLabels(path+".categories", it.Categories, ps)
	validateItemFulfillment(path+".fulfillment_types", it.FulfillmentTypes, v.optionTypes, ps)
	validateFeedFields(path, it, ps)
}

// validateFeedFields checks the keys of an item that only product feeds
// read: its page, list price (above unit_price when set), barcodes,
// options, condition and availability status.
func validateFeedFields(path string, it CatalogItem, ps *problems) {
	if it.URL != "" {
		if msg := checkHTTPURL(it.URL); msg != "" {
			ps.add(path+".url", "%s", msg)
		}
	}
	switch {
	case it.ListPrice < 0:
		ps.add(path+".list_price", "must be 0 (none) or more (in minor units of merchant.currency), got %d", it.ListPrice)
	case it.ListPrice > 0 && it.ListPrice <= it.UnitPrice:
		ps.add(path+".list_price", "must be above unit_price (%d) when set: the price before the sale, got %d", it.UnitPrice, it.ListPrice)
	}
	for i, b := range it.Barcodes {
		p := indexPath(path+".barcodes", i)
		if strings.TrimSpace(b.Type) == "" {
			ps.add(p+".type", "is required: the code's scheme, such as GTIN, UPC or EAN")
		}
		if strings.TrimSpace(b.Value) == "" {
			ps.add(p+".value", "is required")
		}
	}
	names := map[string]int{}
	for i, o := range it.Options {
		p := indexPath(path+".options", i)
		switch j, dup := names[o.Name]; {
		case strings.TrimSpace(o.Name) == "":
			ps.add(p+".name", "is required: the option, such as Color")
		case dup:
			ps.add(p+".name", "duplicate option %q (also %s)", o.Name, indexPath(path+".options", j))
		default:
			names[o.Name] = i
		}
		if strings.TrimSpace(o.Value) == "" {
			ps.add(p+".value", "is required: the item's value of the option, such as Red")
		}
	}
	checkLabels(path+".condition", it.Condition, ps)
	if s := it.AvailabilityStatus; s != "" && !slices.Contains(catalog.VariantStatuses, s) {
		ps.add(path+".availability_status", "must be one of %s (in_stock and out_of_stock follow from stock), got %q%s",
			oneOf(catalog.VariantStatuses), s, didYouMean(s, catalog.VariantStatuses))
	}
}

// checkLabels reports the blank entries of a list of labels (categories,
// conditions).
func checkLabels(path string, labels []string, ps *problems) {
	for i, l := range labels {
		if strings.TrimSpace(l) == "" {
			ps.add(indexPath(path, i), "must not be empty")
		}
	}
}

// validateProducts checks catalog.products: ids as unique as skus and
// apart from the flat items' (each of which is a product of its own), a
// title, media and seller links a feed can show, and at least one variant,
// each checked as a flat item is, whose sku is no other product's id and
// whose title (its own, or the one its product and options give it) no
// other variant of the product has.
func (cat *Catalog) validateProducts(check *itemCheck, ps *problems) {
	flat := map[string]int{}
	for i, it := range cat.Items {
		flat[it.SKU] = i
	}
	products := map[string]int{}
	for i := len(cat.Products) - 1; i >= 0; i-- {
		products[cat.Products[i].ID] = i
	}
	ids := map[string]int{}
	for i, p := range cat.Products {
		path := indexPath("catalog.products", i)
		switch j, dup := ids[p.ID]; {
		case p.ID == "":
			ps.add(path+".id", "is required")
		case !skuPattern.MatchString(p.ID):
			addBadSKU(ps, path+".id", p.ID)
		case dup:
			ps.add(path+".id", "duplicate product id %q (also catalog.products[%d])", p.ID, j)
		default:
			ids[p.ID] = i
			if j, ok := flat[p.ID]; ok {
				ps.add(path+".id", "%q is the sku of catalog.items[%d], which is a product of its own in a feed; choose another id", p.ID, j)
			}
		}
		if strings.TrimSpace(p.Title) == "" {
			ps.add(path+".title", "is required")
		}
		if p.URL != "" {
			if msg := checkHTTPURL(p.URL); msg != "" {
				ps.add(path+".url", "%s", msg)
			}
		}
		for j, m := range p.Media {
			mp := indexPath(path+".media", j)
			if !slices.Contains(mediaTypes, m.Type) {
				ps.add(mp+".type", "must be one of %s, got %q%s", oneOf(mediaTypes), m.Type, didYouMean(m.Type, mediaTypes))
			}
			checkRequiredURL(mp+".url", m.URL, ps)
		}
		checkLabels(path+".categories", p.Categories, ps)
		checkLabels(path+".condition", p.Condition, ps)
		if s := p.Seller; s != nil {
			for j, l := range s.Links {
				lp := indexPath(path+".seller.links", j)
				if strings.TrimSpace(l.Type) == "" {
					ps.add(lp+".type", "is required: the page's kind, such as refund_policy or shipping_policy")
				}
				checkRequiredURL(lp+".url", l.URL, ps)
			}
		}
		if len(p.Variants) == 0 {
			ps.add(path+".variants", "at least one variant is required: the skus the product is sold as")
		}
		titles := map[string]string{}
		for j, v := range p.Variants {
			vp := indexPath(path+".variants", j)
			check.item(vp, v, false, ps)
			if k, ok := products[v.SKU]; ok && v.SKU != p.ID && check.skus[v.SKU] == vp {
				ps.add(vp+".sku", "%q is the id of catalog.products[%d]; a variant's sku may be its own product's id only", v.SKU, k)
			}
			title := v.Title
			if title == "" {
				title = catalog.VariantTitle(p.Title, v.VariantOptions())
			}
			switch other, dup := titles[title]; {
			case strings.TrimSpace(title) == "":
			case dup:
				ps.add(vp, "has the title %q, as %s has: give the variants different options or titles", title, other)
			default:
				titles[title] = vp
			}
		}
	}
}

// checkRequiredURL reports a URL at path that is missing or not an
// absolute http(s) URL.
func checkRequiredURL(path, u string, ps *problems) {
	if u == "" {
		ps.add(path, "is required")
	} else if msg := checkHTTPURL(u); msg != "" {
		ps.add(path, "%s", msg)
	}
}

// validateItemFulfillment checks an item's fulfillment types: each is
// known, listed once, and offered by at least one fulfillment option, of
// the types in optionTypes; nil optionTypes (a plugin serves shipping)
// skips that last check.
func validateItemFulfillment(path string, types []string, optionTypes map[string]bool, ps *problems) {
	if len(types) == 0 {
		ps.add(path, "at least one fulfillment type is required (leave the key out for [shipping])")
		return
	}
	seen := map[string]bool{}
	for j, typ := range types {
		p := indexPath(path, j)
		switch {
		case !slices.Contains(fulfillmentTypes, typ):
			ps.add(p, "must be one of %s, got %q%s", oneOf(fulfillmentTypes), typ, didYouMean(typ, fulfillmentTypes))
		case seen[typ]:
			ps.add(p, "duplicate fulfillment type %q", typ)
		case optionTypes != nil && !optionTypes[typ]:
			ps.addCrossRef(p, "no fulfillment_options entry has type %q: add one, or remove %q from this item", typ, typ)
		}
		seen[typ] = true
	}
}

// categories returns the tax category names the rates define.
func (t *Tax) categories() map[string]bool {
	out := map[string]bool{}
	for _, r := range t.Rates {
		for name := range r.Categories {
			out[name] = true
		}
	}
	return out
}

// validate checks the tax section.
func (t *Tax) validate(ps *problems) {
	switch {
	case t.Origin.Country == "" && len(t.Rates) > 0:
		ps.add("tax.origin.country", "is required when tax.rates is set: carts without a delivery address, such as digital goods, are taxed at the origin")
	case t.Origin.Country != "":
		checkCountry("tax.origin.country", t.Origin.Country, ps)
	}
	checkRegion("tax.origin.region", t.Origin.Region, ps)
	places := map[[2]string]int{}
	for i, r := range t.Rates {
		path := indexPath("tax.rates", i)
		if r.Country == "" {
			ps.add(path+".country", "is required")
		} else {
			checkCountry(path+".country", r.Country, ps)
		}
		checkRegion(path+".region", r.Region, ps)
		place := [2]string{r.Country, r.Region}
		if j, dup := places[place]; dup {
			name := r.Country
			if r.Region != "" {
				name += "-" + r.Region
			}
			ps.add(path, "duplicate rate for %s (also tax.rates[%d])", name, j)
		} else {
			places[place] = i
		}
		checkRate(path+".rate", r.Rate, ps)
		names := make([]string, 0, len(r.Categories))
		for name := range r.Categories {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := keyPath(path+".categories", name)
			if strings.TrimSpace(name) == "" {
				ps.add(p, "a tax category name cannot be empty")
				continue
			}
			checkRate(p, r.Categories[name], ps)
		}
	}
}

// checkRate checks a tax rate fraction.
func checkRate(path string, rate float64, ps *problems) {
	if !(rate >= 0 && rate < 1) {
		ps.add(path, "must be a fraction from 0 up to but not including 1, e.g. 0.0725 for 7.25%%, got %v", rate)
	}
}

// checkCountry checks an upper-cased country code.
func checkCountry(path, country string, ps *problems) {
	if !countryPattern.MatchString(country) {
		ps.add(path, "must be a 2-letter ISO 3166-1 country code such as \"US\", got %q", country)
	}
}

// checkRegion checks an optional upper-cased region code.
func checkRegion(path, region string, ps *problems) {
	if region != "" && !regionPattern.MatchString(region) {
		ps.add(path, "must be a region code of 1 to 3 letters or digits such as \"CA\", got %q", region)
	}
}

// validateFulfillmentOptions checks the fulfillment options.
func validateFulfillmentOptions(opts []FulfillmentOption, ps *problems) {
	ids := map[string]int{}
	for i, o := range opts {
		path := indexPath("fulfillment_options", i)
		switch j, dup := ids[o.ID]; {
		case strings.TrimSpace(o.ID) == "":
			ps.add(path+".id", "is required")
		case dup:
			ps.add(path+".id", "duplicate id %q (also fulfillment_options[%d])", o.ID, j)
		default:
			ids[o.ID] = i
		}
		if !slices.Contains(fulfillmentTypes, o.Type) {
			ps.add(path+".type", "must be one of %s, got %q%s", oneOf(fulfillmentTypes), o.Type, didYouMean(o.Type, fulfillmentTypes))
		}
		if strings.TrimSpace(o.Title) == "" {
			ps.add(path+".title", "is required")
		}
		for _, p := range []struct {
			key string
			val int64
		}{{"flat", o.Price.Flat}, {"per_item", o.Price.PerItem}, {"free_over", o.Price.FreeOver}} {
			if p.val < 0 {
				ps.add(path+".price."+p.key, "must be 0 or more (in minor units of merchant.currency), got %d", p.val)
			}
		}
		if d := o.DeliveryDays; d != nil {
			if d.Min < 0 {
				ps.add(path+".delivery_days.min", "must be 0 or more, got %d", d.Min)
			}
			if d.Max < 0 {
				ps.add(path+".delivery_days.max", "must be 0 or more, got %d", d.Max)
			} else if d.Max < d.Min {
				ps.add(path+".delivery_days.max", "must be at least min (%d), got %d", d.Min, d.Max)
			}
		}
		for j, country := range o.Countries {
			checkCountry(indexPath(path+".countries", j), country, ps)
		}
		switch {
		case o.Type == "pickup" && o.Pickup == nil:
			ps.add(path+".pickup", "is required for pickup options: the location's name and address")
		case o.Type != "pickup" && o.Pickup != nil:
			ps.add(path+".pickup", "is only allowed when type is pickup")
		case o.Pickup != nil:
			o.Pickup.validate(path+".pickup", ps)
		}
	}
}

// validate checks a pickup location: a name and a complete address.
func (p *PickupLocation) validate(path string, ps *problems) {
	if strings.TrimSpace(p.Name) == "" {
		ps.add(path+".name", "is required")
	}
	a := p.Address
	for _, f := range []struct{ key, val string }{
		{"name", a.Name}, {"line_one", a.LineOne}, {"city", a.City},
		{"state", a.State}, {"country", a.Country}, {"postal_code", a.PostalCode},
	} {
		if strings.TrimSpace(f.val) == "" {
			ps.add(path+".address."+f.key, "is required")
		}
	}
	if a.Country != "" {
		checkCountry(path+".address.country", a.Country, ps)
	}
}
