package orders_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/store/pgstore"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

// countingStore counts the orders its readers list, and fails a listing
// of every order: the sweep walks a window of the time index only.
type countingStore struct {
	store.Store
	t    *testing.T
	read int
}

type countingReader struct {
	store.Reader
	s *countingStore
}

func (s *countingStore) View(ctx context.Context, fn func(store.Reader) error) error {
	return s.Store.View(ctx, func(r store.Reader) error { return fn(countingReader{Reader: r, s: s}) })
}

func (r countingReader) Orders(string, int) ([]*model.Order, error) {
	r.s.t.Error("the sweep listed every order")
	return nil, nil
}

func (r countingReader) OrdersCreatedBetween(from, to time.Time, after string, limit int) ([]*model.Order, error) {
	list, err := r.Reader.OrdersCreatedBetween(from, to, after, limit)
	r.s.read += len(list)
	return list, err
}

// insightStores open an empty store of each kind.
var insightStores = map[string]func(t *testing.T) store.Store{
	"badger": func(t *testing.T) store.Store {
		st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return st
	},
	"postgres": func(t *testing.T) store.Store {
		st, err := pgstore.Open(context.Background(), pgstore.Options{DSN: pgtest.DSN(t), MigrateOnStart: true})
		if err != nil {
			t.Fatal(err)
		}
		return st
	},
}

// TestEraseExpiredInsights: on Badger and on PostgreSQL, the sweep erases
// the insights of the orders created before the cutoff (now minus the
// retention configured now, whatever ExpiresAt the order was stored
// with), keeps the rest of each order, and reads only the orders created
// between the previous pass's cutoff and this one.
func TestEraseExpiredInsights(t *testing.T) {
	t.Parallel()
	for name, open := range insightStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := open(t)
			t.Cleanup(func() { _ = raw.Close() })
			st := &countingStore{Store: raw, t: t}
			ctx := context.Background()
			now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
			// Orders created a day apart, newest ord_0, each stored when
			// the retention was ten days (ExpiresAt still ahead); ord_6
			// has no insights.
			for i := range 7 {
				created := now.Add(-time.Duration(i) * 24 * time.Hour)
				o := &model.Order{
					ID: fmt.Sprintf("ord_%d", i), CheckoutSessionID: fmt.Sprintf("cs_%d", i), Status: model.OrderCreated, Currency: "usd",
					Total: 100, PaymentID: fmt.Sprintf("pay_%d", i), Agent: "agent", APIVersion: "2026-04-17", CreatedAt: created, UpdatedAt: created,
					OrderNotes: "keep me",
					Insights: &model.Insights{
						FirstTouch: &model.Attribution{Provider: "impact.com", Token: "atp_secret"},
						ExpiresAt:  created.Add(10 * 24 * time.Hour),
					},
				}
				if i == 6 {
					o.Insights = nil
				}
				if err := raw.Update(ctx, func(tx store.Tx) error { return tx.PutOrder(o) }); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string]bool{"ord_0": true, "ord_1": true, "ord_2": true, "ord_3": true, "ord_4": true, "ord_5": true, "ord_6": false}
			check := func() {
				t.Helper()
				for id, kept := range want {
					o, err := store.Read(ctx, raw, func(r store.Reader) (*model.Order, error) { return r.Order(id) })
					if err != nil {
						t.Fatal(err)
					}
					if (o.Insights != nil) != kept || o.OrderNotes != "keep me" || o.Total != 100 {
						t.Errorf("%s: insights %+v, notes %q; want insights kept %v and the rest unchanged", id, o.Insights, o.OrderNotes, kept)
					}
				}
			}
			// The retention is now 36 hours: ord_2 and older have expired.
			// A previous pass's cutoff just after ord_4's creation: ord_4
			// and older are not read.
			cutoff := now.Add(-36 * time.Hour)
			erased, err := orders.EraseExpiredInsights(ctx, st, now.Add(-4*24*time.Hour+time.Minute), cutoff)
			if err != nil || erased != 2 || st.read != 2 {
				t.Fatalf("from a previous cutoff: erased %d, read %d, %v; want 2 erased (ord_2, ord_3) of 2 read", erased, st.read, err)
			}
			want["ord_2"], want["ord_3"] = false, false
			check()
			// The first pass of a process: every order before the cutoff.
			st.read = 0
			erased, err = orders.EraseExpiredInsights(ctx, st, time.Time{}, cutoff)
			if err != nil || erased != 2 || st.read != 5 {
				t.Fatalf("first pass: erased %d, read %d, %v; want 2 erased (ord_4, ord_5) of 5 read", erased, st.read, err)
			}
			want["ord_4"], want["ord_5"] = false, false
			check()
			// The next pass an hour later reads the hour's orders only.
			st.read = 0
			erased, err = orders.EraseExpiredInsights(ctx, st, cutoff, cutoff.Add(time.Hour))
			if err != nil || erased != 0 || st.read != 0 {
				t.Fatalf("next pass: erased %d, read %d, %v; want nothing", erased, st.read, err)
			}
			check()
		})
	}
}

// TestInsightsSweeperOneReplica: on Badger and on PostgreSQL, two
// sweepers sharing a store (two replicas) never both sweep: the first
// keeps the lease from pass to pass, reading only the orders created
// since its previous cutoff; the second sweeps once the first releases it.
func TestInsightsSweeperOneReplica(t *testing.T) {
	t.Parallel()
	for name, open := range insightStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := open(t)
			t.Cleanup(func() { _ = raw.Close() })
			st := &countingStore{Store: raw, t: t}
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Microsecond)
			put := func(id string, created time.Time) {
				t.Helper()
				o := &model.Order{ID: id, CheckoutSessionID: "cs_" + id, Status: model.OrderCreated, Currency: "usd", Total: 100,
					PaymentID: "pay_" + id, Agent: "agent", APIVersion: "2026-04-17", CreatedAt: created, UpdatedAt: created,
					Insights: &model.Insights{LastTouch: &model.Attribution{Provider: "impact.com", PublisherID: "pub_1"}}}
				if err := raw.Update(ctx, func(tx store.Tx) error { return tx.PutOrder(o) }); err != nil {
					t.Fatal(err)
				}
			}
			retention := 48 * time.Hour
			put("ord_old", now.Add(-72*time.Hour))
			put("ord_new", now.Add(-time.Hour))
			a := &orders.InsightsSweeper{Store: st, Retention: retention, LeaseTTL: time.Hour}
			b := &orders.InsightsSweeper{Store: st, Retention: retention, LeaseTTL: time.Hour}
			if ran, erased, err := a.Pass(ctx, now); !ran || erased != 1 || err != nil || st.read != 1 {
				t.Fatalf("first replica's first pass: ran %v, erased %d, read %d, %v; want ord_old erased", ran, erased, st.read, err)
			}
			if ran, _, err := b.Pass(ctx, now); ran || err != nil {
				t.Fatalf("second replica while the first holds the lease: ran %v, %v; want no pass", ran, err)
			}
			// Two days later ord_new has expired; the pass reads the
			// orders created since the previous cutoff only.
			put("ord_later", now.Add(time.Hour))
			st.read = 0
			if ran, erased, err := a.Pass(ctx, now.Add(retention)); !ran || erased != 1 || err != nil || st.read != 1 {
				t.Fatalf("first replica's next pass: ran %v, erased %d, read %d, %v; want ord_new erased of 1 read", ran, erased, st.read, err)
			}
			a.Release(ctx)
			st.read = 0
			if ran, erased, err := b.Pass(ctx, now.Add(3*retention)); !ran || erased != 1 || err != nil || st.read != 3 {
				t.Fatalf("second replica after the release: ran %v, erased %d, read %d, %v; want its first pass (3 read, ord_later erased)", ran, erased, st.read, err)
			}
			b.Release(ctx)
		})
	}
}
