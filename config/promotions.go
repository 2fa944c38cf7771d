package config

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Promotion kinds and scopes (docs/discounts.md).
var (
	promotionKinds  = []string{"percent_off", "amount_off", "free_shipping"}
	promotionScopes = []string{"order", "items", "categories"}
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

// Window returns the promotion's start and end, zero when absent (or
// invalid, which validation refuses).
func (p Promotion) Window() (start, end time.Time) {
	start, _ = parsePromotionTime(p.StartsAt)
	end, _ = parsePromotionTime(p.EndsAt)
	return start, end
}

// parsePromotionTime parses an RFC 3339 time, or a date (its midnight
// UTC).
func parsePromotionTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}

// validatePromotions checks the promotions against each other and the
// catalog's skus.
func validatePromotions(list []Promotion, items []CatalogItem, ps *problems) {
	ids, codes := map[string]int{}, map[string]int{}
	for i, p := range list {
		path := indexPath("promotions", i)
		switch j, dup := ids[p.ID]; {
		case p.ID == "":
			ps.add(path+".id", "is required")
		case !skuPattern.MatchString(p.ID):
			ps.add(path+".id", "%q may contain only letters, digits, '.', '_', ':' and '-'", p.ID)
		case dup:
			ps.add(path+".id", "duplicate id %q (also promotions[%d])", p.ID, j)
		default:
			ids[p.ID] = i
		}
		if p.Code != "" {
			key := strings.ToUpper(p.Code)
			switch j, dup := codes[key]; {
			case strings.TrimSpace(p.Code) != p.Code || strings.ContainsFunc(p.Code, func(r rune) bool { return r < ' ' || r == 0x7f }):
				ps.add(path+".code", "%q must not start or end with spaces or contain control characters", p.Code)
			case dup:
				ps.add(path+".code", "code %q is also promotions[%d]'s (codes match case-insensitively)", p.Code, j)
			default:
				codes[key] = i
			}
		}
		validatePromotionValue(path, p, ps)
		validatePromotionScope(path, p, items, ps)
		if p.MinSubtotal < 0 {
			ps.add(path+".min_subtotal", "must be 0 (none) or more, got %d", p.MinSubtotal)
		}
		start, end := checkTime(path+".starts_at", p.StartsAt, ps), checkTime(path+".ends_at", p.EndsAt, ps)
		if !start.IsZero() && !end.IsZero() && !end.After(start) {
			ps.add(path+".ends_at", "must be after starts_at (%s), got %s", p.StartsAt, p.EndsAt)
		}
		switch {
		case p.MaxUses < 0:
			ps.add(path+".max_uses", "must be 0 (no limit) or more, got %d", p.MaxUses)
		case p.MaxUses > 0 && p.Code == "":
			ps.add(path+".max_uses", "limits a code's uses: an automatic promotion (no code) cannot have one")
		}
		if p.Priority < 0 {
			ps.add(path+".priority", "must be 1 (first) or more, got %d", p.Priority)
		}
	}
}

func validatePromotionValue(path string, p Promotion, ps *problems) {
	switch p.Kind {
	case "percent_off":
		if !(p.Value > 0 && p.Value <= 100) {
			ps.add(path+".value", "a percentage above 0 and at most 100 is required, got %v", p.Value)
		}
	case "amount_off":
		if !(p.Value >= 1 && p.Value < math.MaxInt64/2) || p.Value != math.Trunc(p.Value) {
			ps.add(path+".value", "a whole amount of 1 or more (minor units of merchant.currency) is required, got %v", p.Value)
		}
	case "free_shipping":
		if p.Value != 0 {
			ps.add(path+".value", "free_shipping takes no value, got %v", p.Value)
		}
	case "":
		ps.add(path+".kind", "is required: one of %s", oneOf(promotionKinds))
	default:
		ps.add(path+".kind", "must be one of %s, got %q%s", oneOf(promotionKinds), p.Kind, didYouMean(p.Kind, promotionKinds))
	}
}

func validatePromotionScope(path string, p Promotion, items []CatalogItem, ps *problems) {
	switch p.AppliesTo {
	case "order":
		if len(p.Items) > 0 || len(p.Categories) > 0 {
			ps.add(path+".applies_to", "items and categories need applies_to: items or categories")
		}
	case "items":
		if len(p.Items) == 0 {
			ps.add(path+".items", "at least one item id is required with applies_to: items")
		}
		if len(items) > 0 {
			for j, id := range p.Items {
				if !slices.ContainsFunc(items, func(it CatalogItem) bool { return it.SKU == id }) {
					ps.addCrossRef(indexPath(path+".items", j), "unknown item %q: not a sku under catalog.items", id)
				}
			}
		}
	case "categories":
		if len(p.Categories) == 0 {
			ps.add(path+".categories", "at least one category is required with applies_to: categories")
		}
	default:
		ps.add(path+".applies_to", "must be one of %s, got %q%s", oneOf(promotionScopes), p.AppliesTo, didYouMean(p.AppliesTo, promotionScopes))
	}
}

// checkTime parses an optional RFC 3339 time.
func checkTime(path, value string, ps *problems) time.Time {
	if value == "" {
		return time.Time{}
	}
	t, err := parsePromotionTime(value)
	if err != nil {
		ps.add(path, "must be an RFC 3339 time such as 2026-03-01T00:00:00Z or a date such as 2026-03-01 (midnight UTC), got %q", value)
	}
	return t
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
