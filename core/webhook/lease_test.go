package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// losingLeases is the store's leases with Renew answering ErrLeaseLost
// once lost is set, as when another process took the queue over.
type losingLeases struct {
	store.Leases
	lost atomic.Bool
}

func (l *losingLeases) Renew(ctx context.Context, lease *store.Lease, ttl time.Duration) error {
	if l.lost.Load() {
		return store.ErrLeaseLost
	}
	return l.Leases.Renew(ctx, lease, ttl)
}

// losingStore is a store whose leases are losingLeases.
type losingStore struct {
	store.Store
	leases *losingLeases
}

func (s *losingStore) Leases() store.Leases { return s.leases }

// TestQueueLeaseGuardsEachSend: a worker whose queue lease is lost never
// sends the next event (the lease is checked just before each send), and
// a send in flight when the lease is lost is canceled; neither counts as
// an attempt, and the events stay pending for the new holder.
func TestQueueLeaseGuardsEachSend(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		// loseAt: "before" loses the lease before the worker starts
		// sending; "during" once the receiver has the first request.
		loseAt string
	}{
		"lost before the send": {loseAt: "before"},
		"lost during the send": {loseAt: "during"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base := newStore(t)
			st := &losingStore{Store: base, leases: &losingLeases{Leases: base.Leases()}}
			var mu sync.Mutex
			var got []string
			canceled := make(chan struct{}, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body) // so that the server notices the client leaving
				mu.Lock()
				got = append(got, r.Header.Get("Request-Id"))
				mu.Unlock()
				if tc.loseAt == "during" {
					st.leases.lost.Store(true)
					select {
					case <-r.Context().Done():
						canceled <- struct{}{}
						return
					case <-time.After(10 * time.Second):
					}
				}
				w.WriteHeader(http.StatusOK)
			}))
			t.Cleanup(srv.Close)
			now := time.Now()
			e1, e2 := newEvent("evt_1", testTarget, "ord_1", now), newEvent("evt_2", testTarget, "ord_1", now)
			put(t, base, e1, e2)
			pending := list(t, base, model.EventPending)
			d := New(Options{Store: st, Targets: []Target{target(srv.URL)}, Logger: slog.New(slog.DiscardHandler),
				Client: NewClient(ClientOptions{Timeout: 20 * time.Second, AllowPrivateNetworks: true})})
			// Renewals every 100 ms: a lost lease is noticed mid-send.
			d.queueLease = 300 * time.Millisecond
			if tc.loseAt == "before" {
				st.leases.lost.Store(true)
			}
			q := &queue{key: e1.QueueKey(), orderID: "ord_1", seqs: []uint64{pending[0].Seq, pending[1].Seq}}
			d.work(context.Background(), q)
			mu.Lock()
			sent := append([]string(nil), got...)
			mu.Unlock()
			switch tc.loseAt {
			case "before":
				if len(sent) != 0 {
					t.Fatalf("sent %v with the lease lost, want nothing", sent)
				}
			case "during":
				if len(sent) != 1 || sent[0] != "evt_1" {
					t.Fatalf("sent %v, want evt_1 only", sent)
				}
				select {
				case <-canceled:
				case <-time.After(5 * time.Second):
					t.Fatal("the send in flight was not canceled when the lease was lost")
				}
			}
			left := list(t, base, model.EventPending)
			if len(left) != 2 || left[0].Attempts != 0 {
				t.Fatalf("pending = %d events (first with %d attempts), want both, no attempt counted", len(left), left[0].Attempts)
			}
		})
	}
}
