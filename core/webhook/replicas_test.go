package webhook

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// orderedReceiver is a receiver that is down (503) until up is set, and
// records, per order, how many deliveries are in flight at once and the
// events it accepted, in the order it accepted them.
type orderedReceiver struct {
	up atomic.Bool

	// queueOf lists each order's events in order.
	queueOf map[string][]string

	mu          sync.Mutex
	inFlight    map[string]int
	maxInFlight int
	sent        int
	accepted    map[string][]string // per order: events answered 2xx
	// ahead lists the events sent while an event ahead of them in their
	// order was not accepted yet.
	ahead []string
}

func (rc *orderedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &p)
	order, event := p.Data.ID, r.Header.Get("Request-Id")
	rc.mu.Lock()
	rc.inFlight[order]++
	rc.maxInFlight = max(rc.maxInFlight, rc.inFlight[order])
	rc.sent++
	if indexOf(rc.queueOf[order], event) > len(distinct(rc.accepted[order])) {
		rc.ahead = append(rc.ahead, event)
	}
	rc.mu.Unlock()
	// A slow receiver widens the window in which two deliveries of one
	// order could overlap.
	time.Sleep(2 * time.Millisecond)
	status := http.StatusServiceUnavailable
	if rc.up.Load() {
		status = http.StatusOK
	}
	rc.mu.Lock()
	rc.inFlight[order]--
	if status == http.StatusOK {
		rc.accepted[order] = append(rc.accepted[order], event)
	}
	rc.mu.Unlock()
	w.WriteHeader(status)
}

// TestTwoDeliverersOneOutbox: two deliverers (two replicas) drain one
// outbox while the receiver is down, then up: every event is delivered at
// least once, each order's events are accepted in order and none is sent
// before the one ahead of it was accepted, and one order never has two
// deliveries in flight.
func TestTwoDeliverersOneOutbox(t *testing.T) {
	st := newStore(t)
	rc := &orderedReceiver{inFlight: map[string]int{}, accepted: map[string][]string{}, queueOf: map[string][]string{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)

	now := time.Now()
	orders := []string{"ord_a", "ord_b", "ord_c"}
	queueOf := rc.queueOf
	var events []*model.WebhookEvent
	for i := range 5 {
		for _, o := range orders {
			id := fmt.Sprintf("%s_%d", o, i)
			events = append(events, newEvent(id, testTarget, o, now))
			queueOf[o] = append(queueOf[o], id)
		}
	}
	put(t, st, events...)

	tgt := target(srv.URL + "/hook")
	tgt.MaxAttempts = 1000
	for range 2 {
		start(t, Options{Store: st, Targets: []Target{tgt}, Workers: 4, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	}
	testkit.Eventually(t, 10*time.Second, "failed attempts while the receiver is down", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.sent >= 30
	})
	rc.up.Store(true)
	testkit.Eventually(t, 20*time.Second, "every event to be delivered", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	if dead := list(t, st, model.EventDead); len(dead) != 0 {
		t.Fatalf("%d events went dead", len(dead))
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.maxInFlight != 1 {
		t.Errorf("up to %d deliveries of one order were in flight at once, want 1", rc.maxInFlight)
	}
	for _, o := range orders {
		// Accepted at least once each, in order (a repeat may follow its
		// own acceptance, never precede it).
		next := 0
		for _, id := range rc.accepted[o] {
			switch {
			case next < len(queueOf[o]) && id == queueOf[o][next]:
				next++
			case !contains(queueOf[o][:next], id):
				t.Errorf("order %s: %s accepted before %s", o, id, queueOf[o][next])
			}
		}
		if next != len(queueOf[o]) {
			t.Errorf("order %s: accepted %v, want all of %v in order", o, rc.accepted[o], queueOf[o])
		}
	}
	if len(rc.ahead) > 0 {
		t.Errorf("sent ahead of an event of their order not yet accepted: %v", rc.ahead)
	}
}

// distinct returns list without repeats.
func distinct(list []string) []string {
	var out []string
	for _, s := range list {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
