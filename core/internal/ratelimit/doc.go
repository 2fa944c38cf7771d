// Package ratelimit limits how often each agent may call the checkout API,
// with one token bucket per agent (golang.org/x/time/rate): a bucket holds
// up to burst tokens, gains rps tokens per second, and each request takes
// one. A request that finds its bucket empty is refused, without taking a
// token, and told how long until one is available.
//
// The caller passes the current time, so that tests drive the clock.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package ratelimit
