package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/pgtest"
)

// TestReleaseNotifies: a release by one replica reaches the waiters of
// another through the lease channel, not only through polling.
func TestReleaseNotifies(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn})
	b := open(t, Options{DSN: dsn})
	woken, unsubscribe := b.releases.subscribe("session/cs_n")
	defer unsubscribe()
	b.listenReleases()
	deadline := time.After(30 * time.Second)
	for got := false; !got; {
		// b's listener may not listen yet: release until it is woken.
		l, err := a.Leases().Acquire(ctx, "session/cs_n", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Leases().Release(ctx, l); err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
			got = true
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("the release never reached the other replica")
		}
	}
}
