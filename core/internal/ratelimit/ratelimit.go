package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxAgents bounds the buckets a Limiter keeps. Agents come from acp.yaml
// and are few, and Allow should only be called with the name of an
// authenticated agent, so the bound is never reached in practice; it
// keeps memory bounded if a caller passes names from requests by mistake.
// When it is reached, buckets that have refilled completely are dropped
// (a full bucket is the same as a new one, so no outcome changes); if
// none has, further agents share one overflow bucket, so they are still
// limited, together.
const MaxAgents = 10_000

// Limiter is a set of per-agent token buckets. It is safe for concurrent
// use. The zero Limiter is not usable; make one with New.
type Limiter struct {
	limit     rate.Limit
	burst     int
	unlimited bool
	maxAgents int

	mu       sync.Mutex
	buckets  map[string]*bucket
	overflow *bucket
}

// bucket is one token bucket. Its mutex makes a reservation and its
// cancellation one step, so that a refused request never takes a token
// even when requests race.
type bucket struct {
	mu  sync.Mutex
	lim *rate.Limiter
}

// New returns a limiter allowing each agent rps requests per second on
// average and bursts of up to burst requests. An rps of 0 means unlimited:
// Allow then always allows, and burst is ignored. It fails when rps is
// negative, infinite or NaN, or when rps is positive and burst is less
// than 1.
func New(rps float64, burst int) (*Limiter, error) {
	switch {
	case math.IsNaN(rps) || math.IsInf(rps, 0) || rps < 0:
		return nil, fmt.Errorf("rate limit: requests per second must be 0 (unlimited) or a positive number, got %v", rps)
	case rps == 0:
		return &Limiter{unlimited: true}, nil
	case burst < 1:
		return nil, fmt.Errorf("rate limit: burst must be at least 1, got %d", burst)
	}
	return &Limiter{
		limit:     rate.Limit(rps),
		burst:     burst,
		maxAgents: MaxAgents,
		buckets:   map[string]*bucket{},
	}, nil
}

// Allow reports whether agent may make a request at now, and takes a token
// from its bucket when it may. When it may not, no token is taken and
// retryAfter is how long until a token will be available (always
// positive); round it up to whole seconds for a Retry-After header with
// RetryAfterSeconds. An agent's bucket is created, full, on its first
// request. now is normally time.Now(); it should not go backwards.
func (l *Limiter) Allow(agent string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l.unlimited {
		return true, 0
	}
	b := l.bucket(agent, now)
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		// Unreachable with burst >= 1, which New ensures; refuse rather
		// than allow if it ever happens.
		return false, time.Second
	}
	delay := r.DelayFrom(now)
	if delay <= 0 {
		return true, 0
	}
	r.CancelAt(now)
	return false, delay
}

// bucket returns agent's bucket, creating it when it is new.
func (l *Limiter) bucket(agent string, now time.Time) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[agent]; ok {
		return b
	}
	if len(l.buckets) >= l.maxAgents {
		l.pruneFull(now)
	}
	if len(l.buckets) >= l.maxAgents {
		if l.overflow == nil {
			l.overflow = l.newBucket()
		}
		return l.overflow
	}
	b := l.newBucket()
	l.buckets[agent] = b
	return b
}

// newBucket returns a full bucket.
func (l *Limiter) newBucket() *bucket {
	return &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
}

// pruneFull drops the buckets that are full at now. l.mu must be held.
func (l *Limiter) pruneFull(now time.Time) {
	for agent, b := range l.buckets {
		if b.lim.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, agent)
		}
	}
}

// RetryAfterSeconds rounds a retry delay up to whole seconds, at least 1,
// for an HTTP Retry-After header: retrying earlier than the delay would
// only be refused again.
func RetryAfterSeconds(d time.Duration) int {
	if d <= time.Second {
		return 1
	}
	s := d / time.Second
	if d%time.Second != 0 {
		s++
	}
	return int(s)
}
