package badgerstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

// TestLapsedLeaseIsLost: a lease past its expiry fails the fencing check
// and cannot be renewed, even while nobody else took its name: its holder
// may have stalled past it.
func TestLapsedLeaseIsLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := clocktest.New(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true, LeaseClock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const ttl = time.Minute
	fenced := func(l store.Lease) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(l) })
	}
	for name, tc := range map[string]struct {
		advance time.Duration
		lost    bool
	}{
		"within the ttl":  {advance: ttl - time.Second},
		"at the expiry":   {advance: ttl, lost: true},
		"past the expiry": {advance: 2 * ttl, lost: true},
	} {
		t.Run(name, func(t *testing.T) {
			l, _, ok, err := st.Leases().TryAcquire(ctx, "session/"+name, ttl)
			if err != nil || !ok {
				t.Fatalf("TryAcquire = %v, %v", ok, err)
			}
			clock.Advance(tc.advance)
			defer clock.Advance(-tc.advance)
			err = fenced(l)
			if got := errors.Is(err, store.ErrLeaseLost); got != tc.lost {
				t.Errorf("fencing check = %v, want lost %v", err, tc.lost)
			}
			renewed := l
			err = st.Leases().Renew(ctx, &renewed, ttl)
			if got := errors.Is(err, store.ErrLeaseLost); got != tc.lost {
				t.Errorf("Renew = %v, want lost %v", err, tc.lost)
			}
			if !tc.lost {
				if err := fenced(renewed); err != nil {
					t.Errorf("fencing check after the renewal = %v", err)
				}
			}
			_ = st.Leases().Release(ctx, renewed)
		})
	}
}
