package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// ErrNotEmpty is returned by Import when the database already holds
// records and overwriting was not asked for.
var ErrNotEmpty = errors.New("the database already holds records")

// importBatch is how many records one transaction of Import writes.
const importBatch = 500

// ImportSummary counts the records Import wrote, by kind.
type ImportSummary struct {
	// Sessions, Orders, IdempotencyRecords, StockLevels, Reservations and
	// FailedOrders count the records of each kind.
	Sessions, Orders, IdempotencyRecords, StockLevels, Reservations, FailedOrders int
	// PendingEvents and DeadEvents count the outbox's events by state.
	PendingEvents, DeadEvents int
}

// Import writes every record export hands to its walker into the
// database, in transactions of importBatch records: the way over from
// another store (export is, for example, a badgerstore's Export). Webhook
// events keep their Seq, and the outbox sequence continues after the
// largest. Records are written by their keys, so that a second run writes
// the same rows again; it refuses a database that already holds records
// unless overwrite.
func (s *Store) Import(ctx context.Context, export func(store.Walker) error, overwrite bool) (ImportSummary, error) {
	var sum ImportSummary
	if !overwrite {
		var any bool
		err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions) OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM idempotency_records)
			OR EXISTS (SELECT 1 FROM stock_levels) OR EXISTS (SELECT 1 FROM reservations) OR EXISTS (SELECT 1 FROM failed_orders)
			OR EXISTS (SELECT 1 FROM webhook_events)`).Scan(&any)
		if err != nil {
			return sum, fmt.Errorf("look for records: %w", err)
		}
		if any {
			return sum, ErrNotEmpty
		}
	}
	w := &importer{ctx: ctx, s: s, sum: &sum}
	if err := export(w); err != nil {
		w.rollback()
		return sum, err
	}
	if err := w.commit(); err != nil {
		return sum, err
	}
	_, err := s.pool.Exec(ctx, "SELECT setval('webhook_seq', greatest((SELECT max(seq) FROM webhook_events), (SELECT last_value FROM webhook_seq)))")
	if err != nil {
		return sum, fmt.Errorf("move the outbox sequence past the imported events: %w", err)
	}
	return sum, nil
}

// importer is the store.Walker of Import: it writes through a tx, and
// commits every importBatch records.
type importer struct {
	ctx context.Context
	s   *Store
	sum *ImportSummary
	t   *tx
	n   int
}

// put runs write in the open batch, opening one when needed and
// committing it when full.
func (w *importer) put(write func(*tx) error) error {
	if w.t == nil {
		ptx, err := w.s.pool.BeginTx(w.ctx, pgx.TxOptions{})
		if err != nil {
			return fmt.Errorf("begin import batch: %w", err)
		}
		w.t = &tx{ctx: w.ctx, tx: ptx, store: w.s}
	}
	if err := write(w.t); err != nil {
		return err
	}
	if w.n++; w.n >= importBatch {
		return w.commit()
	}
	return nil
}

func (w *importer) commit() error {
	if w.t == nil {
		return nil
	}
	err := w.t.tx.Commit(w.ctx)
	w.t, w.n = nil, 0
	if err != nil {
		return fmt.Errorf("commit import batch: %w", err)
	}
	return nil
}

func (w *importer) rollback() {
	if w.t != nil {
		_ = w.t.tx.Rollback(context.WithoutCancel(w.ctx))
		w.t = nil
	}
}

func (w *importer) Session(s *model.Session) error {
	w.sum.Sessions++
	return w.put(func(t *tx) error { return t.PutSession(s) })
}

func (w *importer) Order(o *model.Order) error {
	w.sum.Orders++
	return w.put(func(t *tx) error { return t.PutOrder(o) })
}

func (w *importer) IdempotencyRecord(key string, r *model.IdempotencyRecord) error {
	w.sum.IdempotencyRecords++
	return w.put(func(t *tx) error { return t.PutIdempotencyRecord(key, r) })
}

func (w *importer) StockLevel(l *model.StockLevel) error {
	w.sum.StockLevels++
	return w.put(func(t *tx) error {
		t.stockSKUs = []string{l.SKU}
		defer func() { t.stockSKUs = nil }()
		return t.PutStockLevel(l)
	})
}

func (w *importer) Reservation(r *model.Reservation) error {
	w.sum.Reservations++
	return w.put(func(t *tx) error { return t.PutReservation(r) })
}

func (w *importer) FailedOrder(f *model.FailedOrder) error {
	w.sum.FailedOrders++
	return w.put(func(t *tx) error { return t.PutFailedOrder(f) })
}

func (w *importer) WebhookEvent(e *model.WebhookEvent) error {
	if e.Seq == 0 {
		return fmt.Errorf("webhook event %s has no sequence number", e.ID)
	}
	if e.State == model.EventDead {
		w.sum.DeadEvents++
	} else {
		w.sum.PendingEvents++
	}
	return w.put(func(t *tx) error { return t.PutWebhookEvent(e) })
}
