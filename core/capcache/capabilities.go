package capcache

import (
	"context"
	"time"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// Tax returns next, the tax capability plugin serves, answering a quote
// from a kept answer while it holds. A nil c returns next.
func (c *Cache) Tax(plugin string, next tax.Tax) tax.Tax {
	if c == nil {
		return next
	}
	return cachedTax{c: c, plugin: plugin, next: next}
}

// Shipping returns next, the shipping capability plugin serves,
// answering a quote from a kept answer while it holds. A nil c returns
// next.
func (c *Cache) Shipping(plugin string, next shipping.Shipping) shipping.Shipping {
	if c == nil {
		return next
	}
	return cachedShipping{c: c, plugin: plugin, next: next}
}

// cachedTax is a plugin's tax capability behind the cache.
type cachedTax struct {
	c      *Cache
	plugin string
	next   tax.Tax
}

// Quote answers from a kept answer, or asks the plugin.
func (t cachedTax) Quote(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	return through(ctx, t.c, t.plugin, acpplugin.CapabilityTax, "tax.Quote", req,
		func(r *tax.QuoteResponse) time.Duration { return r.MaxAge }, t.next.Quote)
}

// cachedShipping is a plugin's shipping capability behind the cache.
type cachedShipping struct {
	c      *Cache
	plugin string
	next   shipping.Shipping
}

// Quote answers from a kept answer, or asks the plugin.
func (s cachedShipping) Quote(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	return through(ctx, s.c, s.plugin, acpplugin.CapabilityShipping, "shipping.Quote", req,
		func(r *shipping.QuoteResponse) time.Duration { return r.MaxAge }, s.next.Quote)
}
