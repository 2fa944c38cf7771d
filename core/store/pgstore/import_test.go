package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// TestImportEvents: the outbox sequence moves past the imported Seqs
// before anything is copied (an event enqueued during the copy gets a
// larger one), a second run rewrites the same events, and an imported
// event whose state and Seq belong to another event in the database is
// refused, leaving that event as it was.
func TestImportEvents(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	imported := []*model.WebhookEvent{
		{ID: "evt_old1", OrderID: "ord_old", State: model.EventPending, Seq: 40},
		{ID: "evt_old2", OrderID: "ord_old", State: model.EventPending, Seq: 41},
	}
	var during *model.WebhookEvent
	export := func(w store.Walker) error {
		if _, copying := w.(*importer); copying && during == nil {
			during = &model.WebhookEvent{ID: "evt_live", OrderID: "ord_live", State: model.EventPending}
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.PutWebhookEvent(during) }); err != nil {
				return err
			}
		}
		for _, e := range imported {
			c := *e
			if err := w.WebhookEvent(&c); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := s.Import(ctx, export, false); err != nil {
		t.Fatalf("Import: %v", err)
	}
	if during.Seq <= 41 {
		t.Errorf("an event enqueued during the copy got Seq %d; want past the imported 41", during.Seq)
	}
	if _, err := s.Import(ctx, export, true); err != nil {
		t.Fatalf("Import again with overwrite: %v", err)
	}
	clash := []*model.WebhookEvent{{ID: "evt_other", OrderID: "ord_x", State: model.EventPending, Seq: during.Seq}}
	_, err := s.Import(ctx, func(w store.Walker) error { return w.WebhookEvent(clash[0]) }, true)
	if !errors.Is(err, ErrSeqTaken) {
		t.Errorf("Import over another event's Seq = %v; want ErrSeqTaken", err)
	}
	err = s.View(ctx, func(r store.Reader) error {
		evs, err := r.WebhookEvents(model.EventPending, 0, 10)
		if err != nil {
			return err
		}
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if len(ids) != 3 || ids[0] != "evt_old1" || ids[1] != "evt_old2" || ids[2] != "evt_live" {
			t.Errorf("pending events = %v; want evt_old1, evt_old2, evt_live", ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportFeedRecords: the feed records are copied and counted, and a
// database holding nothing but feed records already holds records.
func TestImportFeedRecords(t *testing.T) {
	ctx := context.Background()
	target := &model.FeedTarget{Name: "shop", URL: "https://platform.example/feeds", FeedID: "feed_1", UpdatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	products := []*model.FeedProduct{
		{Target: "shop", ProductID: "p1", Body: []byte(`{"id":"p1"}`), Hash: "h1", AcceptedAt: target.UpdatedAt},
		{Target: "shop", ProductID: "p2", Body: []byte(`{"id":"p2"}`), Hash: "h2", Removed: true, AcceptedAt: target.UpdatedAt},
	}
	export := func(w store.Walker) error {
		if err := w.FeedTarget(target); err != nil {
			return err
		}
		for _, p := range products {
			if err := w.FeedProduct(p); err != nil {
				return err
			}
		}
		return nil
	}
	for _, kind := range []string{"target", "product"} {
		t.Run("a database holding a feed "+kind, func(t *testing.T) {
			s := open(t, Options{})
			err := s.Update(ctx, func(tx store.Tx) error {
				if kind == "target" {
					return tx.PutFeedTarget(target)
				}
				return tx.PutFeedProduct(products[0])
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Import(ctx, export, false); !errors.Is(err, ErrNotEmpty) {
				t.Errorf("Import = %v; want ErrNotEmpty", err)
			}
		})
	}
	s := open(t, Options{})
	sum, err := s.Import(ctx, export, false)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if sum.FeedTargets != 1 || sum.FeedProducts != 2 {
		t.Errorf("Import counted %d feed targets and %d feed products; want 1 and 2", sum.FeedTargets, sum.FeedProducts)
	}
	err = s.View(ctx, func(r store.Reader) error {
		got, err := r.FeedTarget("shop")
		if err != nil {
			return err
		}
		if got.FeedID != "feed_1" || got.URL != target.URL {
			t.Errorf("imported target = %+v; want %+v", got, target)
		}
		list, err := r.FeedProducts("shop", "", 10)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ProductID != "p1" || !list[1].Removed || string(list[1].Body) != `{"id":"p2"}` {
			t.Errorf("imported products = %+v; want p1 and the removed p2", list)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
