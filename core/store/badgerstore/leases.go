package badgerstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/acp-sidecar/acp/core/store"
)

// sweepEvery is how many grants pass between two sweeps of the lapsed
// leases nobody released, so that the table stays as small as the leases
// in use.
const sweepEvery = 1024

// leaseTable grants leases within this process: Badger's directory lock
// already keeps every other process out of the store.
type leaseTable struct {
	owner string
	now   func() time.Time

	mu     sync.Mutex
	held   map[string]*heldLease
	tokens uint64
}

// heldLease is a granted lease; released is closed when it is released or
// taken over, waking the Acquire calls waiting for its name.
type heldLease struct {
	store.Lease
	released chan struct{}
}

func newLeaseTable(now func() time.Time) *leaseTable {
	return &leaseTable{
		owner: "badger-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(rand.Uint64()>>32, 36),
		now:   now,
		held:  map[string]*heldLease{},
	}
}

// Leases returns the store's in-process leases.
func (s *Store) Leases() store.Leases { return s.leases }

func (t *leaseTable) Owner() string { return t.owner }

func (t *leaseTable) TryAcquire(_ context.Context, name string, ttl time.Duration) (store.Lease, time.Duration, bool, error) {
	l, wait, _ := t.try(name, ttl)
	return l, wait, wait == 0, nil
}

// try grants the lease on name unless it is held; otherwise it returns how
// long the holder has left and a channel closed when it lets go.
func (t *leaseTable) try(name string, ttl time.Duration) (store.Lease, time.Duration, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if cur, ok := t.held[name]; ok {
		if now.Before(cur.Until) {
			return store.Lease{}, cur.Until.Sub(now), cur.released
		}
		close(cur.released)
	}
	t.tokens++
	if t.tokens%sweepEvery == 0 {
		t.sweep(now)
	}
	l := store.Lease{Name: name, Owner: t.owner + "/" + strconv.FormatUint(t.tokens, 10), Token: t.tokens, Until: now.Add(ttl)}
	t.held[name] = &heldLease{Lease: l, released: make(chan struct{})}
	return l, 0, nil
}

// sweep drops the leases that lapsed without being released; a holder
// that comes back after that fails its fencing check, as it would after a
// takeover.
func (t *leaseTable) sweep(now time.Time) {
	for name, l := range t.held {
		if !now.Before(l.Until) {
			close(l.released)
			delete(t.held, name)
		}
	}
}

func (t *leaseTable) Acquire(ctx context.Context, name string, ttl time.Duration) (store.Lease, error) {
	for {
		l, wait, released := t.try(name, ttl)
		if wait == 0 {
			return l, nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-released:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return store.Lease{}, fmt.Errorf("acquire lease %s: %w", name, ctx.Err())
		}
		timer.Stop()
	}
}

func (t *leaseTable) Renew(_ context.Context, l *store.Lease, ttl time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur, ok := t.held[l.Name]
	now := t.now()
	if !ok || cur.Token != l.Token || !now.Before(cur.Until) {
		// A lapsed lease is lost even when nobody took it yet: its holder
		// may have stalled past it, and another process may already have
		// acted on its lapse.
		return fmt.Errorf("renew lease %s: %w", l.Name, store.ErrLeaseLost)
	}
	cur.Until = now.Add(ttl)
	l.Until = cur.Until
	return nil
}

func (t *leaseTable) Release(_ context.Context, l store.Lease) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.held[l.Name]; ok && cur.Token == l.Token {
		close(cur.released)
		delete(t.held, l.Name)
	}
	return nil
}

// holds is the fencing check: l is still the newest grant of its name,
// and it has not lapsed.
func (t *leaseTable) holds(l store.Lease) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.held[l.Name]; !ok || cur.Token != l.Token || !t.now().Before(cur.Until) {
		return fmt.Errorf("lease %s: %w", l.Name, store.ErrLeaseLost)
	}
	return nil
}

// HoldsLease checks l against the process's lease table.
func (t *tx) HoldsLease(l store.Lease) error { return t.store.leases.holds(l) }
