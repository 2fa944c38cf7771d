package feed

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestTakeoverSendsNothingStale: B publishes v1, then loses the lease;
// A takes it over and publishes v2 (a new title, a variant out of
// stock); B takes the lease again. B publishes from a catalog read after
// it took the lease, against what the store says was accepted: it sends
// nothing, and above all not v1 after v2.
func TestTakeoverSendsNothingStale(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(3)...)
		// Each publisher would keep its snapshot all along.
		e.opts.Delay = time.Hour
		setStock(t, st, "p01-a", 1)
		edit := func(v int) {
			for _, id := range []string{"p01", "p02", "p03"} {
				e.listing.Edit(id, func(p *catalog.Product) { p.Title = fmt.Sprintf("Product %s v%d", id, v) })
			}
		}
		edit(1)
		b, a := e.publisher(), e.publisher()
		round(b)
		stopAll(b)

		edit(2)
		reserve(t, st, "p01-a", 1)
		round(a)
		if !a.targets[0].publishing.Load() || len(e.srv.Accepted()) != 6 {
			t.Fatalf("A did not take over and publish v2: %v", e.sentIDs(0))
		}
		stopAll(a)

		requests := e.srv.Requests()
		round(b)
		if !b.targets[0].publishing.Load() {
			t.Fatal("B did not take the lease again")
		}
		e.checkSentOnce()
		if got := e.srv.Requests() - requests; got != 0 {
			t.Errorf("B made %d requests after taking the lease again, want none", got)
		}
		onPlatform := e.srv.Products(e.feedID())
		if v := version(decode(t, onPlatform["p02"]).Title); v != 2 {
			t.Errorf("the platform shows p02 v%d, want v2", v)
		}
		if got := variants(t, onPlatform["p01"]); got != "p01-a=out_of_stock" {
			t.Errorf("the platform shows p01 as %s, want out of stock", got)
		}
	})
}

// TestRequestDeadline: a request ends a margin before the lease, renewed
// just before it, could lapse.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(1)...)
	e.opts.Timeout, e.opts.LeaseTTL = time.Second, 40*time.Second
	p := e.publisher()
	round(p)
	before := time.Now()
	ctx, cancel, err := p.targets[0].request(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	deadline, ok := ctx.Deadline()
	if !ok || deadline.Before(before.Add(30*time.Second)) || deadline.After(time.Now().Add(30*time.Second)) {
		t.Errorf("deadline %v after the renewal, want 30s (the lease's 40s less a quarter)", deadline.Sub(before))
	}
	stopAll(p)
	if ctx.Err() == nil {
		t.Error("the request goes on after the lease was given up")
	}
}
