package config

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/acp-sidecar/acp/sdk/promotion"
)

// Promotion is one discount of the built-in discounts: a code the buyer
// gives, or an automatic promotion when Code is empty.
type Promotion struct {
	// ID identifies the promotion; unique.
	ID string `koanf:"id"`
	// Name is shown to buyers; default the ID.
	Name string `koanf:"name"`
	// Code unlocks the promotion, matched case-insensitively; absent makes
	// it automatic.
	Code string `koanf:"code"`
	// Kind is percent_off, amount_off or free_shipping.
	Kind string `koanf:"kind"`
	// Value is the percentage of percent_off (above 0, at most 100) or
	// the amount of amount_off (minor units of merchant.currency, a whole
	// number above 0); free_shipping takes none.
	Value float64 `koanf:"value"`
	// AppliesTo is order (default), items or categories.
	AppliesTo string `koanf:"applies_to"`
	// Items are the item ids (catalog skus) of applies_to: items.
	Items []string `koanf:"items"`
	// Categories are the item categories of applies_to: categories.
	Categories []string `koanf:"categories"`
	// MinSubtotal is the least subtotal, before discounts, of the items
	// the promotion covers; 0 for none.
	MinSubtotal int64 `koanf:"min_subtotal"`
	// StartsAt and EndsAt (RFC 3339) bound the promotion: it applies from
	// StartsAt until before EndsAt. Either may be absent.
	StartsAt string `koanf:"starts_at"`
	EndsAt   string `koanf:"ends_at"`
	// MaxUses limits the orders that may use the code; 0 for no limit.
	MaxUses int64 `koanf:"max_uses"`
	// Combinable lets the promotion stack with other combinable ones.
	Combinable bool `koanf:"combinable"`
	// Priority orders the promotions: 1 applies first; absent applies
	// after those with one, in file order.
	Priority int `koanf:"priority"`
}

// ForEngine returns the promotion (checked) as the promotion engine
// takes it: the name defaults to the id, and the value is the kind's
// percentage or amount. A value or time validation refuses is left out.
func (p Promotion) ForEngine() promotion.Promotion {
	out, _ := promotion.Written(p).Promotion(0)
	return out
}

// validatePromotions checks the promotions by the promotion engine's
// rules (promotion.Check) and acp.yaml's own: a value the kind takes,
// times that parse, and items that are skus of the catalog. Each
// promotion's problems come in the order of its fields.
func validatePromotions(list []Promotion, items []CatalogItem, ps *problems) {
	engine := make([]promotion.Promotion, len(list))
	written := map[int][]promotion.Problem{} // the value's and the times'
	for i, p := range list {
		engine[i], written[i] = promotion.Written(p).Promotion(i)
	}
	shared := map[int][]promotion.Problem{}
	for _, pr := range promotion.Check(engine) {
		shared[pr.Index] = append(shared[pr.Index], pr)
	}
	for i, p := range list {
		var found []promotionProblem
		own := func(field, format string, args ...any) {
			found = append(found, promotionProblem{field: field, msg: fmt.Sprintf(format, args...)})
		}
		valueOK := true
		for _, pr := range written[i] {
			if pr.Field == "value" {
				valueOK = false
				own("value", "%s", pr.Message)
			}
		}
		for _, pr := range shared[i] {
			switch pr.Field {
			case "percent_off", "amount_off":
				if valueOK {
					own("value", "%s", pr.Message)
				}
			case "kind":
				own("kind", "%s%s", pr.Message, suggestion(p.Kind, promotion.Kinds()))
			case "applies_to":
				own("applies_to", "%s%s", pr.Message, suggestion(p.AppliesTo, promotion.Scopes()))
			default:
				own(pr.Field, "%s", pr.Message)
			}
		}
		for _, pr := range written[i] {
			if pr.Field != "value" {
				own(pr.Field, "%s", pr.Message)
			}
		}
		path := indexPath("promotions", i)
		if p.AppliesTo == promotion.AppliesToItems && len(items) > 0 {
			for j, id := range p.Items {
				if !slices.ContainsFunc(items, func(it CatalogItem) bool { return it.SKU == id }) {
					found = append(found, promotionProblem{field: "items", crossRef: true, index: j,
						msg: fmt.Sprintf("unknown item %q: not a sku under catalog.items or a variant of catalog.products", id)})
				}
			}
		}
		slices.SortStableFunc(found, func(a, b promotionProblem) int {
			return cmp.Compare(slices.Index(promotionFields, a.field), slices.Index(promotionFields, b.field))
		})
		for _, f := range found {
			if f.crossRef {
				ps.addCrossRef(indexPath(path+"."+f.field, f.index), "%s", f.msg)
				continue
			}
			ps.add(path+"."+f.field, "%s", f.msg)
		}
	}
}

// promotionFields orders a promotion's problems: as its fields are
// documented.
var promotionFields = []string{"id", "code", "kind", "value", "applies_to", "items", "categories", "min_subtotal", "starts_at", "ends_at", "max_uses", "priority"}

// promotionProblem is one problem of a promotion, before it is reported.
type promotionProblem struct {
	field, msg string
	// crossRef marks an unknown item, the index-th of items.
	crossRef bool
	index    int
}

// suggestion is didYouMean for a value that is set but not known.
func suggestion(got string, known []string) string {
	if got == "" || slices.Contains(known, got) {
		return ""
	}
	return didYouMean(got, known)
}

// validatePromotionLimits refuses max_uses when a catalog plugin serves:
// uses are counted as stock, and a catalog plugin keeps the stock, so the
// holds would go to a plugin that does not know the code.
func (c *Config) validatePromotionLimits(ps *problems) {
	p, ok := c.PluginFor(CapabilityCatalog)
	if !ok {
		return
	}
	for i, promo := range c.Promotions {
		if promo.MaxUses > 0 {
			ps.add(indexPath("promotions", i)+".max_uses",
				"cannot be counted while plugin %q serves the catalog (it keeps the stock the uses are counted in); count the uses in the plugin's own promotions (e.g. acp-plugin-catalog-file's promotions file) or remove max_uses", p.Name)
		}
	}
}
