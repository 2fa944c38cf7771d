package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// Data is what Fill wrote: every record kind a store keeps.
type Data struct {
	// Sessions are in id order, one of them complete_in_progress.
	Sessions []*model.Session
	// Orders are oldest first.
	Orders []*model.Order
	// Idempotency are the records by key.
	Idempotency map[string]*model.IdempotencyRecord
	// Levels are the stock levels by SKU.
	Levels []*model.StockLevel
	// Reservations are by session id.
	Reservations []*model.Reservation
	// Failed are the failed orders, newest first.
	Failed []*model.FailedOrder
	// FeedTargets are by name; FeedProducts by target, then product id.
	// One target's name and its products' ids are not valid UTF-8, which
	// the records' JSON cannot hold: they move with their own bytes.
	FeedTargets  []*model.FeedTarget
	FeedProducts []*model.FeedProduct
	// Pending and Dead are the outbox, in Seq order.
	Pending, Dead []*model.WebhookEvent
}

// Fill writes records of every kind into s and returns them.
func Fill(t *testing.T, s store.Store) *Data {
	t.Helper()
	d := &Data{Idempotency: map[string]*model.IdempotencyRecord{}}
	fig := int64(12)
	for i := range 3 {
		d.Levels = append(d.Levels, &model.StockLevel{SKU: fmt.Sprintf("sku_%d", i), OnHand: int64(10 + i), Reserved: int64(i), Sold: 1,
			FileFigure: &fig, SetAt: base, UpdatedAt: base})
	}
	putLevels(t, s, d.Levels...)
	update(t, s, func(tx store.Tx) error {
		for i := range 4 {
			st := []model.Status{model.StatusReadyForPayment, model.StatusCompleteInProgress, model.StatusCompleted, model.StatusCanceled}[i]
			sess := session(fmt.Sprintf("cs_fill_%d", i), st)
			sess.Messages = nil
			d.Sessions = append(d.Sessions, sess)
			if err := tx.PutSession(sess); err != nil {
				return err
			}
			o := order(fmt.Sprintf("ord_fill_%d", i), fmt.Sprintf("pi_fill_%d", i), base.Add(time.Duration(i)*time.Second))
			d.Orders = append(d.Orders, o)
			if err := tx.PutOrder(o); err != nil {
				return err
			}
			key := fmt.Sprintf("agent/fill-%d", i)
			d.Idempotency[key] = &model.IdempotencyRecord{Fingerprint: fmt.Sprintf("fp%d", i), ExpiresAt: base.Add(100 * 365 * 24 * time.Hour),
				Status: 200 + i, Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
			if err := tx.PutIdempotencyRecord(key, d.Idempotency[key]); err != nil {
				return err
			}
			r := &model.Reservation{SessionID: sess.ID, Attempt: 1, Lines: []model.ReservedLine{{SKU: "sku_1", Quantity: 1}}, CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
			d.Reservations = append(d.Reservations, r)
			if err := tx.PutReservation(r); err != nil {
				return err
			}
			f := failed(sess.ID, 1, base.Add(time.Duration(3-i)*time.Minute))
			d.Failed = append(d.Failed, f)
			if err := tx.PutFailedOrder(f); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		for _, name := range []string{"marketplace", "shop", "shop\xff"} {
			ft := feedTarget(name)
			d.FeedTargets = append(d.FeedTargets, ft)
			if err := tx.PutFeedTarget(ft); err != nil {
				return err
			}
			for i := range 3 {
				p := feedProduct(name, fmt.Sprintf("prod_%d%s", i, name[len(name)-1:]))
				p.Removed = i == 2
				d.FeedProducts = append(d.FeedProducts, p)
				if err := tx.PutFeedProduct(p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for i := range 5 {
		e := event(fmt.Sprintf("evt_fill_%d", i), fmt.Sprintf("ord_fill_%d", i%2))
		if i == 2 {
			e.State = model.EventDead
		}
		update(t, s, func(tx store.Tx) error { return tx.PutWebhookEvent(e) })
		if e.State == model.EventDead {
			d.Dead = append(d.Dead, e)
		} else {
			d.Pending = append(d.Pending, e)
		}
	}
	return d
}

// Verify reads every record of d back from s, and the lists in order.
func Verify(t *testing.T, s store.Store, d *Data) {
	t.Helper()
	err := s.View(context.Background(), func(r store.Reader) error {
		for _, want := range d.Sessions {
			got, err := r.Session(want.ID)
			if err != nil {
				return fmt.Errorf("session %s: %w", want.ID, err)
			}
			same(t, "session "+want.ID, got, want, record.EncodeSession)
		}
		if ids, err := r.SessionsInProgress("", 100); err != nil || fmt.Sprint(ids) != "[cs_fill_1]" {
			t.Errorf("SessionsInProgress = %v, %v; want [cs_fill_1]", ids, err)
		}
		orders, err := r.Orders("", 100)
		if err != nil {
			return err
		}
		if len(orders) != len(d.Orders) {
			t.Errorf("%d orders; want %d", len(orders), len(d.Orders))
			orders = nil
		}
		for i, got := range orders {
			same(t, "order", got, d.Orders[len(d.Orders)-1-i], record.EncodeOrder)
		}
		for _, want := range d.Orders {
			if got, err := r.OrderByPayment(want.PaymentID); err != nil || got.ID != want.ID {
				t.Errorf("OrderByPayment(%s) = %v, %v", want.PaymentID, got, err)
			}
		}
		for key, want := range d.Idempotency {
			got, err := r.IdempotencyRecord(key)
			if err != nil {
				return fmt.Errorf("idempotency record %s: %w", key, err)
			}
			if got.Fingerprint != want.Fingerprint || got.Status != want.Status || string(got.Body) != string(want.Body) || !got.ExpiresAt.Equal(want.ExpiresAt) {
				t.Errorf("idempotency record %s = %+v; want %+v", key, got, want)
			}
		}
		levels, err := r.StockLevels()
		if err != nil {
			return err
		}
		if len(levels) != len(d.Levels) {
			t.Errorf("%d stock levels; want %d", len(levels), len(d.Levels))
			levels = nil
		}
		for i, got := range levels {
			same(t, "stock level", got, d.Levels[i], record.EncodeStockLevel)
		}
		res, err := r.Reservations("", 0)
		if err != nil {
			return err
		}
		if len(res) != len(d.Reservations) {
			t.Errorf("%d reservations; want %d", len(res), len(d.Reservations))
			res = nil
		}
		for i, got := range res {
			same(t, "reservation", got, d.Reservations[i], record.EncodeReservation)
		}
		failedList, err := r.FailedOrders("", 100)
		if err != nil {
			return err
		}
		if len(failedList) != len(d.Failed) {
			t.Errorf("%d failed orders; want %d", len(failedList), len(d.Failed))
			failedList = nil
		}
		for i, got := range failedList {
			same(t, "failed order", got, d.Failed[i], record.EncodeFailedOrder)
		}
		targets, err := r.FeedTargets()
		if err != nil {
			return err
		}
		if len(targets) != len(d.FeedTargets) {
			t.Errorf("%d feed targets; want %d", len(targets), len(d.FeedTargets))
			targets = nil
		}
		// A name that PostgreSQL cannot hold as text sorts apart there
		// (pgstore's keys): the targets are compared by name.
		slices.SortFunc(targets, func(a, b *model.FeedTarget) int { return strings.Compare(a.Name, b.Name) })
		var products []*model.FeedProduct
		for i, got := range targets {
			same(t, "feed target", got, d.FeedTargets[i], record.EncodeFeedTarget)
			if got.Name != d.FeedTargets[i].Name {
				t.Errorf("feed target %q; want %q", got.Name, d.FeedTargets[i].Name)
			}
			page, err := r.FeedProducts(got.Name, "", 100)
			if err != nil {
				return err
			}
			products = append(products, page...)
		}
		if len(products) != len(d.FeedProducts) {
			t.Errorf("%d feed products; want %d", len(products), len(d.FeedProducts))
			products = nil
		}
		for i, got := range products {
			same(t, "feed product", got, d.FeedProducts[i], record.EncodeFeedProduct)
			if want := d.FeedProducts[i]; got.Target != want.Target || got.ProductID != want.ProductID {
				t.Errorf("feed product %q of %q; want %q of %q", got.ProductID, got.Target, want.ProductID, want.Target)
			}
		}
		for state, want := range map[string][]*model.WebhookEvent{model.EventPending: d.Pending, model.EventDead: d.Dead} {
			got, err := r.WebhookEvents(state, 0, 100)
			if err != nil {
				return err
			}
			if len(got) != len(want) {
				t.Errorf("%d %s events; want %d", len(got), state, len(want))
				continue
			}
			for i := range got {
				same(t, state+" event", got[i], want[i], record.EncodeWebhookEvent)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
}
