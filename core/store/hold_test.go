package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// scriptedLeases is a store.Leases whose Renew answers are scripted, to
// drive Held through renewals, failures and losses.
type scriptedLeases struct {
	store.Leases
	mu       sync.Mutex
	renewals int
	// answer returns Renew's error for the n-th renewal (from 1).
	answer   func(n int) error
	released []store.Lease
}

func (s *scriptedLeases) Renew(_ context.Context, l *store.Lease, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renewals++
	if err := s.answer(s.renewals); err != nil {
		return err
	}
	l.Until = time.Now().Add(ttl)
	return nil
}

func (s *scriptedLeases) Release(_ context.Context, l store.Lease) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released = append(s.released, l)
	return nil
}

func (s *scriptedLeases) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renewals
}

func TestHeldRenewals(t *testing.T) {
	t.Parallel()
	errDown := errors.New("database unreachable")
	for name, tc := range map[string]struct {
		ttl    time.Duration
		answer func(n int) error
		// lost: the lease ends up lost after renewals renewals.
		lost     bool
		renewals int
	}{
		"renewed until stopped": {ttl: 30 * time.Millisecond, answer: func(int) error { return nil }, renewals: 3},
		"taken over":            {ttl: 30 * time.Millisecond, answer: func(n int) error { return map[bool]error{true: store.ErrLeaseLost}[n == 2] }, lost: true, renewals: 2},
		"store down past the lease": {
			ttl: 30 * time.Millisecond, answer: func(n int) error { return map[bool]error{true: errDown}[n > 1] }, lost: true,
		},
		"store down briefly": {ttl: 60 * time.Millisecond, answer: func(n int) error { return map[bool]error{true: errDown}[n == 2] }, renewals: 4},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			leases := &scriptedLeases{answer: tc.answer}
			var lostCalls atomic.Int32
			var lostErr atomic.Value
			l := store.Lease{Name: "n", Owner: "o/1", Token: 1, Until: time.Now().Add(tc.ttl)}
			h := store.Keep(leases, l, tc.ttl, func(err error) { lostCalls.Add(1); lostErr.Store(err) })
			if tc.lost {
				testkit.Eventually(t, 5*time.Second, "the lease to be lost", func() bool { return lostCalls.Load() == 1 })
				if !errors.Is(h.Err(), store.ErrLeaseLost) || !errors.Is(lostErr.Load().(error), store.ErrLeaseLost) {
					t.Fatalf("Err() = %v, onLost got %v; want ErrLeaseLost", h.Err(), lostErr.Load())
				}
				n := leases.count()
				if tc.renewals > 0 && n != tc.renewals {
					t.Errorf("%d renewals, want %d", n, tc.renewals)
				}
				time.Sleep(3 * tc.ttl / 2)
				if leases.count() != n || lostCalls.Load() != 1 {
					t.Errorf("a lost lease was renewed again (%d renewals, %d losses)", leases.count(), lostCalls.Load())
				}
			} else {
				testkit.Eventually(t, 5*time.Second, "renewals", func() bool { return leases.count() >= tc.renewals })
				if err := h.Err(); err != nil || lostCalls.Load() != 0 {
					t.Fatalf("Err() = %v after %d losses, want a held lease", err, lostCalls.Load())
				}
				if !h.Lease().Until.After(l.Until) {
					t.Errorf("Until %v not extended past %v", h.Lease().Until, l.Until)
				}
			}
			if err := h.Release(context.Background()); !tc.lost && err != nil {
				t.Fatalf("Release() = %v", err)
			}
			n := leases.count()
			time.Sleep(3 * tc.ttl / 2)
			if leases.count() != n {
				t.Errorf("renewed after Release")
			}
			if len(leases.released) != 1 || leases.released[0].Token != 1 {
				t.Errorf("released %v, want the lease once", leases.released)
			}
		})
	}
}

// TestHeldKeepsABadgerLease: on the store's own leases, a kept lease
// outlives its ttl (by the lease clock) while renewed: another owner
// cannot take it and the fencing check passes; once released, it can.
func TestHeldKeepsABadgerLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := clocktest.New(time.Now())
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true, LeaseClock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const ttl = 30 * time.Millisecond
	l, _, ok, err := st.Leases().TryAcquire(ctx, "session/x", ttl)
	if err != nil || !ok {
		t.Fatalf("TryAcquire = %v, %v", ok, err)
	}
	h := store.Keep(st.Leases(), l, ttl, nil)
	// Each step stays within the ttl; only a renewal in between keeps
	// the lease past its first Until.
	for range 5 {
		before := h.Lease().Until
		clock.Advance(ttl / 2)
		testkit.Eventually(t, 5*time.Second, "a renewal", func() bool { return h.Lease().Until.After(before) })
	}
	if !clock.Now().After(l.Until) {
		t.Fatal("the test did not outlive the lease's first ttl")
	}
	if _, _, ok, _ := st.Leases().TryAcquire(ctx, "session/x", ttl); ok {
		t.Fatal("a renewed lease was taken by another owner")
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(h.Lease()) }); err != nil {
		t.Fatalf("fencing check of a renewed lease = %v", err)
	}
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := st.Leases().TryAcquire(ctx, "session/x", ttl); !ok {
		t.Fatal("a released lease could not be taken")
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(h.Lease()) }); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("fencing check after the release = %v, want ErrLeaseLost", err)
	}
}
