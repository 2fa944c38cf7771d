package capcache

import (
	"context"
	"time"
)

// through answers req from the answer kept for it, a deep copy, or asks
// call and keeps a deep copy of the answer for its MaxAge (which maxAge
// reads). capability names the metric's label, rpc the key's.
func through[Req, Resp any](ctx context.Context, c *Cache, plugin, capability, rpc string, req *Req,
	maxAge func(*Resp) time.Duration, call func(context.Context, *Req) (*Resp, error)) (*Resp, error) {
	k, err := keyOf(rpc, req)
	if err != nil {
		c.count(plugin, capability, outcomeUncacheable)
		return call(ctx, req)
	}
	kept, generation := c.lookup(plugin, rpc, k)
	if kept != nil {
		c.count(plugin, capability, outcomeHit)
		return deepCopy(kept.(*Resp)), nil
	}
	resp, err := call(ctx, req)
	if err != nil || resp == nil {
		c.count(plugin, capability, outcomeMiss)
		return resp, err
	}
	age := maxAge(resp)
	if age <= 0 {
		c.count(plugin, capability, outcomeUncacheable)
		return resp, nil
	}
	c.keep(plugin, rpc, k, generation, deepCopy(resp), age)
	c.count(plugin, capability, outcomeMiss)
	return resp, nil
}
