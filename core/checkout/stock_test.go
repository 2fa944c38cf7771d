package checkout_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// newStockFixture is the fixture with stock control on and one unit of
// "ebook" (a download, ready for payment at once) on hand.
func newStockFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixtureWith(t, func(o *checkout.Options) { o.TrackStock = true })
	err := f.store.UpdateStock(context.Background(), []string{"ebook"}, func(tx store.Tx) error {
		return tx.PutStockLevel(&model.StockLevel{SKU: "ebook", OnHand: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) level(t *testing.T, sku string) *model.StockLevel {
	t.Helper()
	var l *model.StockLevel
	if err := f.store.View(context.Background(), func(r store.Reader) (err error) { l, err = r.StockLevel(sku); return err }); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestUnknownOutcomeKeepsItsUnits: an attempt whose payment outcome is
// unknown keeps its unit, even past the session's expiry (the payment may
// yet succeed), and the resumed attempt sells it.
func TestUnknownOutcomeKeepsItsUnits(t *testing.T) {
	t.Parallel()
	f := newStockFixture(t)
	ctx := context.Background()
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	if sess.Status != model.StatusReadyForPayment || sess.Lines[0].Available == nil || *sess.Lines[0].Available != 1 {
		t.Fatalf("session: %s, available %v", sess.Status, sess.Lines[0].Available)
	}
	f.flaky.failures = 1
	pay := checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"}
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: pay}, nil); err == nil {
		t.Fatal("Complete() with an unreachable processor succeeded")
	}
	if l := f.level(t, "ebook"); l.Reserved != 1 || l.Available() != 0 {
		t.Fatalf("level during the unknown outcome: %+v", l)
	}
	f.clock.Advance(7 * time.Hour) // past the 6 h lifetime
	if n, err := f.svc.ReleaseLapsedHolds(ctx, 10); err != nil || n != 0 {
		t.Fatalf("ReleaseLapsedHolds() = %d, %v; want 0 (the outcome is unknown)", n, err)
	}
	done, err := f.svc.Reconcile(ctx, sess.ID, "")
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Reconcile() = %v, %v", done, err)
	}
	if l := f.level(t, "ebook"); l.OnHand != 0 || l.Reserved != 0 || l.Sold != 1 {
		t.Fatalf("level after the order: %+v", l)
	}
}

// TestLapsedHoldOfAGoneSession: a hold whose session is no longer stored
// (sessions are dropped some time after they expire) is given back.
func TestLapsedHoldOfAGoneSession(t *testing.T) {
	t.Parallel()
	f := newStockFixture(t)
	ctx := context.Background()
	err := f.store.UpdateStock(ctx, []string{"ebook"}, func(tx store.Tx) error {
		if _, _, err := tx.ReserveStock("ebook", 1); err != nil {
			return err
		}
		return tx.PutReservation(&model.Reservation{SessionID: "cs_gone", Attempt: 1,
			Lines: []model.ReservedLine{{SKU: "ebook", Quantity: 1}}, ExpiresAt: f.clock.Now().Add(-1)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.ReleaseLapsedHolds(ctx, 10); err != nil || n != 1 {
		t.Fatalf("ReleaseLapsedHolds() = %d, %v; want 1", n, err)
	}
	if l := f.level(t, "ebook"); l.Reserved != 0 || l.Available() != 1 {
		t.Fatalf("level after the release: %+v", l)
	}
}

// TestReleaseLapsedHoldsPages: every lapsed hold is given back, however
// many there are, a page at a time; holds not lapsed are kept.
func TestReleaseLapsedHoldsPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		lapsed, live int
		page         int
	}{
		{"more than one production page", 1005, 3, 1000},
		{"small pages", 40, 9, 7},
		{"exactly one page", 7, 0, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newStockFixture(t)
			ctx := context.Background()
			total := int64(tc.lapsed + tc.live)
			err := f.store.UpdateStock(ctx, []string{"ebook"}, func(tx store.Tx) error {
				if err := tx.PutStockLevel(&model.StockLevel{SKU: "ebook", OnHand: total}); err != nil {
					return err
				}
				for i := range tc.lapsed + tc.live {
					if _, _, err := tx.ReserveStock("ebook", 1); err != nil {
						return err
					}
					expires := f.clock.Now().Add(-1)
					if i%(tc.lapsed+tc.live) >= tc.lapsed {
						expires = f.clock.Now().Add(time.Hour)
					}
					err := tx.PutReservation(&model.Reservation{SessionID: fmt.Sprintf("cs_%05d", i), Attempt: 1,
						Lines: []model.ReservedLine{{SKU: "ebook", Quantity: 1}}, ExpiresAt: expires})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := f.svc.ReleaseLapsedHolds(ctx, tc.page); err != nil || n != tc.lapsed {
				t.Fatalf("ReleaseLapsedHolds() = %d, %v; want %d", n, err, tc.lapsed)
			}
			if l := f.level(t, "ebook"); l.Reserved != int64(tc.live) || l.OnHand != total {
				t.Fatalf("level after the release: %+v; want %d still held", l, tc.live)
			}
		})
	}
}
