package idempotency

import (
	"context"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

func TestBeginOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	leases := NewLeases()
	p := Policy{Retention: 24 * time.Hour, Lease: 30 * time.Second}
	now := time.Now()
	key := ScopedKey("agent", "/checkout_sessions", "k")

	first, err := Begin(ctx, st, leases, key, "fp1", now, p)
	if err != nil || first.Outcome != Fresh {
		t.Fatalf("first Begin = %v, %v; want Fresh", first.Outcome, err)
	}
	busy, _ := Begin(ctx, st, leases, key, "fp1", now.Add(time.Second), p)
	if busy.Outcome != InFlight || busy.RetryAfter != 29*time.Second {
		t.Fatalf("concurrent Begin = %v after %v; want InFlight after 29s", busy.Outcome, busy.RetryAfter)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return Finish(tx, first, 201, []byte(`{"id":"cs_1"}`), now, p) }); err != nil {
		t.Fatal(err)
	}
	End(leases, first)

	testCases := map[string]struct {
		key, fp string
		at      time.Time
		want    Outcome
	}{
		"same body replays":      {key, "fp1", now.Add(time.Minute), Replay},
		"other body conflicts":   {key, "fp2", now.Add(time.Minute), Conflict},
		"other path is fresh":    {ScopedKey("agent", "/checkout_sessions/x", "k"), "fp2", now, Fresh},
		"other agent is fresh":   {ScopedKey("other", "/checkout_sessions", "k"), "fp1", now, Fresh},
		"expired record is new":  {key, "fp2", now.Add(25 * time.Hour), Fresh},
		"replay keeps stored ok": {key, "fp1", now.Add(23 * time.Hour), Replay},
	}
	for name, tc := range testCases {
		c, err := Begin(ctx, st, leases, tc.key, tc.fp, tc.at, p)
		if err != nil || c.Outcome != tc.want {
			t.Errorf("%s: Begin = %v, %v; want %v", name, c.Outcome, err, tc.want)
		}
		if c.Outcome == Replay && (c.Record.Status != 201 || string(c.Record.Body) != `{"id":"cs_1"}`) {
			t.Errorf("%s: replayed %d %s", name, c.Record.Status, c.Record.Body)
		}
		End(leases, c)
	}
}

func TestLeaseTakeoverAndRelease(t *testing.T) {
	t.Parallel()
	l := NewLeases()
	now := time.Now()
	a, _, ok := l.acquire("k", now, time.Second)
	if !ok {
		t.Fatal("first acquire refused")
	}
	if _, _, ok := l.acquire("k", now, time.Second); ok {
		t.Fatal("a held lease was acquired twice")
	}
	b, _, ok := l.acquire("k", now.Add(2*time.Second), time.Second)
	if !ok || b == a {
		t.Fatal("an expired lease was not taken over")
	}
	l.release("k", a) // the stale holder must not release the new lease
	if _, _, ok := l.acquire("k", now.Add(2*time.Second), time.Second); ok {
		t.Fatal("a stale release dropped the new lease")
	}
	l.release("k", b)
	if _, _, ok := l.acquire("k", now.Add(2*time.Second), time.Second); !ok {
		t.Fatal("a released lease could not be acquired")
	}
}
