package feed

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/feedtest"
)

// TestBackoffAcrossRestart: a process taking a target's lease for the
// first time since it started does not wait for the back-off another
// (an earlier run, before a credential was fixed) recorded; within a
// process, the back-off holds.
func TestBackoffAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(2)...)
	e.srv.SetMode(feedtest.Unavailable)
	first := e.publisher()
	start := time.Now()
	round(first)
	if rec := e.record(targetName); rec.Failures != 1 || rec.NextAttemptAt.Before(start.Add(30*time.Minute)) {
		t.Fatalf("record = %+v, want a back-off", rec)
	}
	e.srv.SetMode(feedtest.Serving)
	requests := e.srv.Requests()
	round(first)
	if e.srv.Requests() != requests {
		t.Fatal("the process sent during its back-off")
	}
	stopAll(first)
	round(e.publisher())
	if got := e.sentIDs(0); !slices.Equal(got, []string{"p01", "p02"}) {
		t.Errorf("the restarted process sent %v, want every product at once", got)
	}
	if rec := e.record(targetName); rec.Failures != 0 || !rec.NextAttemptAt.IsZero() {
		t.Errorf("record = %+v, want the back-off gone", rec)
	}
}

// TestPushClearsBackoff: a full publish asked for after the last failure
// goes at the next round, whatever the back-off; one that fails in turn
// is behind the back-off again.
func TestPushClearsBackoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(2)...)
	e.srv.SetMode(feedtest.Unavailable)
	p := e.publisher()
	round(p)
	requests := e.srv.Requests()
	e.srv.SetMode(feedtest.Serving)
	// A restart would not wait: a lease taken again does.
	stopAll(p)
	round(p)
	if e.srv.Requests() != requests {
		t.Fatal("a lease taken again did not wait for the back-off")
	}
	if err := RequestPush(context.Background(), e.st, targetName); err != nil {
		t.Fatal(err)
	}
	round(p)
	if got := e.sentIDs(0); !slices.Equal(got, []string{"p01", "p02"}) {
		t.Fatalf("the push sent %v, want every product", got)
	}
	e.srv.SetMode(feedtest.Unavailable)
	if err := RequestPush(context.Background(), e.st, targetName); err != nil {
		t.Fatal(err)
	}
	round(p)
	requests = e.srv.Requests()
	round(p)
	if e.srv.Requests() != requests {
		t.Error("a push that failed did not wait for the back-off")
	}
}
