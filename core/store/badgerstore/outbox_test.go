package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// TestOrdersNewestFirst pages through orders by creation time.
func TestOrdersNewestFirst(t *testing.T) {
	t.Parallel()
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	err = s.Update(ctx, func(tx store.Tx) error {
		for i := range 5 {
			o := &model.Order{ID: fmt.Sprintf("ord_%c", 'e'-i), CreatedAt: start.Add(time.Duration(i) * time.Minute)}
			if err := tx.PutOrder(o); err != nil {
				return err
			}
			if err := tx.PutOrder(o); err != nil { // stored again: indexed once
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		after string
		limit int
		want  string
	}{
		{"", 10, "ord_a ord_b ord_c ord_d ord_e"},
		{"", 2, "ord_a ord_b"},
		{"ord_b", 2, "ord_c ord_d"},
		{"ord_e", 2, ""},
	}
	for _, tc := range cases {
		var got string
		err := s.View(ctx, func(r store.Reader) error {
			list, err := r.Orders(tc.after, tc.limit)
			for _, o := range list {
				got += " " + o.ID
			}
			return err
		})
		if err != nil || len(got) > 0 && got[1:] != tc.want || got == "" && tc.want != "" {
			t.Errorf("Orders(%q, %d) = %q, %v; want %q", tc.after, tc.limit, got, err, tc.want)
		}
	}
	err = s.View(ctx, func(r store.Reader) error {
		_, err := r.Orders("ord_missing", 1)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Orders after an unknown id: %v", err)
	}
}

// TestWebhookEventsBySeq: events get increasing sequence numbers that
// survive a reopen, are listed per state in Seq order, and move between
// states by delete and put.
func TestWebhookEventsBySeq(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	put := func(s *Store, ids ...string) {
		t.Helper()
		err := s.Update(ctx, func(tx store.Tx) error {
			for _, id := range ids {
				if err := tx.PutWebhookEvent(&model.WebhookEvent{ID: id, State: model.EventPending}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	list := func(s *Store, state string, after uint64) []*model.WebhookEvent {
		t.Helper()
		var out []*model.WebhookEvent
		if err := s.View(ctx, func(r store.Reader) error {
			var err error
			out, err = r.WebhookEvents(state, after, 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	put(s, "evt_1", "evt_2")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put(s, "evt_3")
	pending := list(s, model.EventPending, 0)
	if len(pending) != 3 || pending[0].ID != "evt_1" || pending[2].ID != "evt_3" || !(pending[0].Seq < pending[1].Seq && pending[1].Seq < pending[2].Seq) {
		t.Fatalf("pending = %+v", pending)
	}
	if after := list(s, model.EventPending, pending[0].Seq); len(after) != 2 || after[0].ID != "evt_2" {
		t.Errorf("after the first: %+v", after)
	}
	dead := pending[1]
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteWebhookEvent(dead); err != nil {
			return err
		}
		dead.State = model.EventDead
		return tx.PutWebhookEvent(dead)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := list(s, model.EventDead, 0); len(got) != 1 || got[0].ID != "evt_2" || got[0].Seq != pending[1].Seq {
		t.Errorf("dead = %+v", got)
	}
	if got := list(s, model.EventPending, 0); len(got) != 2 {
		t.Errorf("pending after dead-lettering = %+v", got)
	}
}
