package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// ErrNotEmpty is returned by Import when the database already holds
// records and overwriting was not asked for.
var ErrNotEmpty = errors.New("the database already holds records")

// importBatch is how many records one transaction of Import writes.
const importBatch = 500

// ImportSummary counts the records Import wrote, by kind.
type ImportSummary struct {
	// Sessions, Orders, IdempotencyRecords, StockLevels, Reservations,
	// FailedOrders, FeedTargets and FeedProducts count the records of each
	// kind.
	Sessions, Orders, IdempotencyRecords, StockLevels, Reservations, FailedOrders, FeedTargets, FeedProducts int
	// PendingEvents and DeadEvents count the outbox's events by state.
	PendingEvents, DeadEvents int
}

// ErrSeqTaken is returned by Import when an imported webhook event's
// state and Seq are those of another event already in the database.
var ErrSeqTaken = errors.New("the outbox already holds another event under that sequence number")

// Import writes every record export hands to its walker into the
// database, in transactions of importBatch records: the way over from
// another store (export is, for example, a badgerstore's Export, and is
// called twice). Webhook events keep their Seq, so that each order's
// events keep their order; before anything is copied the outbox sequence
// is moved past the largest imported Seq, so that no event enqueued
// meanwhile can take one of theirs. Records are written by their keys, so
// that a second run writes the same rows again; an event whose state and
// Seq belong to another event in the database is refused (ErrSeqTaken),
// never overwritten. It refuses a database that already holds records
// unless overwrite.
//
// Every replica using the database must be stopped while it runs: the
// copy is not one transaction, and a replica would see (and deliver, or
// change) a partial copy. One-time keys (FirstUse, the replay protection
// of signed requests) are not copied: each lives for the replay window of
// a signature, minutes, which has passed for every request the stopped
// source store accepted by the time the replicas start on the database.
func (s *Store) Import(ctx context.Context, export func(store.Walker) error, overwrite bool) (ImportSummary, error) {
	var sum ImportSummary
	if !overwrite {
		var any bool
		err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions) OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM idempotency_records)
			OR EXISTS (SELECT 1 FROM stock_levels) OR EXISTS (SELECT 1 FROM reservations) OR EXISTS (SELECT 1 FROM failed_orders)
			OR EXISTS (SELECT 1 FROM feed_targets) OR EXISTS (SELECT 1 FROM feed_products) OR EXISTS (SELECT 1 FROM webhook_events)`).Scan(&any)
		if err != nil {
			return sum, fmt.Errorf("look for records: %w", err)
		}
		if any {
			return sum, ErrNotEmpty
		}
	}
	var seqs maxSeq
	if err := export(&seqs); err != nil {
		return sum, fmt.Errorf("read the imported events' sequence numbers: %w", err)
	}
	if seqs.max > 0 {
		_, err := s.pool.Exec(ctx, "SELECT setval('webhook_seq', greatest($1::bigint, (SELECT last_value FROM webhook_seq)))", int64(seqs.max))
		if err != nil {
			return sum, fmt.Errorf("move the outbox sequence past the imported events: %w", err)
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
	return sum, nil
}

// maxSeq is a store.Walker that finds the largest webhook event Seq.
type maxSeq struct{ max uint64 }

func (*maxSeq) Session(*model.Session) error                             { return nil }
func (*maxSeq) Order(*model.Order) error                                 { return nil }
func (*maxSeq) IdempotencyRecord(string, *model.IdempotencyRecord) error { return nil }
func (*maxSeq) StockLevel(*model.StockLevel) error                       { return nil }
func (*maxSeq) Reservation(*model.Reservation) error                     { return nil }
func (*maxSeq) FailedOrder(*model.FailedOrder) error                     { return nil }
func (*maxSeq) FeedTarget(*model.FeedTarget) error                       { return nil }
func (*maxSeq) FeedProduct(*model.FeedProduct) error                     { return nil }

func (m *maxSeq) WebhookEvent(e *model.WebhookEvent) error {
	m.max = max(m.max, e.Seq)
	return nil
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

func (w *importer) FeedTarget(ft *model.FeedTarget) error {
	w.sum.FeedTargets++
	return w.put(func(t *tx) error { return t.PutFeedTarget(ft) })
}

func (w *importer) FeedProduct(p *model.FeedProduct) error {
	w.sum.FeedProducts++
	return w.put(func(t *tx) error { return t.PutFeedProduct(p) })
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
	return w.put(func(t *tx) error { return t.importWebhookEvent(e) })
}

// importWebhookEvent stores e under its state and Seq, unless another
// event is stored there.
func (t *tx) importWebhookEvent(e *model.WebhookEvent) error {
	have, err := getOne(t, "webhook event", "SELECT format, body FROM webhook_events WHERE state = $1 AND seq = $2",
		record.DecodeWebhookEvent, e.State, int64(e.Seq))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	case have.ID != e.ID:
		return fmt.Errorf("import webhook event %s (%s, seq %d): %w: %s", e.ID, e.State, e.Seq, ErrSeqTaken, have.ID)
	}
	return t.PutWebhookEvent(e)
}
