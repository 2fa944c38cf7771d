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

// TestEraseExpiredInsights: on Badger and on PostgreSQL, the sweep erases
// the insights of the orders whose retention has passed and of no other,
// keeps the rest of each order, and, given the floor of an earlier
// complete pass, leaves older orders unread.
func TestEraseExpiredInsights(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) store.Store{
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
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			t.Cleanup(func() { _ = st.Close() })
			ctx := context.Background()
			now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
			// Orders created a day apart, newest ord_0, each keeping its
			// insights for 36 hours: ord_2 to ord_4 have expired; ord_5
			// has no expiry.
			for i := range 6 {
				created := now.Add(-time.Duration(i) * 24 * time.Hour)
				o := &model.Order{
					ID: fmt.Sprintf("ord_%d", i), CheckoutSessionID: fmt.Sprintf("cs_%d", i), Status: model.OrderCreated, Currency: "usd",
					Total: 100, PaymentID: fmt.Sprintf("pay_%d", i), Agent: "agent", APIVersion: "2026-04-17", CreatedAt: created, UpdatedAt: created,
					OrderNotes: "keep me",
					Insights: &model.Insights{
						FirstTouch: &model.Attribution{Provider: "impact.com", Token: "atp_secret"},
						ExpiresAt:  created.Add(36 * time.Hour),
					},
				}
				if i == 5 {
					o.Insights.ExpiresAt = time.Time{} // stored without retention: kept
				}
				if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutOrder(o) }); err != nil {
					t.Fatal(err)
				}
			}
			// A floor after ord_3's creation: ord_3 and older are not read.
			floor := now.Add(-3*24*time.Hour + time.Minute)
			erased, err := orders.EraseExpiredInsights(ctx, st, now, floor)
			if err != nil || erased != 1 {
				t.Fatalf("with a floor: erased %d, %v; want 1 (ord_2)", erased, err)
			}
			want := map[string]bool{"ord_0": true, "ord_1": true, "ord_2": false, "ord_3": true, "ord_4": true, "ord_5": true}
			check := func() {
				t.Helper()
				for id, kept := range want {
					o, err := store.Read(ctx, st, func(r store.Reader) (*model.Order, error) { return r.Order(id) })
					if err != nil {
						t.Fatal(err)
					}
					if (o.Insights != nil) != kept || o.OrderNotes != "keep me" || o.Total != 100 {
						t.Errorf("%s: insights %+v, notes %q; want insights kept %v and the rest unchanged", id, o.Insights, o.OrderNotes, kept)
					}
				}
			}
			check()
			erased, err = orders.EraseExpiredInsights(ctx, st, now, time.Time{})
			if err != nil || erased != 2 {
				t.Fatalf("full pass: erased %d, %v; want 2 (ord_3, ord_4)", erased, err)
			}
			want["ord_3"], want["ord_4"] = false, false
			check()
		})
	}
}
