package pgstore

import (
	"context"
	"errors"
	"testing"

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
