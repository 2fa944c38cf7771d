package idempotency

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
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
	p := Policy{Retention: 24 * time.Hour, Lease: 30 * time.Second}
	now := time.Now()
	key := ScopedKey("agent", "/checkout_sessions", "k")

	first, err := Begin(ctx, st, key, "fp1", now, p)
	if err != nil || first.Outcome != Fresh {
		t.Fatalf("first Begin = %v, %v; want Fresh", first.Outcome, err)
	}
	busy, _ := Begin(ctx, st, key, "fp1", now.Add(time.Second), p)
	if busy.Outcome != InFlight || busy.RetryAfter <= 0 || busy.RetryAfter > 30*time.Second {
		t.Fatalf("concurrent Begin = %v after %v; want InFlight within 30s", busy.Outcome, busy.RetryAfter)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return Finish(tx, first, 201, []byte(`{"id":"cs_1"}`), now, p) }); err != nil {
		t.Fatal(err)
	}
	End(ctx, first)

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
		c, err := Begin(ctx, st, tc.key, tc.fp, tc.at, p)
		if err != nil || c.Outcome != tc.want {
			t.Errorf("%s: Begin = %v, %v; want %v", name, c.Outcome, err, tc.want)
		}
		if c.Outcome == Replay && (c.Record.Status != 201 || string(c.Record.Body) != `{"id":"cs_1"}`) {
			t.Errorf("%s: replayed %d %s", name, c.Record.Status, c.Record.Body)
		}
		End(ctx, c)
	}
}

// TestTakenOverClaimIsFenced: a claim whose lease lapsed (its process
// stalled) is taken over by a retry, from any replica sharing the store;
// the stalled request's record is then refused by the fencing check while
// the retry runs, and the retry's answer stands; the stalled request's End
// does not release the retry's lease.
func TestTakenOverClaimIsFenced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := clocktest.New(time.Now())
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true, LeaseClock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := Policy{Retention: 24 * time.Hour, Lease: 30 * time.Second}
	key := ScopedKey("agent", "/checkout_sessions", "k")
	finish := func(c Claim, body string) error {
		return st.Update(ctx, func(tx store.Tx) error { return Finish(tx, c, 201, []byte(body), clock.Now(), p) })
	}

	stalled, err := Begin(ctx, st, key, "fp", clock.Now(), p)
	if err != nil || stalled.Outcome != Fresh {
		t.Fatalf("first Begin = %v, %v; want Fresh", stalled.Outcome, err)
	}
	clock.Advance(31 * time.Second) // no renewal ran: the lease lapsed
	retry, err := Begin(ctx, st, key, "fp", clock.Now(), p)
	if err != nil || retry.Outcome != Fresh {
		t.Fatalf("Begin after the lease lapsed = %v, %v; want Fresh (taken over)", retry.Outcome, err)
	}
	defer End(ctx, retry)
	if err := finish(stalled, `{"from":"stalled"}`); !errors.Is(err, ErrTakenOver) {
		t.Fatalf("the stalled request's Finish = %v, want ErrTakenOver", err)
	}
	End(ctx, stalled)
	if again, _ := Begin(ctx, st, key, "fp", clock.Now(), p); again.Outcome != InFlight {
		t.Fatalf("Begin while the retry runs = %v, want InFlight (the stalled End must not release the retry's lease)", again.Outcome)
	}
	if err := finish(retry, `{"from":"retry"}`); err != nil {
		t.Fatalf("the retry's Finish = %v", err)
	}
	var answered *AnsweredError
	if err := finish(stalled, `{"from":"stalled"}`); !errors.As(err, &answered) || string(answered.Record.Body) != `{"from":"retry"}` {
		t.Fatalf("the stalled request's late Finish = %v, want the retry's answer", err)
	}
}
