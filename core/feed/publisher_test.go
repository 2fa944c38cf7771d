package feed

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/feedwire"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/feedtest"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestFullPublishThenNothing: the first round creates the feed and sends
// every product, in batches by id; the records say what the platform
// holds; a second round, and a restart, send nothing.
func TestFullPublishThenNothing(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(5)...)
		e.opts.BatchSize = 2
		first := e.publisher()
		round(first)

		feeds := e.srv.Feeds()
		if len(feeds) != 1 {
			t.Fatalf("feeds = %v, want one", feeds)
		}
		ups := e.srv.Upserts()
		var batches [][]string
		for _, u := range ups {
			batches = append(batches, u.IDs)
		}
		if diff := cmp.Diff([][]string{{"p01", "p02"}, {"p03", "p04"}, {"p05"}}, batches); diff != "" {
			t.Errorf("upserts (-want +got):\n%s", diff)
		}
		rec := e.record(targetName)
		if rec.FeedID != feeds[0] || rec.URL != e.srv.URL() || rec.Pending != 0 || rec.Failures != 0 || rec.LastError != "" || rec.LastPublishAt.IsZero() || rec.Fingerprint == "" {
			t.Errorf("record = %+v", rec)
		}
		acc := e.accepted(targetName)
		onPlatform := e.srv.Products(feeds[0])
		if len(acc) != 5 || len(onPlatform) != 5 {
			t.Fatalf("%d records, %d on the platform; want 5", len(acc), len(onPlatform))
		}
		for i, u := range ups {
			for _, id := range u.IDs {
				fp := acc[id]
				if string(fp.Body) != string(onPlatform[id]) || fp.Hash != feedwire.Hash(fp.Body) || fp.Removed || fp.FeedUpdateID != ups[i].FeedUpdateID {
					t.Errorf("record of %s = %+v, want the body on the platform and feed_update_id %s", id, fp, ups[i].FeedUpdateID)
				}
			}
		}

		requests := e.srv.Requests()
		round(first)
		// A restart: the first publisher stops, giving its lease up; the
		// next takes it and reads what the store says was accepted.
		stopAll(first)
		p := e.publisher()
		round(p)
		round(p)
		if !p.targets[0].publishing.Load() {
			t.Fatal("the restarted publisher does not publish")
		}
		if got := e.srv.Requests(); got != requests {
			t.Errorf("an unchanged catalog made %d more requests", got-requests)
		}
		if again := e.record(targetName); again.Fingerprint != rec.Fingerprint || !again.UpdatedAt.Equal(rec.UpdatedAt) {
			t.Errorf("the record changed without a change: %+v", again)
		}
	})
}

// TestChanges: each change of what a product shows sends that product
// once, whole; changes that cancel out within one round send nothing.
func TestChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// change changes the catalog or the stock between two rounds.
		change func(e *env)
		// want is the product sent and its variants' statuses, or
		// nothing.
		want, variants string
		price          int64
	}{
		{name: "a price change", change: func(e *env) {
			e.listing.Edit("p02", func(p *catalog.Product) { p.Variants[0].Item.UnitPrice = 1999 })
		}, want: "p02", variants: "p02-a=in_stock,p02-b=in_stock", price: 1999},
		{name: "a title change", change: func(e *env) {
			e.listing.Edit("p01", func(p *catalog.Product) { p.Title = "New title" })
		}, want: "p01", variants: "p01-a=in_stock"},
		{name: "stock reserved to zero", change: func(e *env) { reserve(e.t, e.st, "p02-b", 3) },
			want: "p02", variants: "p02-a=in_stock,p02-b=out_of_stock", price: 1002},
		{name: "stock reserved to zero and back within one round", change: func(e *env) {
			reserve(e.t, e.st, "p02-b", 3)
			reserve(e.t, e.st, "p02-b", -3)
		}},
		{name: "stock sold out", change: func(e *env) { setStock(e.t, e.st, "p02-b", 0) },
			want: "p02", variants: "p02-a=in_stock,p02-b=out_of_stock", price: 1002},
		{name: "a sale leaving stock", change: func(e *env) { reserve(e.t, e.st, "p02-b", 1) }},
		{name: "a catalog edit undone", change: func(e *env) {
			before := e.listing.Get("p03")
			e.listing.Edit("p03", func(p *catalog.Product) { p.Title = "Briefly" })
			e.listing.Set(before)
		}},
		{name: "the catalog's own stock to zero", change: func(e *env) {
			e.listing.Edit("p03", func(p *catalog.Product) { p.Variants[0].Item.Available = ptr[int64](0) })
		}, want: "p03", variants: "p03-a=out_of_stock"},
		{name: "discontinued by the catalog", change: func(e *env) {
			e.listing.Edit("p01", func(p *catalog.Product) { p.Variants[0].Status = catalog.StatusDiscontinued })
		}, want: "p01", variants: "p01-a=discontinued"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachStore(t, func(t *testing.T, st store.Store) {
				e := newEnv(t, st, product("p01", 1001), product("p02", 1002, "a", "b"), product("p03", 1003))
				setStock(t, st, "p02-b", 3)
				p := e.publisher()
				round(p)
				before := len(e.srv.Accepted())
				tc.change(e)
				round(p)
				round(p)
				sent := e.srv.Accepted()[before:]
				if tc.want == "" {
					if len(sent) != 0 {
						t.Fatalf("sent %v, want nothing", e.sentIDs(before))
					}
					return
				}
				if len(sent) != 1 || sent[0].ID != tc.want {
					t.Fatalf("sent %v, want %s once", e.sentIDs(before), tc.want)
				}
				if got := variants(t, sent[0].Body); got != tc.variants {
					t.Errorf("variants = %s, want %s", got, tc.variants)
				}
				if tc.price != 0 {
					if got := decode(t, sent[0].Body).Variants[0].Price.Amount; got != tc.price {
						t.Errorf("price = %d, want %d", got, tc.price)
					}
				}
			})
		})
	}
}

// TestStockComesBack: a variant out of stock comes back in stock, each
// sent once.
func TestStockComesBack(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, product("p01", 1000))
		setStock(t, st, "p01-a", 1)
		p := e.publisher()
		round(p)
		reserve(t, st, "p01-a", 1)
		round(p)
		reserve(t, st, "p01-a", -1)
		round(p)
		round(p)
		var got []string
		for _, s := range e.srv.Accepted() {
			got = append(got, variants(t, s.Body))
		}
		if diff := cmp.Diff([]string{"p01-a=in_stock", "p01-a=out_of_stock", "p01-a=in_stock"}, got); diff != "" {
			t.Errorf("sent (-want +got):\n%s", diff)
		}
	})
}

// TestRemoval: a product no longer listed, or no longer kept by the
// filter, is sent discontinued and recorded as removed, once; a variant
// a product no longer has stays in it, discontinued; a product coming
// back is sent as it is.
func TestRemoval(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, product("p01", 1001, "a", "b"), product("p02", 1002), product("p03", 1003))
		p := e.publisher()
		round(p)
		before := len(e.srv.Accepted())

		e.listing.Remove("p02")
		e.listing.Edit("p01", func(p *catalog.Product) { p.Variants = p.Variants[1:] })
		round(p)
		round(p)
		sent := e.srv.Accepted()[before:]
		if got := e.sentIDs(before); !slices.Equal(got, []string{"p01", "p02"}) {
			t.Fatalf("sent %v, want p01 and p02 once", got)
		}
		if got := variants(t, sent[0].Body); got != "p01-b=in_stock,p01-a=discontinued" {
			t.Errorf("p01 variants = %s", got)
		}
		if got := variants(t, sent[1].Body); got != "p02-a=discontinued" {
			t.Errorf("p02 variants = %s", got)
		}
		if d := decode(t, sent[1].Body); d.Title != "Product p02" || d.Variants[0].Price.Amount != 1002 {
			t.Errorf("the tombstone lost the product's content: %s", sent[1].Body)
		}
		acc := e.accepted(targetName)
		if !acc["p02"].Removed || acc["p01"].Removed {
			t.Errorf("removed = p01 %v, p02 %v; want p02 only", acc["p01"].Removed, acc["p02"].Removed)
		}

		// Dropped by the filter: the same as removed.
		before = len(e.srv.Accepted())
		e.opts.Targets[0].Filter = Filter{ExcludeProductIDs: []string{"p03"}}
		p2 := e.publisher()
		stopAll(p)
		round(p2)
		if got := e.sentIDs(before); !slices.Equal(got, []string{"p03"}) {
			t.Fatalf("sent %v, want p03", got)
		}

		// Back in the catalog.
		before = len(e.srv.Accepted())
		e.listing.Set(product("p02", 1500))
		round(p2)
		sent = e.srv.Accepted()[before:]
		if len(sent) != 1 || variants(t, sent[0].Body) != "p02-a=in_stock" {
			t.Fatalf("sent %v, want p02 in stock", e.sentIDs(before))
		}
		if e.accepted(targetName)["p02"].Removed {
			t.Error("p02 is still recorded as removed")
		}
	})
}

// TestRestartKeepsGoneVariants: what the platform accepted is read back
// from the store after a restart: a product whose gone variant it keeps
// is not sent again, and a product removed later is sent discontinued
// whole, gone variant included.
func TestRestartKeepsGoneVariants(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, product("p01", 1001, "a", "b"), product("p02", 1002))
		p := e.publisher()
		round(p)
		e.listing.Edit("p01", func(p *catalog.Product) { p.Variants = p.Variants[1:] })
		round(p)
		stopAll(p)

		requests := e.srv.Requests()
		p = e.publisher()
		round(p)
		if got := e.srv.Requests() - requests; got != 0 {
			t.Errorf("%d requests after the restart, want none", got)
		}
		before := len(e.srv.Accepted())
		e.listing.Remove("p01")
		round(p)
		sent := e.srv.Accepted()[before:]
		if len(sent) != 1 || variants(t, sent[0].Body) != "p01-b=discontinued,p01-a=discontinued" {
			t.Errorf("sent %v, want p01 discontinued with both variants", e.sentIDs(before))
		}
	})
}

// TestJustBefore: a bound for FeedProducts' after that sorts before the
// id, valid text for either store.
func TestJustBefore(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"p05", "a", "\x01", "ab\x01", "p0", "caf\u00e9", "x\u0080", "\u00e9", "\U0001F600", "sku-z"} {
		got := justBefore(id)
		if got >= id || !utf8.ValidString(got) || strings.ContainsRune(got, 0) {
			t.Errorf("justBefore(%q) = %q", id, got)
		}
	}
}

// TestFilter: a target gets the products its filter keeps.
func TestFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter Filter
		want   []string
	}{
		{Filter{}, []string{"p01", "p02", "p03", "p04"}},
		{Filter{Categories: []string{"cat-p02", "cat-p04", "none"}}, []string{"p02", "p04"}},
		{Filter{ProductIDs: []string{"p01", "p03"}}, []string{"p01", "p03"}},
		{Filter{ProductIDs: []string{"p01", "p03"}, ExcludeProductIDs: []string{"p03"}}, []string{"p01"}},
		{Filter{ExcludeProductIDs: []string{"p03"}}, []string{"p01", "p02", "p04"}},
	}
	for _, tc := range tests {
		e := newEnv(t, newStore(t), products(4)...)
		e.opts.Targets[0].Filter = tc.filter
		round(e.publisher())
		if got := e.sentIDs(0); !slices.Equal(got, tc.want) {
			t.Errorf("filter %+v: sent %v, want %v", tc.filter, got, tc.want)
		}
	}
}

// TestRefusedProducts: a batch the platform refuses (400, 413 or 422)
// is split until the refused product is alone; the others are accepted;
// the refused one is not sent again until it changes, and the record
// says so.
func TestRefusedProducts(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 413, 422} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			eachStore(t, func(t *testing.T, st store.Store) {
				e := newEnv(t, st, products(7)...)
				e.srv.Refuse(status, "p05")
				p := e.publisher()
				round(p)
				acc := e.accepted(targetName)
				if len(acc) != 6 || acc["p05"] != nil {
					t.Errorf("accepted %d products (p05: %v), want every one but p05", len(acc), acc["p05"])
				}
				rec := e.record(targetName)
				if rec.LastStatus != status || !strings.Contains(rec.LastError, "1 product") || rec.Failures != 0 || rec.Pending != 0 {
					t.Errorf("record = %+v", rec)
				}
				var sentP05 int
				for _, u := range e.srv.Upserts() {
					if slices.Contains(u.IDs, "p05") {
						sentP05++
					}
				}
				requests := e.srv.Requests()
				round(p)
				if e.srv.Requests() != requests {
					t.Errorf("the refused product was sent again unchanged")
				}
				list, err := p.Status(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if list[0].Refused != 1 || !slices.Equal(list[0].RefusedIDs, []string{"p05"}) {
					t.Errorf("status = %d refused %v, want p05", list[0].Refused, list[0].RefusedIDs)
				}
				if logs := e.logs.String(); !strings.Contains(logs, `"msg":"sent products to the feed platform","target":"chatgpt","products":7,"accepted":6,"refused":1}`) {
					t.Errorf("no round's log line counts 7 products sent, 6 accepted, 1 refused:\n%s", logs)
				}
				if logs := e.logs.String(); !strings.Contains(logs, `"message":"product p05 is refused"`) {
					t.Errorf("the refusal's log line lacks the platform's message:\n%s", logs)
				}
				e.listing.Edit("p05", func(p *catalog.Product) { p.Title = "Fixed" })
				round(p)
				last := e.srv.Upserts()[len(e.srv.Upserts())-1]
				if !slices.Equal(last.IDs, []string{"p05"}) || last.Status != status {
					t.Errorf("after its change p05 was not sent alone again: %+v", last)
				}
				if sentP05 < 2 {
					t.Errorf("p05 was sent %d times in the first round, want its batch and itself alone", sentP05)
				}
			})
		})
	}
}

// TestRefusalIsNotForever: a refusal stands only while the platform has
// something other than what the product should be, and until its
// back-off ends. A product refused in stock, then out of stock again
// (what the platform has: nothing sent), then in stock again is sent;
// a body refused again is sent again once the back-off ends, so that a
// fix on the platform's side is picked up.
func TestRefusalIsNotForever(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, product("p01", 1000))
		setStock(t, st, "p01-a", 0)
		p := e.publisher()
		shows := func(want string) {
			t.Helper()
			if got := variants(t, e.srv.Products(e.record(targetName).FeedID)["p01"]); got != want {
				t.Errorf("the platform shows %s, want %s", got, want)
			}
		}
		round(p)
		shows("p01-a=out_of_stock")

		e.srv.Refuse(422, "p01")
		setStock(t, st, "p01-a", 5)
		round(p)
		shows("p01-a=out_of_stock")
		if last := e.srv.Upserts()[len(e.srv.Upserts())-1]; last.Status != 422 {
			t.Fatalf("the in-stock body was not refused: %+v", last)
		}

		setStock(t, st, "p01-a", 0)
		requests := e.srv.Requests()
		round(p)
		if e.srv.Requests() != requests {
			t.Errorf("the body the platform has was sent again")
		}
		if rec := e.record(targetName); rec.LastError != "" || rec.LastStatus != 0 {
			t.Errorf("the refusal is still noted: %q (HTTP %d)", rec.LastError, rec.LastStatus)
		}

		e.srv.Refuse(0, "p01")
		setStock(t, st, "p01-a", 5)
		round(p)
		shows("p01-a=in_stock")

		// Refused again, then fixed on the platform's side: sent again
		// once the back-off ended, not before.
		e.srv.Refuse(400, "p01")
		e.listing.Edit("p01", func(p *catalog.Product) { p.Title = "Renamed" })
		round(p)
		if last := e.srv.Upserts()[len(e.srv.Upserts())-1]; last.Status != 400 {
			t.Fatalf("the renamed body was not refused: %+v", last)
		}
		e.srv.Refuse(0, "p01")
		requests = e.srv.Requests()
		round(p)
		if e.srv.Requests() != requests {
			t.Errorf("the refused body was sent again before its back-off ended")
		}
		later(p)
		round(p)
		if e.srv.Requests() == requests {
			t.Errorf("the refused body was not sent again after its back-off")
		}
		if got := decode(t, e.srv.Products(e.record(targetName).FeedID)["p01"]); got.Title != "Renamed" {
			t.Errorf("the platform has %+v", got)
		}
		if rec := e.record(targetName); rec.LastError != "" {
			t.Errorf("the refusal is still noted after the platform took the product: %q", rec.LastError)
		}
	})
}

// TestFeedLost: when the platform no longer knows the feed, a new one
// is created and every product sent to it.
func TestFeedLost(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(3)...)
		p := e.publisher()
		round(p)
		old := e.record(targetName).FeedID
		e.srv.DeleteFeed(old)
		e.listing.Edit("p02", func(p *catalog.Product) { p.Title = "Changed" })
		round(p)
		rec := e.record(targetName)
		if rec.FeedID != "" || rec.LastStatus != 404 || len(e.accepted(targetName)) != 0 {
			t.Fatalf("after the 404: record %+v, %d accepted", rec, len(e.accepted(targetName)))
		}
		round(p)
		rec = e.record(targetName)
		if rec.FeedID == "" || rec.FeedID == old {
			t.Fatalf("feed id = %q, want a new one", rec.FeedID)
		}
		if got := e.srv.Products(rec.FeedID); len(got) != 3 || decode(t, got["p02"]).Title != "Changed" {
			t.Errorf("the new feed holds %d products", len(got))
		}
		if rec.LastError != "" || rec.LastStatus != 0 {
			t.Errorf("record = %+v", rec)
		}
	})
}

// TestFailuresBackOff: a platform failure stops the round and records
// the back-off, at least what Retry-After asked; no request is made
// before it; the next round after it sends what is pending.
func TestFailuresBackOff(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(4)...)
		e.opts.BatchSize = 2
		e.opts.InitialBackoff, e.opts.MaxBackoff = time.Millisecond, time.Hour
		p := e.publisher()
		round(p) // creates the feed and sends everything
		e.listing.Edit("p01", func(p *catalog.Product) { p.Title = "One" })
		e.listing.Edit("p04", func(p *catalog.Product) { p.Title = "Four" })
		e.srv.FailNext(1, 429, 30*time.Minute)
		start := time.Now()
		round(p)
		rec := e.record(targetName)
		if rec.Failures != 1 || rec.LastStatus != 429 || rec.NextAttemptAt.Before(start.Add(30*time.Minute)) || rec.Pending != 2 || !strings.Contains(rec.LastError, "429") {
			t.Fatalf("record = %+v", rec)
		}
		requests := e.srv.Requests()
		round(p)
		if e.srv.Requests() != requests {
			t.Fatalf("a request was made before the back-off ended")
		}
		// The back-off ends.
		p.now = func() time.Time { return time.Now().Add(time.Hour) }
		before := len(e.srv.Accepted())
		round(p)
		if got := e.sentIDs(before); !slices.Equal(got, []string{"p01", "p04"}) {
			t.Errorf("sent %v, want p01 and p04", got)
		}
		if rec := e.record(targetName); rec.Failures != 0 || rec.LastError != "" || rec.Pending != 0 || !rec.NextAttemptAt.IsZero() {
			t.Errorf("record after the success = %+v", rec)
		}
	})
}

// TestPushRequested: a full publish asked for (from any process) sends
// every product again, then is marked done.
func TestPushRequested(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, products(3)...)
		p := e.publisher()
		round(p)
		// p03's tombstone goes with the push, and is not counted as a
		// product published.
		e.listing.Remove("p03")
		if err := RequestPush(context.Background(), e.st, targetName); err != nil {
			t.Fatal(err)
		}
		if rec := e.record(targetName); rec.PushRequestedAt.IsZero() {
			t.Fatal("PushRequestedAt not set")
		}
		before := len(e.srv.Accepted())
		round(p)
		if got := e.sentIDs(before); !slices.Equal(got, []string{"p01", "p02", "p03"}) {
			t.Errorf("sent %v, want everything", got)
		}
		if logs := e.logs.String(); !strings.Contains(logs, `"msg":"a full publish completed"`) || !strings.Contains(logs, `"products":2}`) {
			t.Errorf("the full publish's log line does not count the 2 products:\n%s", logs)
		}
		rec := e.record(targetName)
		if !rec.PushRequestedAt.IsZero() || rec.LastFullPublishAt.IsZero() {
			t.Errorf("record = %+v", rec)
		}
		before = len(e.srv.Accepted())
		round(p)
		if len(e.srv.Accepted()) != before {
			t.Error("the full publish went on after it completed")
		}
	})
}

// TestURLChange: a target whose URL changed starts afresh: a new feed on
// the new platform, with everything.
func TestURLChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newStore(t), products(3)...)
	p := e.publisher()
	round(p)
	stopAll(p)
	other := feedtest.New(t, feedtest.Options{Token: testToken})
	e.opts.Targets[0].URL = other.URL()
	round(e.publisher())
	rec := e.record(targetName)
	if rec.URL != other.URL() || len(other.Feeds()) != 1 || rec.FeedID != other.Feeds()[0] || len(other.Products(rec.FeedID)) != 3 {
		t.Errorf("record %+v; the new platform has feeds %v", rec, other.Feeds())
	}
}

// TestNoListing: a catalog that does not list its products publishes
// nothing, and the target's record says why.
func TestNoListing(t *testing.T) {
	t.Parallel()
	for name, set := range map[string]func(e *env){
		"no listing":  func(e *env) { e.opts.Listing = nil },
		"not offered": func(e *env) { e.listing.Err = acp.ErrNotOffered },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, newStore(t), products(2)...)
			set(e)
			p := e.publisher()
			round(p)
			round(p)
			if e.srv.Requests() != 0 {
				t.Errorf("%d requests", e.srv.Requests())
			}
			if rec := e.record(targetName); !strings.Contains(rec.LastError, "does not list its products") {
				t.Errorf("LastError = %q", rec.LastError)
			}
		})
	}
}
