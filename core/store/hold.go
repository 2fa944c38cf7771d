package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Held keeps a lease alive while its holder works: it renews the lease
// every third of its ttl in the background, so that a long operation (a
// payment call, an order placement retried for minutes, a slow webhook
// receiver) keeps the name, and it tells the holder when the lease was
// lost. A lost lease is never renewed again; the work's commit must then
// be refused, which the fencing check (Tx.HoldsLease) does inside the
// commit's transaction.
//
// Renewal runs on a timer, not a goroutine of its own, so that holding a
// lease for a short call costs no more than the timer.
type Held struct {
	leases Leases
	ttl    time.Duration
	every  time.Duration
	onLost func(error)

	mu      sync.Mutex
	lease   Lease
	timer   *time.Timer
	err     error
	stopped bool
}

// Keep starts renewing l, granted for ttl by leases. onLost, when not
// nil, is called once, from the renewal timer, when the lease is lost:
// Renew reported ErrLeaseLost, or kept failing until the lease lapsed.
// Call Stop or Release when the work is done.
func Keep(leases Leases, l Lease, ttl time.Duration, onLost func(error)) *Held {
	h := &Held{leases: leases, ttl: ttl, every: max(ttl/3, time.Millisecond), onLost: onLost, lease: l}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.timer = time.AfterFunc(h.every, h.renew)
	return h
}

// Lease returns the lease as last renewed; its Name and Token are what
// the fencing check compares.
func (h *Held) Lease() Lease {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lease
}

// Err returns nil while the lease is held, and an error wrapping
// ErrLeaseLost once it was lost.
func (h *Held) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Stop stops renewing the lease without releasing it, and returns Err.
func (h *Held) Stop() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	h.timer.Stop()
	return h.err
}

// Release stops renewing the lease and gives it up, so that the next
// holder need not wait for it to lapse. It runs even when ctx is
// canceled: a request cut short still lets go of its lease.
func (h *Held) Release(ctx context.Context) error {
	h.Stop()
	l := h.Lease()
	if err := h.leases.Release(context.WithoutCancel(ctx), l); err != nil {
		return fmt.Errorf("release lease %s: %w", l.Name, err)
	}
	return nil
}

// renew renews the lease once and schedules the next renewal, unless
// the lease was lost or Stop was called.
func (h *Held) renew() {
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	l := h.lease
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), h.every)
	err := h.leases.Renew(ctx, &l, h.ttl)
	cancel()

	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		return
	}
	switch {
	case err == nil:
		h.lease = l
		h.timer.Reset(h.every)
		h.mu.Unlock()
		return
	case !errors.Is(err, ErrLeaseLost) && time.Now().Before(h.lease.Until):
		// A store that did not answer: try again while the lease lasts.
		h.timer.Reset(h.every)
		h.mu.Unlock()
		return
	}
	if !errors.Is(err, ErrLeaseLost) {
		err = fmt.Errorf("lease %s lapsed while renewals failed (%w): %w", l.Name, err, ErrLeaseLost)
	}
	h.err = err
	h.stopped = true
	onLost := h.onLost
	h.mu.Unlock()
	if onLost != nil {
		onLost(err)
	}
}
