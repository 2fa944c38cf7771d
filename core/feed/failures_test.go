package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/internal/feedtest"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// newMemoryStore opens an in-memory Badger store: the one whose
// transactions take the least (about 2.4 MB).
func newMemoryStore(t *testing.T) store.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// bigProduct is a product whose body is about size bytes that do not
// compress (the store compresses what it can).
func bigProduct(id string, size int) catalog.Product {
	p := product(id, 1000)
	r := rand.New(rand.NewPCG(uint64(size), uint64(len(id))))
	text := make([]byte, size)
	for i := range text {
		text[i] = byte('a' + r.IntN(26))
	}
	p.Description.Plain += string(text)
	return p
}

// bigBodies gives requests of megabytes, checked against the schema
// (slow under the race detector), the time they take.
func (e *env) bigBodies() {
	e.opts.Timeout, e.opts.LeaseTTL = time.Minute, 3*time.Minute
}

// later makes p's clock run hours ahead, a step further at each call,
// so that every back-off ends.
func later(p *Publisher) {
	ahead := time.Until(p.now()) + 2*time.Hour
	p.now = func() time.Time { return time.Now().Add(ahead) }
}

// TestRecordFailureBacksOff: products the platform accepted that the
// store cannot record (a record too large for it) are sent again only
// after the back-off, not at every round; the status keeps the store's
// error short.
func TestRecordFailureBacksOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newMemoryStore(t), bigProduct("p01", 800<<10))
	e.bigBodies()
	p := e.publisher()
	start := time.Now()
	round(p)
	if len(e.srv.Accepted()) != 1 {
		t.Fatalf("sent %v, want p01", e.sentIDs(0))
	}
	rec := e.record(targetName)
	if rec.Failures != 1 || rec.NextAttemptAt.Before(start.Add(30*time.Minute)) || !strings.Contains(rec.LastError, "recording products") || len(e.accepted(targetName)) != 0 {
		t.Fatalf("record = %+v", rec)
	}
	// The store's error goes on with a hex dump of the record, which the
	// status does not keep.
	if strings.Contains(rec.LastError, "\n") || len(rec.LastError) > maxErrorText+len(" …") || !strings.HasSuffix(rec.LastError, " …") {
		t.Errorf("LastError = %q, want the first line of the error", rec.LastError)
	}
	requests := e.srv.Requests()
	round(p)
	round(p)
	if got := e.srv.Requests() - requests; got != 0 {
		t.Errorf("%d requests before the back-off ended", got)
	}
	later(p)
	round(p)
	if got := e.srv.Requests() - requests; got != 1 {
		t.Errorf("%d requests once the back-off ended, want 1", got)
	}
	if rec := e.record(targetName); rec.Failures != 2 {
		t.Errorf("failures = %d, want 2", rec.Failures)
	}
}

// TestRecordsInChunks: a batch whose bodies together are more than one
// transaction of the store takes is recorded in several.
func TestRecordsInChunks(t *testing.T) {
	t.Parallel()
	var catalogProducts []catalog.Product
	for i := 1; i <= 5; i++ {
		catalogProducts = append(catalogProducts, bigProduct(fmt.Sprintf("p%02d", i), 400<<10))
	}
	e := newEnv(t, newMemoryStore(t), catalogProducts...)
	e.bigBodies()
	p := e.publisher()
	round(p)
	if n := len(e.srv.Upserts()); n != 1 {
		t.Errorf("%d upserts, want one batch", n)
	}
	if n := len(e.accepted(targetName)); n != 5 {
		t.Errorf("%d products recorded, want 5", n)
	}
	if rec := e.record(targetName); rec.Failures != 0 || rec.Pending != 0 || rec.LastError != "" {
		t.Errorf("record = %+v", rec)
	}
}

// TestChunks: chunks of at most recordPage products and recordBytes of
// bodies, a larger body alone.
func TestChunks(t *testing.T) {
	t.Parallel()
	items := func(n, size int) []item {
		out := make([]item, n)
		for i := range out {
			out[i].body = make([]byte, size)
		}
		return out
	}
	tests := []struct {
		name  string
		batch []item
		want  []int
	}{
		{"none", nil, nil},
		{"one", items(1, 10), []int{1}},
		{"by count", items(1200, 10), []int{500, 500, 200}},
		{"by size", items(5, 400<<10), []int{2, 2, 1}},
		{"a body over the bound", append(items(1, 10), items(2, recordBytes+1)...), []int{1, 1, 1}},
	}
	for _, tc := range tests {
		var got []int
		for _, c := range chunks(tc.batch) {
			got = append(got, len(c))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: chunks of %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestServerErrorsIsolateAProduct: a product the platform always fails
// (500) holds its batch back isolateAfter times; then the batch is split
// until the product is alone, the others go out, and the product is
// retried alone after a back-off of its own until the platform takes it.
func TestServerErrorsIsolateAProduct(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(7)...)
		e.srv.Refuse(500, "p05")
		p := e.publisher()
		for range isolateAfter - 1 {
			round(p)
			later(p)
		}
		if n := len(e.srv.Accepted()); n != 0 {
			t.Fatalf("%d products accepted before the isolation", n)
		}
		round(p)
		acc := e.accepted(targetName)
		if len(acc) != 6 || acc["p05"] != nil {
			t.Fatalf("accepted %d products (p05: %v), want every one but p05", len(acc), acc["p05"])
		}
		rec := e.record(targetName)
		if rec.Failures != 0 || rec.Pending != 0 || rec.LastStatus != 500 || !strings.Contains(rec.LastError, "fails 1 product") {
			t.Errorf("record = %+v", rec)
		}

		requests := e.srv.Requests()
		round(p)
		if got := e.srv.Requests() - requests; got != 0 {
			t.Errorf("%d requests before p05's back-off ended", got)
		}
		later(p)
		round(p)
		last := e.srv.Upserts()[len(e.srv.Upserts())-1]
		if got := e.srv.Requests() - requests; got != 1 || !slices.Equal(last.IDs, []string{"p05"}) {
			t.Errorf("after its back-off: %d requests, the last %v; want p05 alone", got, last.IDs)
		}

		e.srv.Refuse(0, "p05")
		later(p)
		round(p)
		if acc := e.accepted(targetName); len(acc) != 7 {
			t.Errorf("%d products accepted once the platform takes p05, want 7", len(acc))
		}
		if rec := e.record(targetName); rec.LastError != "" || rec.LastStatus != 0 {
			t.Errorf("record = %+v", rec)
		}
	})
}

// TestOutageIsNotAProduct: while the platform fails every request, no
// product is set aside, however often its batch fails: the target backs
// off as a whole, and everything goes out once the platform is back.
func TestOutageIsNotAProduct(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(7)...)
	p := e.publisher()
	round(p)
	for _, id := range []string{"p01", "p04", "p07"} {
		e.listing.Edit(id, func(p *catalog.Product) { p.Title = "Changed" })
	}
	e.srv.SetMode(feedtest.Unavailable)
	for range isolateAfter + 2 {
		later(p)
		round(p)
	}
	rec := e.record(targetName)
	if rec.Failures != isolateAfter+2 || rec.LastStatus != 503 || len(p.targets[0].s.waiting) != 0 {
		t.Errorf("record = %+v, %d products set aside", rec, len(p.targets[0].s.waiting))
	}
	e.srv.SetMode(feedtest.Serving)
	before := len(e.srv.Accepted())
	later(p)
	round(p)
	if got := e.sentIDs(before); !slices.Equal(got, []string{"p01", "p04", "p07"}) {
		t.Errorf("sent %v once the platform was back", got)
	}
}

// TestNoFeedWithoutProducts: a target with nothing to send gets no feed.
// A filter that keeps none of the products the catalog lists is logged
// at Warn once, named in the status, until it keeps some again.
func TestNoFeedWithoutProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(2)...)
	e.opts.Targets[0].Filter = Filter{ProductIDs: []string{"none"}}
	p := e.publisher()
	round(p)
	round(p)
	const warning = "filter keeps none of the catalog's products"
	if rec := e.record(targetName); e.srv.Requests() != 0 || rec.FeedID != "" || !strings.Contains(rec.LastError, "the filter (product_ids none) keeps none") {
		t.Errorf("%d requests; record %+v", e.srv.Requests(), rec)
	}
	if n := strings.Count(e.logs.String(), warning); n != 1 {
		t.Errorf("the warning is logged %d times, want once:\n%s", n, e.logs)
	}
	e.listing.Set(product("none", 1000))
	round(p)
	if rec := e.record(targetName); rec.LastError != "" || len(e.srv.Accepted()) != 1 {
		t.Errorf("record %+v once the filter keeps a product; sent %v", rec, e.sentIDs(0))
	}
}

// feedIDFailure is a store whose first write of a feed target with a
// feed id fails.
type feedIDFailure struct {
	store.Store
	failed atomic.Bool
}

func (s *feedIDFailure) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(&feedIDFailureTx{Tx: tx, s: s}) })
}

type feedIDFailureTx struct {
	store.Tx
	s *feedIDFailure
}

func (tx *feedIDFailureTx) PutFeedTarget(rec *model.FeedTarget) error {
	if rec.FeedID != "" && tx.s.failed.CompareAndSwap(false, true) {
		return errors.New("the disk is full")
	}
	return tx.Tx.PutFeedTarget(rec)
}

// TestFeedIDRecordedBeforeAnother: when the new feed's id cannot be
// recorded, the next round records it rather than creating another.
func TestFeedIDRecordedBeforeAnother(t *testing.T) {
	t.Parallel()
	st := &feedIDFailure{Store: newStore(t)}
	e := newEnv(t, st, products(2)...)
	p := e.publisher()
	round(p)
	rec := e.record(targetName)
	if !st.failed.Load() || rec.FeedID != "" || rec.Failures != 1 || len(e.srv.Feeds()) != 1 || len(e.srv.Upserts()) != 0 {
		t.Fatalf("after the failure: record %+v, feeds %v", rec, e.srv.Feeds())
	}
	later(p)
	round(p)
	feeds := e.srv.Feeds()
	if rec := e.record(targetName); len(feeds) != 1 || rec.FeedID != feeds[0] || len(e.srv.Products(feeds[0])) != 2 {
		t.Errorf("feeds %v, record %+v", feeds, rec)
	}
}

// TestBrief: an error's text kept in a status or a log line is its first
// line, at most maxErrorText bytes, cut on a rune boundary.
func TestBrief(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxErrorText) // two bytes each
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{"value too large. Value:\n00000000  7b 22 69 64 22", "value too large. Value: …"},
		{long, long[:maxErrorText] + " …"},
		{"x" + long, "x" + long[:maxErrorText-2] + " …"},
	} {
		if got := brief(tc.in); got != tc.want {
			t.Errorf("brief(%.40q) = %.60q, want %.60q", tc.in, got, tc.want)
		}
	}
	if got, want := clip("x"+long, maxPlatformMessage), "x"+long[:maxPlatformMessage-2]+" …"; got != want {
		t.Errorf("clip to %d = %.60q, want %.60q", maxPlatformMessage, got, want)
	}
}
