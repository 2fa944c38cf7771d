package feed

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/feedtest"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// start runs p until the test ends or stop is called.
func start(t *testing.T, p *Publisher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// runOptions make rounds and retries quick.
func (e *env) runOptions() {
	e.opts.Delay = 10 * time.Millisecond
	e.opts.InitialBackoff, e.opts.MaxBackoff = 5*time.Millisecond, 40*time.Millisecond
	e.opts.Timeout, e.opts.LeaseTTL = 5*time.Second, 12*time.Second
	e.opts.BatchSize = 3
}

// version is the change number a test product's title carries.
func version(title string) int {
	n, _ := strconv.Atoi(title[strings.LastIndex(title, "v")+1:])
	return n
}

// converged reports whether the platform's feed shows every product of
// the catalog at its version.
func (e *env) converged(feedID string) bool {
	if feedID == "" {
		return false
	}
	onPlatform := e.srv.Products(feedID)
	products := e.listing.Products()
	if len(onPlatform) != len(products) {
		return false
	}
	for id, p := range products {
		body, ok := onPlatform[id]
		if !ok || decode(e.t, body).Title != p.Title {
			return false
		}
	}
	return true
}

// lookup returns the target's record, nil when there is none (yet).
func (e *env) lookup() *model.FeedTarget {
	rec, err := store.Read(context.Background(), e.st, func(r store.Reader) (*model.FeedTarget, error) { return r.FeedTarget(targetName) })
	if err != nil {
		return nil
	}
	return rec
}

// feedID returns the target's feed id, "" when there is none (yet).
func (e *env) feedID() string {
	if rec := e.lookup(); rec != nil {
		return rec.FeedID
	}
	return ""
}

// checkSentOnce checks the accepted upserts: each body of a product
// accepted once, and a product's versions accepted in the order the
// catalog had them.
func (e *env) checkSentOnce() {
	e.t.Helper()
	seen := map[string]bool{}
	last := map[string]int{}
	for _, s := range e.srv.Accepted() {
		key := s.ID + " " + string(s.Body)
		if seen[key] {
			e.t.Errorf("product %s accepted twice as %s", s.ID, decode(e.t, s.Body).Title)
		}
		seen[key] = true
		v := version(decode(e.t, s.Body).Title)
		if v < last[s.ID] {
			e.t.Errorf("product %s: version %d accepted after version %d", s.ID, v, last[s.ID])
		}
		last[s.ID] = v
	}
}

// editAll changes every product's title to version v.
func (e *env) editAll(v int) {
	for _, id := range []string{"p01", "p02", "p03", "p04", "p05", "p06", "p07"} {
		e.listing.Edit(id, func(p *catalog.Product) { p.Title = fmt.Sprintf("Product %s v%d", id, v) })
	}
}

// TestOutage: while the platform refuses connections, then answers 503,
// the catalog goes on changing; once the platform is back, nothing is
// lost: its feed shows the catalog, each product's versions arrived in
// order, and none twice.
func TestOutage(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(7)...)
		e.runOptions()
		e.editAll(1)
		e.srv.SetMode(feedtest.Refusing)
		start(t, e.publisher())
		testkit.Eventually(t, 10*time.Second, "a failure to be recorded", func() bool {
			rec := e.lookup()
			return rec != nil && rec.Failures > 0
		})
		e.editAll(2)
		e.srv.SetMode(feedtest.Unavailable)
		testkit.Eventually(t, 10*time.Second, "503 answers", func() bool { return e.srv.Requests() > 3 })
		e.editAll(3)
		e.srv.SetMode(feedtest.Serving)
		for v := 4; v < 10; v++ {
			e.editAll(v)
			time.Sleep(3 * time.Millisecond)
		}
		testkit.Eventually(t, 20*time.Second, "the platform to show the catalog", func() bool { return e.converged(e.feedID()) })
		e.checkSentOnce()
		testkit.Eventually(t, 10*time.Second, "the record to settle", func() bool {
			rec := e.record(targetName)
			return rec.Pending == 0 && rec.Failures == 0 && rec.LastError == ""
		})
	})
}

// TestReplicas: two publishers (two processes) share one store: one
// publishes at a time, each change is sent once, and when the one
// publishing stops the other takes over.
func TestReplicas(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(t *testing.T) (store.Store, store.Store){
		"badger": func(t *testing.T) (store.Store, store.Store) {
			st := newStore(t)
			return st, st
		},
		"postgres": openPostgresPair,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a, b := open(t)
			e := newEnv(t, a, products(7)...)
			e.runOptions()
			pa := e.publisher()
			e.opts.Store = b
			pb := e.publisher()
			stopA := start(t, pa)
			stopB := start(t, pb)
			for v := 1; v < 8; v++ {
				e.editAll(v)
				time.Sleep(5 * time.Millisecond)
				if pa.targets[0].publishing.Load() && pb.targets[0].publishing.Load() {
					t.Error("both publishers publish at once")
				}
			}
			testkit.Eventually(t, 20*time.Second, "the platform to show the catalog", func() bool { return e.converged(e.feedID()) })
			e.checkSentOnce()
			if n := len(e.srv.Feeds()); n != 1 {
				t.Errorf("%d feeds created, want 1", n)
			}

			// The publishing one stops; the other takes over.
			first, other := stopA, pb
			if pb.targets[0].publishing.Load() {
				first, other = stopB, pa
			}
			first()
			e.editAll(20)
			testkit.Eventually(t, 20*time.Second, "the other publisher to take over", func() bool {
				return other.targets[0].publishing.Load() && e.converged(e.feedID())
			})
		})
	}
}

// openPostgresPair opens two stores on one fresh database, as two
// replicas would.
func openPostgresPair(t *testing.T) (store.Store, store.Store) {
	dsn := pgtest.DSN(t)
	return openPostgres(t, dsn), openPostgres(t, dsn)
}

// TestRunOnce: a publisher runs once; a second Run returns an error at
// once, and the first goes on.
func TestRunOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(2)...)
	e.runOptions()
	p := e.publisher()
	start(t, p)
	testkit.Eventually(t, 10*time.Second, "the platform to show the catalog", func() bool { return e.converged(e.feedID()) })
	// A canceled context, so that a wrong Run ends too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Run(ctx); err == nil || !strings.Contains(err.Error(), "runs once") {
		t.Errorf("a second Run = %v, want an error", err)
	}
	e.listing.Edit("p01", func(p *catalog.Product) { p.Title = "Product p01 v1" })
	testkit.Eventually(t, 10*time.Second, "the first Run to go on publishing", func() bool { return e.converged(e.feedID()) })
}

// TestPanickingRound: a round that panics (here in the listing) does not
// take the process down: it is logged at Error with its stack, counted,
// recorded on the target with a next attempt after a back-off, and once
// the bug is gone the target publishes as usual.
func TestPanickingRound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(3)...)
	e.runOptions()
	reg := prometheus.NewRegistry()
	e.opts.Metrics = NewMetrics(reg)
	e.listing.Mu.Lock()
	e.listing.Panicking = true
	e.listing.Mu.Unlock()
	start(t, e.publisher())
	testkit.Eventually(t, 10*time.Second, "panicking rounds counted and recorded", func() bool {
		rec := e.lookup()
		return metric(t, reg, "panics", targetName) >= 2 && rec != nil && rec.LastError == errPanicked.Error() && rec.Failures >= 1 && !rec.NextAttemptAt.IsZero()
	})
	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"ERROR","msg":"publishing the feed target panicked (a bug); it starts afresh after a back-off"`) ||
		!strings.Contains(logs, `"panic":"a bug in the listing"`) || !strings.Contains(logs, "runtime/debug.Stack") {
		t.Errorf("the log does not show the panic with its stack:\n%s", logs)
	}

	e.listing.Mu.Lock()
	e.listing.Panicking = false
	e.listing.Mu.Unlock()
	testkit.Eventually(t, 10*time.Second, "the platform to show the catalog", func() bool { return e.converged(e.feedID()) })
	testkit.Eventually(t, 10*time.Second, "the record to settle", func() bool {
		rec := e.record(targetName)
		return rec.Pending == 0 && rec.Failures == 0 && rec.LastError == ""
	})
}
