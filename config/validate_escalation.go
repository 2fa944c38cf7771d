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
// keys of catalog.items: URL templates, the cart limit, and that every
// rule has a page to send the buyer to.
func (c *Config) validateEscalation(ps *problems) {
	e := c.Escalation
	if e.ContinueURL != "" {
		checkEscalationURL("escalation.continue_url", e.ContinueURL, ps)
	}
	if e.MaxCartTotal < 0 {
		ps.add("escalation.max_cart_total", "must be 0 (no limit) or more, in minor units of merchant.currency, got %d", e.MaxCartTotal)
	}
	var needs []string // what needs escalation.continue_url
	if e.MaxCartTotal > 0 {
		needs = append(needs, "escalation.max_cart_total")
	}
	for i, it := range c.Catalog.Items {
		path := indexPath("catalog.items", i)
		switch {
		case it.ContinueURL != "" && !it.Escalates():
			ps.add(path+".continue_url", "is used only by an item that escalates: set age_restricted, requires_sign_in or requires_options, or remove it")
		case it.ContinueURL != "":
			checkEscalationURL(path+".continue_url", it.ContinueURL, ps)
		case it.Escalates():
			needs = append(needs, path)
		}
	}
	if len(needs) > 0 && e.ContinueURL == "" {
		ps.addCrossRef("escalation.continue_url", "is required by %s: the store page where the buyer finishes, e.g. %q (or give each escalating item its own continue_url)",
			strings.Join(needs, ", "), "https://shop.example.com/checkout/continue?acp_session="+catalog.SessionIDPlaceholder)
	}
}

// checkEscalationURL checks an escalation URL template: its placeholders
// are known and, filled in, it is an absolute http(s) URL.
func checkEscalationURL(path, template string, ps *problems) {
	for _, p := range placeholderPattern.FindAllString(template, -1) {
		if !slices.Contains(escalationPlaceholders, p) {
			ps.add(path, "unknown placeholder %s: use %s%s", p, oneOf(escalationPlaceholders), didYouMean(p, escalationPlaceholders))
			return
		}
	}
	if _, err := catalog.ExpandContinueURL(template, "cs_1", "item-1"); err != nil {
		ps.add(path, "must be an absolute http:// or https:// URL once its placeholders are filled in, without spaces, quotes or angle brackets, got %q", template)
	}
}
