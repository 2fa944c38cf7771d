package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// Opener opens a fresh, empty store for t; it closes it when t ends.
type Opener func(t *testing.T) store.Store

// Run runs the contract suite, each case on a store of its own.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Sessions", testSessions},
		{"Orders", testOrders},
		{"OrdersCreatedBetween", testOrdersCreatedBetween},
		{"Idempotency", testIdempotency},
		{"Outbox", testOutbox},
		{"OutboxOrder", testOutboxOrder},
		{"Stock", testStock},
		{"StockRace", testStockRace},
		{"Reservations", testReservations},
		{"FailedOrders", testFailedOrders},
		{"Feeds", testFeeds},
		{"FeedKeys", testFeedKeys},
		{"FeedFencing", testFeedFencing},
		{"FeedBulkDelete", testFeedBulkDelete},
		{"SerializedUpdates", testSerializedUpdates},
		{"Leases", testLeases},
		{"LeaseWait", testLeaseWait},
		{"Fencing", testFencing},
		{"FirstUse", testFirstUse},
		{"OddKeys", testOddKeys},
		{"FillVerify", func(t *testing.T, s store.Store) { Verify(t, s, Fill(t, s)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// base is the moment the suite's records are made at: whole microseconds
// in UTC, which every store keeps exactly.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(store.Reader) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// same fails t unless got and want encode to the same record.
func same[T any](t *testing.T, what string, got, want *T, enc func(*T) ([]byte, error)) {
	t.Helper()
	g, err := enc(got)
	if err != nil {
		t.Fatalf("%s: encode got: %v", what, err)
	}
	w, err := enc(want)
	if err != nil {
		t.Fatalf("%s: encode want: %v", what, err)
	}
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func session(id string, status model.Status) *model.Session {
	return &model.Session{ID: id, Agent: "agent", APIVersion: "2026-04-17", Status: status, Currency: "usd",
		CreatedAt: base, UpdatedAt: base, ExpiresAt: base.Add(100 * 365 * 24 * time.Hour),
		Lines: []model.Line{}, Options: []model.FulfillmentOption{}, Selected: []model.SelectedOption{}}
}

func order(id, payment string, at time.Time) *model.Order {
	return &model.Order{ID: id, CheckoutSessionID: "cs_" + id, Status: "created", Currency: "usd", Total: 1250, PaymentID: payment,
		HandlerID: "sandbox", Agent: "agent", CreatedAt: at}
}

func testSessions(t *testing.T, s store.Store) {
	a, b := session("cs_a", model.StatusReadyForPayment), session("cs_b", model.StatusCompleteInProgress)
	c := session("cs_c", model.StatusCompleteInProgress)
	update(t, s, func(tx store.Tx) error {
		for _, x := range []*model.Session{a, b, c} {
			if err := tx.PutSession(x); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.Session("cs_a")
		if err != nil {
			return err
		}
		same(t, "session", got, a, record.EncodeSession)
		if _, err := r.Session("cs_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Session(missing) = %v; want ErrNotFound", err)
		}
		ids, err := r.SessionsInProgress("", 10)
		if err != nil {
			return err
		}
		if fmt.Sprint(ids) != "[cs_b cs_c]" {
			t.Errorf("SessionsInProgress = %v; want [cs_b cs_c]", ids)
		}
		if ids, _ := r.SessionsInProgress("", 1); len(ids) != 1 {
			t.Errorf("SessionsInProgress(1) = %v; want one", ids)
		}
		if ids, _ := r.SessionsInProgress("cs_b", 10); fmt.Sprint(ids) != "[cs_c]" {
			t.Errorf("SessionsInProgress after cs_b = %v; want [cs_c]", ids)
		}
		return nil
	})
	// Leaving complete_in_progress leaves the index; an overwrite reads back.
	b.Status = model.StatusCompleted
	b.QuoteID = "q2"
	update(t, s, func(tx store.Tx) error { return tx.PutSession(b) })
	view(t, s, func(r store.Reader) error {
		ids, err := r.SessionsInProgress("", 10)
		if err != nil {
			return err
		}
		if fmt.Sprint(ids) != "[cs_c]" {
			t.Errorf("SessionsInProgress after completion = %v; want [cs_c]", ids)
		}
		got, err := r.Session("cs_b")
		if err != nil {
			return err
		}
		same(t, "overwritten session", got, b, record.EncodeSession)
		return nil
	})
}

func testOrders(t *testing.T, s store.Store) {
	// Seven orders; three share a creation time, so that paging breaks
	// ties by id.
	var want []*model.Order // newest first
	update(t, s, func(tx store.Tx) error {
		for i := range 7 {
			at := base.Add(time.Duration(min(i, 4)) * time.Minute)
			o := order(fmt.Sprintf("ord_%d", i), fmt.Sprintf("pi_%d", i), at)
			if i == 6 {
				o.PaymentID = ""
			}
			if err := tx.PutOrder(o); err != nil {
				return err
			}
			want = append([]*model.Order{o}, want...)
		}
		return nil
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.Order("ord_3")
		if err != nil {
			return err
		}
		same(t, "order", got, want[3], record.EncodeOrder)
		if _, err := r.Order("ord_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Order(missing) = %v; want ErrNotFound", err)
		}
		byPay, err := r.OrderByPayment("pi_2")
		if err != nil || byPay.ID != "ord_2" {
			t.Errorf("OrderByPayment(pi_2) = %v, %v; want ord_2", byPay, err)
		}
		if _, err := r.OrderByPayment("pi_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("OrderByPayment(missing) = %v; want ErrNotFound", err)
		}
		var ids []string
		after := ""
		for page := 0; page < 10; page++ {
			list, err := r.Orders(after, 3)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				break
			}
			for _, o := range list {
				ids = append(ids, o.ID)
			}
			after = list[len(list)-1].ID
		}
		if got, w := fmt.Sprint(ids), "[ord_6 ord_5 ord_4 ord_3 ord_2 ord_1 ord_0]"; got != w {
			t.Errorf("Orders paged by 3 = %s; want %s", got, w)
		}
		if _, err := r.Orders("ord_missing", 3); err == nil {
			t.Error("Orders after an unknown order: no error")
		}
		return nil
	})
}

// testOrdersCreatedBetween: a window of the time index, oldest first,
// paged with ties broken by id, bounded at both ends (from included, to
// excluded), and open-ended with the zero time.
func testOrdersCreatedBetween(t *testing.T, s store.Store) {
	// ord_0 at base, ord_1 to ord_3 at base+1m, ord_4 at base+2m, ord_5 at
	// base+3m; stored in an order that is not their time order.
	at := []time.Duration{0, time.Minute, time.Minute, time.Minute, 2 * time.Minute, 3 * time.Minute}
	update(t, s, func(tx store.Tx) error {
		for _, i := range []int{5, 2, 0, 3, 1, 4} {
			if err := tx.PutOrder(order(fmt.Sprintf("ord_%d", i), fmt.Sprintf("pi_%d", i), base.Add(at[i]))); err != nil {
				return err
			}
		}
		return nil
	})
	window := func(from, to time.Time, pageSize int) string {
		t.Helper()
		var ids []string
		view(t, s, func(r store.Reader) error {
			after := ""
			for range 10 {
				list, err := r.OrdersCreatedBetween(from, to, after, pageSize)
				if err != nil {
					return err
				}
				for _, o := range list {
					ids = append(ids, o.ID)
				}
				if len(list) < pageSize {
					break
				}
				after = list[len(list)-1].ID
			}
			return nil
		})
		return fmt.Sprint(ids)
	}
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"everything", time.Time{}, base.Add(time.Hour), "[ord_0 ord_1 ord_2 ord_3 ord_4 ord_5]"},
		{"to is excluded", time.Time{}, base.Add(2 * time.Minute), "[ord_0 ord_1 ord_2 ord_3]"},
		{"from is included", base.Add(time.Minute), base.Add(3 * time.Minute), "[ord_1 ord_2 ord_3 ord_4]"},
		{"far future", base.Add(3 * time.Minute), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), "[ord_5]"},
		{"empty window", base.Add(time.Second), base.Add(time.Minute), "[]"},
	} {
		for _, size := range []int{1, 2, 10} {
			if got := window(c.from, c.to, size); got != c.want {
				t.Errorf("%s, pages of %d: %s; want %s", c.name, size, got, c.want)
			}
		}
	}
	view(t, s, func(r store.Reader) error {
		if _, err := r.OrdersCreatedBetween(time.Time{}, base.Add(time.Hour), "ord_missing", 3); err == nil {
			t.Error("OrdersCreatedBetween after an unknown order: no error")
		}
		return nil
	})
}

func testIdempotency(t *testing.T, s store.Store) {
	rec := &model.IdempotencyRecord{Fingerprint: "ab12", ExpiresAt: base.Add(100 * 365 * 24 * time.Hour), Status: 201, Body: []byte(`{"id":"cs_1"}`)}
	update(t, s, func(tx store.Tx) error { return tx.PutIdempotencyRecord("agent/key-1", rec) })
	check := func(want *model.IdempotencyRecord) {
		t.Helper()
		view(t, s, func(r store.Reader) error {
			got, err := r.IdempotencyRecord("agent/key-1")
			if err != nil {
				return err
			}
			if got.Fingerprint != want.Fingerprint || got.Status != want.Status || string(got.Body) != string(want.Body) || !got.ExpiresAt.Equal(want.ExpiresAt) {
				t.Errorf("IdempotencyRecord = %+v; want %+v", got, want)
			}
			if _, err := r.IdempotencyRecord("agent/other"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("IdempotencyRecord(missing) = %v; want ErrNotFound", err)
			}
			return nil
		})
	}
	check(rec)
	rec2 := &model.IdempotencyRecord{Fingerprint: "cd34", ExpiresAt: rec.ExpiresAt, Status: 200, Body: make([]byte, 4000)}
	update(t, s, func(tx store.Tx) error { return tx.PutIdempotencyRecord("agent/key-1", rec2) })
	check(rec2)
}

func event(id, order string) *model.WebhookEvent {
	return &model.WebhookEvent{ID: id, Agent: "agent", Target: "main", OrderID: order, Type: "order_create", APIVersion: "2026-04-17",
		Payload: []byte(`{"type":"order_create"}`), State: model.EventPending, CreatedAt: base, NextAttemptAt: base}
}

func events(t *testing.T, r store.Reader, state string, after uint64, limit int) []*model.WebhookEvent {
	t.Helper()
	list, err := r.WebhookEvents(state, after, limit)
	if err != nil {
		t.Fatalf("WebhookEvents: %v", err)
	}
	return list
}

func testOutbox(t *testing.T, s store.Store) {
	var evs []*model.WebhookEvent
	for i := range 5 {
		e := event(fmt.Sprintf("evt_%d", i), fmt.Sprintf("ord_%d", i%2))
		update(t, s, func(tx store.Tx) error { return tx.PutWebhookEvent(e) })
		evs = append(evs, e)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq || evs[0].Seq == 0 {
			t.Fatalf("sequence numbers %d then %d; want growing, non-zero", evs[i-1].Seq, evs[i].Seq)
		}
	}
	view(t, s, func(r store.Reader) error {
		all := events(t, r, model.EventPending, 0, 100)
		if len(all) != 5 {
			t.Fatalf("pending = %d events; want 5", len(all))
		}
		for i, e := range all {
			same(t, "event", e, evs[i], record.EncodeWebhookEvent)
		}
		page := events(t, r, model.EventPending, evs[1].Seq, 2)
		if len(page) != 2 || page[0].ID != "evt_2" || page[1].ID != "evt_3" {
			t.Errorf("page after evt_1 = %v; want evt_2, evt_3", page)
		}
		return nil
	})
	// Dead-letter evt_1: moved to the dead state, keeping its Seq.
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteWebhookEvent(evs[1]); err != nil {
			return err
		}
		evs[1].State = model.EventDead
		evs[1].LastError = "status 500"
		return tx.PutWebhookEvent(evs[1])
	})
	// Re-queue it: a new Seq puts it behind the others.
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteWebhookEvent(evs[1]); err != nil {
			return err
		}
		evs[1].State, evs[1].Seq = model.EventPending, 0
		return tx.PutWebhookEvent(evs[1])
	})
	view(t, s, func(r store.Reader) error {
		var ids []string
		for _, e := range events(t, r, model.EventPending, 0, 100) {
			ids = append(ids, e.ID)
		}
		if got := fmt.Sprint(ids); got != "[evt_0 evt_2 evt_3 evt_4 evt_1]" {
			t.Errorf("pending after re-queue = %s; want [evt_0 evt_2 evt_3 evt_4 evt_1]", got)
		}
		if dead := events(t, r, model.EventDead, 0, 100); len(dead) != 0 {
			t.Errorf("dead = %d events; want none", len(dead))
		}
		return nil
	})
}

// testOutboxOrder: two transactions enqueue for one order at once (a
// re-queue reads the order and writes no record of it); once the second
// has committed, no event of the order with a lower Seq may still be to
// come, or a worker could deliver the higher one first.
func testOutboxOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	update(t, s, func(tx store.Tx) error { return tx.PutOrder(order("ord_x", "pay_x", base)) })
	entered := make(chan struct{})
	var enter sync.Once
	secondDone := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := s.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.Order("ord_x"); err != nil {
				return err
			}
			e := event("evt_first", "ord_x")
			if err := tx.PutWebhookEvent(e); err != nil {
				return err
			}
			enter.Do(func() { close(entered) })
			// Stay in flight until the second has committed, or (when the
			// store makes the second wait for this one) a while.
			select {
			case <-secondDone:
			case <-time.After(300 * time.Millisecond):
			}
			return nil
		})
		if err != nil {
			t.Errorf("first enqueue: %v", err)
		}
	})
	<-entered
	second := event("evt_second", "ord_x")
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.Order("ord_x"); err != nil {
			return err
		}
		second.Seq = 0
		return tx.PutWebhookEvent(second)
	})
	var seen []uint64
	view(t, s, func(r store.Reader) error {
		for _, e := range events(t, r, model.EventPending, 0, 100) {
			seen = append(seen, e.Seq)
		}
		return nil
	})
	close(secondDone)
	wg.Wait()
	view(t, s, func(r store.Reader) error {
		all := events(t, r, model.EventPending, 0, 100)
		if len(all) != 2 {
			t.Fatalf("pending = %d events; want 2", len(all))
		}
		for _, e := range all {
			if e.Seq < second.Seq && !slices.Contains(seen, e.Seq) {
				t.Errorf("%s (seq %d) committed after %s (seq %d) was visible: one order's events out of order",
					e.ID, e.Seq, second.ID, second.Seq)
			}
		}
		return nil
	})
}

func level(t *testing.T, s store.Store, sku string) *model.StockLevel {
	t.Helper()
	var l *model.StockLevel
	view(t, s, func(r store.Reader) (err error) { l, err = r.StockLevel(sku); return err })
	return l
}

func putLevels(t *testing.T, s store.Store, levels ...*model.StockLevel) {
	t.Helper()
	for _, l := range levels {
		if err := s.UpdateStock(context.Background(), []string{l.SKU}, func(tx store.Tx) error { return tx.PutStockLevel(l) }); err != nil {
			t.Fatalf("PutStockLevel: %v", err)
		}
	}
}

func testStock(t *testing.T, s store.Store) {
	ctx := context.Background()
	fig := int64(9)
	putLevels(t, s, &model.StockLevel{SKU: "b", OnHand: 5, FileFigure: &fig, SetAt: base, UpdatedAt: base}, &model.StockLevel{SKU: "a", OnHand: 1, SetAt: base, UpdatedAt: base})
	err := s.UpdateStock(ctx, []string{"b"}, func(tx store.Tx) error {
		ok, avail, err := tx.ReserveStock("b", 3)
		if err != nil || !ok || avail != 2 {
			t.Errorf("ReserveStock(b, 3) = %v, %d, %v; want true, 2", ok, avail, err)
		}
		ok, avail, err = tx.ReserveStock("b", 3)
		if err != nil || ok || avail != 2 {
			t.Errorf("ReserveStock(b, 3) again = %v, %d, %v; want false, 2", ok, avail, err)
		}
		if _, _, err := tx.ReserveStock("a", 1); err == nil {
			t.Error("ReserveStock of a SKU the transaction did not lock: no error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateStock(ctx, []string{"b", "none"}, func(tx store.Tx) error {
		if _, _, err := tx.ReserveStock("none", 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ReserveStock(not stock-controlled) = %v; want ErrNotFound", err)
		}
		if err := tx.ReleaseStock("none", 1); err != nil {
			t.Errorf("ReleaseStock(not stock-controlled) = %v; want nil", err)
		}
		if err := tx.SellStock("b", 2); err != nil {
			return err
		}
		return tx.ReleaseStock("b", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := level(t, s, "b"); l.OnHand != 3 || l.Reserved != 0 || l.Sold != 2 || l.FileFigure == nil || *l.FileFigure != 9 || !l.SetAt.Equal(base) {
		t.Errorf("level b = %+v; want on hand 3, reserved 0, sold 2, file figure 9", l)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.PutStockLevel(&model.StockLevel{SKU: "a"}) }); err == nil {
		t.Error("PutStockLevel outside UpdateStock: no error")
	}
	view(t, s, func(r store.Reader) error {
		list, err := r.StockLevels()
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].SKU != "a" || list[1].SKU != "b" {
			t.Errorf("StockLevels = %v; want a, b", list)
		}
		return nil
	})
	if err := s.UpdateStock(ctx, []string{"a"}, func(tx store.Tx) error { return tx.DeleteStockLevel("a") }); err != nil {
		t.Fatal(err)
	}
	view(t, s, func(r store.Reader) error {
		if _, err := r.StockLevel("a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("StockLevel(deleted) = %v; want ErrNotFound", err)
		}
		return nil
	})
}

// testStockRace: 100 attempts at once for 37 units of one SKU, each
// holding a unit in a reservation: exactly 37 hold one, the level says
// so, and no attempt fails.
func testStockRace(t *testing.T, s store.Store) {
	const n, units = 100, 37
	putLevels(t, s, &model.StockLevel{SKU: "hot", OnHand: units, SetAt: base, UpdatedAt: base})
	var wg sync.WaitGroup
	var granted atomic.Int64
	for i := range n {
		wg.Go(func() {
			var ok bool
			err := s.UpdateStock(context.Background(), []string{"hot"}, func(tx store.Tx) (err error) {
				if ok, _, err = tx.ReserveStock("hot", 1); err != nil || !ok {
					return err
				}
				return tx.PutReservation(&model.Reservation{SessionID: fmt.Sprintf("cs_%03d", i), Attempt: 1,
					Lines: []model.ReservedLine{{SKU: "hot", Quantity: 1}}, CreatedAt: base, ExpiresAt: base.Add(time.Hour)})
			})
			if err != nil {
				t.Errorf("UpdateStock: %v", err)
			}
			if ok {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	if l := level(t, s, "hot"); l.Reserved != units || l.Available() != 0 || granted.Load() != units {
		t.Errorf("after the race: level %+v, %d granted; want %d reserved and granted", l, granted.Load(), units)
	}
	view(t, s, func(r store.Reader) error {
		list, err := r.Reservations("", 0)
		if err != nil {
			return err
		}
		if len(list) != units {
			t.Errorf("%d reservations; want %d", len(list), units)
		}
		return nil
	})
}

func testReservations(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		for i := range 5 {
			r := &model.Reservation{SessionID: fmt.Sprintf("cs_%d", i), Attempt: i, Lines: []model.ReservedLine{{SKU: "a", Quantity: int64(i + 1)}},
				CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
			if err := tx.PutReservation(r); err != nil {
				return err
			}
		}
		return tx.DeleteReservation("cs_2")
	})
	view(t, s, func(r store.Reader) error {
		got, err := r.Reservation("cs_3")
		if err != nil || got.Attempt != 3 || got.Lines[0].Quantity != 4 {
			t.Errorf("Reservation(cs_3) = %+v, %v", got, err)
		}
		if _, err := r.Reservation("cs_2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Reservation(deleted) = %v; want ErrNotFound", err)
		}
		var ids []string
		after := ""
		for {
			page, err := r.Reservations(after, 2)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			for _, x := range page {
				ids = append(ids, x.SessionID)
			}
			after = page[len(page)-1].SessionID
		}
		if fmt.Sprint(ids) != "[cs_0 cs_1 cs_3 cs_4]" {
			t.Errorf("Reservations paged = %v; want [cs_0 cs_1 cs_3 cs_4]", ids)
		}
		return nil
	})
}

func failed(session string, attempt int, at time.Time) *model.FailedOrder {
	return &model.FailedOrder{SessionID: session, Attempt: attempt, Agent: "agent", HandlerID: "sandbox", Amount: 990, Currency: "usd",
		Reason: model.FailureOrderRefused, Money: model.PaymentState("voided"), CreatedAt: at}
}

func testFailedOrders(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		for i := range 5 {
			if err := tx.PutFailedOrder(failed(fmt.Sprintf("cs_%d", i), 1, base.Add(time.Duration(i)*time.Minute))); err != nil {
				return err
			}
		}
		// The same time as cs_4: the key breaks the tie.
		if err := tx.PutFailedOrder(failed("cs_5", 1, base.Add(4*time.Minute))); err != nil {
			return err
		}
		// A second record of cs_0's attempt replaces the first and moves to
		// the front.
		return tx.PutFailedOrder(failed("cs_0", 1, base.Add(10*time.Minute)))
	})
	view(t, s, func(r store.Reader) error {
		var keys []string
		after := ""
		for {
			page, err := r.FailedOrders(after, 2)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			for _, f := range page {
				keys = append(keys, f.Key())
			}
			after = page[len(page)-1].Key()
		}
		if got, w := fmt.Sprint(keys), "[cs_0/1 cs_5/1 cs_4/1 cs_3/1 cs_2/1 cs_1/1]"; got != w {
			t.Errorf("FailedOrders paged = %s; want %s", got, w)
		}
		f, err := r.FailedOrder("cs_0", 1)
		if err != nil {
			return err
		}
		same(t, "failed order", f, failed("cs_0", 1, base.Add(10*time.Minute)), record.EncodeFailedOrder)
		if _, err := r.FailedOrder("cs_0", 2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FailedOrder(missing attempt) = %v; want ErrNotFound", err)
		}
		return nil
	})
}

// testSerializedUpdates: 50 concurrent read-increment-write transactions
// of one session's field: the store serialises them, so that none is lost.
func testSerializedUpdates(t *testing.T, s store.Store) {
	const n = 50
	sess := session("cs_counter", model.StatusReadyForPayment)
	sess.QuoteID = "0"
	update(t, s, func(tx store.Tx) error { return tx.PutSession(sess) })
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := s.Update(context.Background(), func(tx store.Tx) error {
				cur, err := tx.Session("cs_counter")
				if err != nil {
					return err
				}
				v, err := strconv.Atoi(cur.QuoteID)
				if err != nil {
					return err
				}
				cur.QuoteID = strconv.Itoa(v + 1)
				return tx.PutSession(cur)
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	view(t, s, func(r store.Reader) error {
		cur, err := r.Session("cs_counter")
		if err != nil {
			return err
		}
		if cur.QuoteID != strconv.Itoa(n) {
			t.Errorf("counter = %s after %d increments", cur.QuoteID, n)
		}
		return nil
	})
}

func testLeases(t *testing.T, s store.Store) {
	ctx := context.Background()
	ls := s.Leases()
	if ls.Owner() == "" {
		t.Fatal("Owner() is empty")
	}
	first, _, ok, err := ls.TryAcquire(ctx, "session/cs_1", 300*time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("TryAcquire = %v, %v; want granted", ok, err)
	}
	if len(first.Owner) <= len(ls.Owner()) || first.Owner[:len(ls.Owner())] != ls.Owner() || first.Name != "session/cs_1" || first.Token == 0 {
		t.Errorf("lease %+v; want name session/cs_1, a token, and an owner starting with %q", first, ls.Owner())
	}
	_, wait, ok, err := ls.TryAcquire(ctx, "session/cs_1", time.Second)
	if err != nil || ok || wait <= 0 || wait > 300*time.Millisecond {
		t.Fatalf("TryAcquire of a held name = %v, wait %v, %v; want refused with a wait of at most 300ms", ok, wait, err)
	}
	if other, _, ok, err := ls.TryAcquire(ctx, "session/cs_2", time.Second); err != nil || !ok || other.Token == first.Token {
		t.Errorf("TryAcquire of another name = %+v, %v, %v; want granted with a token of its own", other, ok, err)
	}
	if err := ls.Renew(ctx, &first, 300*time.Millisecond); err != nil {
		t.Errorf("Renew of a held lease: %v", err)
	}
	// Lapsed: the holder may no longer commit under it nor renew it, even
	// before another owner takes it over.
	time.Sleep(400 * time.Millisecond)
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(first) }); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("HoldsLease of a lapsed lease = %v; want ErrLeaseLost", err)
	}
	lapsed := first
	if err := ls.Renew(ctx, &lapsed, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Renew of a lapsed lease = %v; want ErrLeaseLost", err)
	}
	// Another owner takes the name over with a larger token.
	second, _, ok, err := ls.TryAcquire(ctx, "session/cs_1", time.Minute)
	if err != nil || !ok || second.Token <= first.Token {
		t.Fatalf("TryAcquire after expiry = %+v, %v, %v; want granted with a token above %d", second, ok, err, first.Token)
	}
	if err := ls.Renew(ctx, &first, time.Minute); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Renew of a lease taken over = %v; want ErrLeaseLost", err)
	}
	// Releasing the lost lease leaves the new holder alone.
	if err := ls.Release(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := ls.TryAcquire(ctx, "session/cs_1", time.Minute); ok {
		t.Error("the old holder's Release freed the new holder's lease")
	}
	if err := ls.Release(ctx, second); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := ls.TryAcquire(ctx, "session/cs_1", time.Minute); err != nil || !ok {
		t.Errorf("TryAcquire after Release = %v, %v; want granted", ok, err)
	}
}

// testLeaseWait: Acquire waits for the holder's Release, and gives up when
// its context ends.
func testLeaseWait(t *testing.T, s store.Store) {
	ctx := context.Background()
	ls := s.Leases()
	held, err := ls.Acquire(ctx, "idem/k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := ls.Acquire(short, "idem/k", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire of a held name until the deadline = %v; want DeadlineExceeded", err)
	}
	var released atomic.Bool
	go func() {
		time.Sleep(150 * time.Millisecond)
		released.Store(true)
		_ = ls.Release(ctx, held)
	}()
	waitCtx, cancelWait := context.WithTimeout(ctx, 30*time.Second)
	defer cancelWait()
	got, err := ls.Acquire(waitCtx, "idem/k", time.Minute)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if !released.Load() || got.Token <= held.Token {
		t.Errorf("Acquire returned %+v before the holder released %+v", got, held)
	}
	// Many waiters: each gets the lease in turn, never two at once.
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			l, err := ls.Acquire(waitCtx, "queue/ord_1", time.Minute)
			if err != nil {
				t.Errorf("Acquire: %v", err)
				return
			}
			n := inside.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			time.Sleep(10 * time.Millisecond)
			inside.Add(-1)
			if err := ls.Release(ctx, l); err != nil {
				t.Errorf("Release: %v", err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d holders at once; want 1", most.Load())
	}
	_ = ls.Release(ctx, got)
}

// testFencing: a commit checking HoldsLease is refused once the lease was
// taken over, and accepted for the current holder.
func testFencing(t *testing.T, s store.Store) {
	ctx := context.Background()
	ls := s.Leases()
	old, _, ok, err := ls.TryAcquire(ctx, "session/cs_f", 100*time.Millisecond)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.HoldsLease(old) })
	time.Sleep(200 * time.Millisecond)
	cur, _, ok, err := ls.TryAcquire(ctx, "session/cs_f", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	late := session("cs_f", model.StatusCompleted)
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.HoldsLease(old); err != nil {
			return err
		}
		return tx.PutSession(late)
	})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("late commit = %v; want ErrLeaseLost", err)
	}
	view(t, s, func(r store.Reader) error {
		if _, err := r.Session("cs_f"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the fenced commit wrote the session: %v", err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.HoldsLease(cur); err != nil {
			return err
		}
		return tx.PutSession(late)
	})
	if err := ls.Release(ctx, cur); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(cur) })
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("HoldsLease after Release = %v; want ErrLeaseLost", err)
	}
}

func testFirstUse(t *testing.T, s store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var firsts atomic.Int32
	for range 20 {
		wg.Go(func() {
			ok, err := s.FirstUse(ctx, "sig/abc", time.Hour)
			if err != nil {
				t.Errorf("FirstUse: %v", err)
			}
			if ok {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Errorf("%d of 20 concurrent FirstUse calls were first; want 1", firsts.Load())
	}
	if ok, err := s.FirstUse(ctx, "sig/abc", time.Hour); err != nil || ok {
		t.Errorf("FirstUse again = %v, %v; want false", ok, err)
	}
	if ok, err := s.FirstUse(ctx, "sig/other", time.Hour); err != nil || !ok {
		t.Errorf("FirstUse of another key = %v, %v; want true", ok, err)
	}
	// The record ends with its TTL (at least a second).
	if ok, err := s.FirstUse(ctx, "sig/short", time.Second); err != nil || !ok {
		t.Fatalf("FirstUse of a new key = %v, %v; want true", ok, err)
	}
	time.Sleep(1100 * time.Millisecond)
	if ok, err := s.FirstUse(ctx, "sig/short", time.Second); err != nil || !ok {
		t.Errorf("FirstUse after the TTL = %v, %v; want true", ok, err)
	}
}

// testOddKeys: keys that come from requests may hold any bytes (NUL,
// invalid UTF-8); each finds its own record, and a missing one is
// ErrNotFound, never an error of the database.
func testOddKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	odd := []string{"cs_\x00nul", "cs_\xff\xfe", "cs_\x01mark", "cs_plain"}
	update(t, s, func(tx store.Tx) error {
		for i, id := range odd[:3] {
			sess := session(id, model.StatusCompleteInProgress)
			// The record's JSON holds the id as valid UTF-8 only: the
			// mark tells the records apart.
			sess.QuoteID = strconv.Itoa(i)
			if err := tx.PutSession(sess); err != nil {
				return err
			}
			rec := &model.IdempotencyRecord{Fingerprint: "f", ExpiresAt: base.Add(100 * 365 * 24 * time.Hour), Status: 200 + i, Body: []byte("{}")}
			if err := tx.PutIdempotencyRecord("agent/"+id, rec); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(r store.Reader) error {
		for i, id := range odd {
			sess, err := r.Session(id)
			rec, rerr := r.IdempotencyRecord("agent/" + id)
			if i == 3 {
				if !errors.Is(err, store.ErrNotFound) || !errors.Is(rerr, store.ErrNotFound) {
					t.Errorf("missing %q: %v, %v; want ErrNotFound", id, err, rerr)
				}
				continue
			}
			if err != nil || sess.QuoteID != strconv.Itoa(i) || rerr != nil || rec.Status != 200+i {
				t.Errorf("%q: session %v, %v; record %v, %v", id, sess, err, rec, rerr)
			}
		}
		for _, id := range []string{"\xc3\x28", "a\x00b"} {
			if _, err := r.Order(id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Order(%q) = %v; want ErrNotFound", id, err)
			}
		}
		ids, err := r.SessionsInProgress("", 10)
		if err != nil {
			return err
		}
		if len(ids) != 3 {
			t.Errorf("SessionsInProgress = %q; want the three odd ids", ids)
		}
		for _, id := range ids {
			if id != odd[0] && id != odd[1] && id != odd[2] {
				t.Errorf("SessionsInProgress lists %q, which was never stored", id)
			}
		}
		// Paging one id at a time, each page after an odd id, lists each
		// once and ends.
		var paged []string
		for after := ""; len(paged) <= len(ids); {
			page, err := r.SessionsInProgress(after, 1)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			after = page[0]
		}
		if fmt.Sprintf("%q", paged) != fmt.Sprintf("%q", ids) {
			t.Errorf("SessionsInProgress paged one at a time = %q; want %q", paged, ids)
		}
		return nil
	})
	for _, key := range []string{"sig/\x00", "sig/\xff"} {
		if first, err := s.FirstUse(ctx, key, time.Hour); err != nil || !first {
			t.Errorf("FirstUse(%q) = %v, %v; want true", key, first, err)
		}
		if first, err := s.FirstUse(ctx, key, time.Hour); err != nil || first {
			t.Errorf("FirstUse(%q) again = %v, %v; want false", key, first, err)
		}
	}
	l, _, ok, err := s.Leases().TryAcquire(ctx, "idem/\xff\x00", time.Minute)
	if err != nil || !ok {
		t.Fatalf("TryAcquire of an odd name = %v, %v", ok, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.HoldsLease(l) })
	if err := s.Leases().Release(ctx, l); err != nil {
		t.Error(err)
	}
}
