package config

import (
	"regexp"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// escalationPlaceholders are the placeholders escalation URL templates may
// use.
var escalationPlaceholders = []string{catalog.SessionIDPlaceholder, catalog.ItemIDPlaceholder}

// placeholderPattern matches a "{name}" placeholder.
var placeholderPattern = regexp.MustCompile(`\{[^{}]*\}`)

// validateEscalation checks the escalation section and the escalation
// keys of every item (catalog.items and the products' variants): URL
// templates, the cart limit, one flag per item, and that every rule has a
// page to send the buyer to.
func (c *Config) validateEscalation(ps *problems) {
	e := c.Escalation
	if e.MaxCartTotal < 0 {
		ps.add("escalation.max_cart_total", "must be 0 (no limit) or more, in minor units of merchant.currency, got %d", e.MaxCartTotal)
	}
	var needs []string   // what needs escalation.continue_url
	var itemIDs []string // the ids escalation.continue_url is filled in with
	if e.MaxCartTotal > 0 {
		needs = append(needs, "escalation.max_cart_total")
		itemIDs = append(itemIDs, "") // the cart limit has no item
	}
	for path, it := range c.Catalog.items() {
		if flags := escalationFlags(*it); len(flags) > 1 {
			ps.add(path, "sets %s: an item escalates for one reason, keep one of them", strings.Join(flags, " and "))
		}
		switch {
		case it.ContinueURL != "" && !it.Escalates():
			ps.add(path+".continue_url", "is used only by an item that escalates: set age_restricted, requires_sign_in or requires_options, or remove it")
		case it.ContinueURL != "":
			checkEscalationURL(path+".continue_url", it.ContinueURL, []string{it.SKU}, ps)
		case it.Escalates():
			needs = append(needs, path)
			itemIDs = append(itemIDs, it.SKU)
		}
	}
	if e.ContinueURL != "" {
		// Catalog plugins may escalate items of their own.
		checkEscalationURL("escalation.continue_url", e.ContinueURL, append(itemIDs, "item-1"), ps)
	}
	if len(needs) > 0 && e.ContinueURL == "" {
		ps.addCrossRef("escalation.continue_url", "is required by %s: the store page where the buyer finishes, e.g. %q (or give each escalating item its own continue_url)",
			strings.Join(needs, ", "), "https://shop.example.com/checkout/continue?acp_session="+catalog.SessionIDPlaceholder)
	}
}

// escalationFlags are the escalation keys an item sets.
func escalationFlags(it CatalogItem) []string {
	var out []string
	for _, f := range []struct {
		key string
		set bool
	}{{"age_restricted", it.AgeRestricted}, {"requires_sign_in", it.RequiresSignIn}, {"requires_options", it.RequiresOptions}} {
		if f.set {
			out = append(out, f.key)
		}
	}
	return out
}

// checkEscalationURL checks an escalation URL template: its placeholders
// are known and, filled in with each of itemIDs, it is a URL
// catalog.ExpandContinueURL accepts (absolute http(s), placeholders in
// the path, query or fragment only).
func checkEscalationURL(path, template string, itemIDs []string, ps *problems) {
	for _, p := range placeholderPattern.FindAllString(template, -1) {
		if !slices.Contains(escalationPlaceholders, p) {
			ps.add(path, "unknown placeholder %s: use %s%s", p, oneOf(escalationPlaceholders), didYouMean(p, escalationPlaceholders))
			return
		}
	}
	for _, id := range itemIDs {
		if err := catalog.CheckContinueURL(template, id); err != nil {
			ps.add(path, "cannot be used: %v", err)
			return
		}
	}
}
