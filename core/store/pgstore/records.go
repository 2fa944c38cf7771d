package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// tx is a store.Tx on one PostgreSQL transaction.
type tx struct {
	ctx   context.Context
	tx    pgx.Tx
	store *Store
	// stockSKUs are the SKUs whose stock this transaction may change: the
	// ones UpdateStock locked.
	stockSKUs []string
}

// getOne reads one record (format and body) with query and decodes it;
// no row is store.ErrNotFound.
func getOne[T any](t *tx, what, query string, decode func(int, []byte) (*T, error), args ...any) (*T, error) {
	var format int16
	var body []byte
	err := t.queryRow(query, args...).Scan(&format, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	v, err := decode(int(format), body)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return v, nil
}

// getMany reads the records (format and body) query returns, in order.
func getMany[T any](t *tx, what, query string, decode func(int, []byte) (*T, error), args ...any) ([]*T, error) {
	return getManyKeyed(t, what, query, decode, nil, args...)
}

// getManyKeyed is getMany for a query that returns each record's key
// before its format and body, when keyed is set: keyed receives each
// record with its key (as stored before dbKey).
func getManyKeyed[T any](t *tx, what, query string, decode func(int, []byte) (*T, error), keyed func(key string, v *T), args ...any) ([]*T, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var key string
		var format int16
		var body []byte
		dest := []any{&format, &body}
		if keyed != nil {
			dest = []any{&key, &format, &body}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		v, err := decode(int(format), body)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", what, err)
		}
		if keyed != nil {
			keyed(fromDBKey(key), v)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// encode encodes v with enc, naming it in the error.
func encode[T any](what, id string, v *T, enc func(*T) ([]byte, error)) ([]byte, error) {
	data, err := enc(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", what, id, err)
	}
	return data, nil
}

// exec runs a statement, naming what it does in the error.
func (t *tx) exec(what, query string, args ...any) error {
	if _, err := t.tx.Exec(t.ctx, query, dbArgs(args)...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// alive is the condition of a session row not yet past its retention.
const alive = "(purge_at IS NULL OR purge_at > $2)"

func (t *tx) Session(id string) (*model.Session, error) {
	return getOne(t, "session "+id, "SELECT format, body FROM sessions WHERE id = $1 AND "+alive, record.DecodeSession, id, t.store.now())
}

func (t *tx) PutSession(s *model.Session) error {
	data, err := encode("session", s.ID, s, record.EncodeSession)
	if err != nil {
		return err
	}
	var purgeAt *time.Time
	if t.store.retention > 0 {
		at := s.ExpiresAt.Add(t.store.retention)
		if floor := t.store.now().Add(time.Second); at.Before(floor) {
			at = floor
		}
		purgeAt = &at
	}
	return t.exec("store session "+s.ID, `INSERT INTO sessions (id, format, body, status, purge_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET format = EXCLUDED.format, body = EXCLUDED.body, status = EXCLUDED.status, purge_at = EXCLUDED.purge_at`,
		s.ID, record.WriteFormat(s), data, string(s.Status), purgeAt)
}

func (t *tx) SessionsInProgress(after string, limit int) ([]string, error) {
	rows, err := t.query("SELECT id FROM sessions WHERE status = 'complete_in_progress' AND "+alive+" AND id > $3 ORDER BY id LIMIT $1",
		limit, t.store.now(), after)
	if err != nil {
		return nil, fmt.Errorf("list sessions in progress: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list sessions in progress: %w", err)
	}
	for i, id := range ids {
		ids[i] = fromDBKey(id)
	}
	return ids, nil
}

func (t *tx) Order(id string) (*model.Order, error) {
	return getOne(t, "order "+id, "SELECT format, body FROM orders WHERE id = $1", record.DecodeOrder, id)
}

func (t *tx) PutOrder(o *model.Order) error {
	data, err := encode("order", o.ID, o, record.EncodeOrder)
	if err != nil {
		return err
	}
	var payment *string
	if o.PaymentID != "" {
		payment = &o.PaymentID
	}
	return t.exec("store order "+o.ID, `INSERT INTO orders (id, format, body, payment_id, created_ns) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET format = EXCLUDED.format, body = EXCLUDED.body,
			payment_id = coalesce(EXCLUDED.payment_id, orders.payment_id), created_ns = EXCLUDED.created_ns`,
		o.ID, record.WriteFormat(o), data, payment, o.CreatedAt.UnixNano())
}

func (t *tx) OrderByPayment(paymentID string) (*model.Order, error) {
	return getOne(t, "order by payment", "SELECT format, body FROM orders WHERE payment_id = $1 ORDER BY created_ns DESC, id DESC LIMIT 1", record.DecodeOrder, paymentID)
}

func (t *tx) Orders(after string, limit int) ([]*model.Order, error) {
	if after == "" {
		return getMany(t, "orders", "SELECT format, body FROM orders ORDER BY created_ns DESC, id DESC LIMIT $1", record.DecodeOrder, limit)
	}
	var ns int64
	err := t.queryRow("SELECT created_ns FROM orders WHERE id = $1", after).Scan(&ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("orders after %s: %w", after, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("orders after %s: %w", after, err)
	}
	return getMany(t, "orders", "SELECT format, body FROM orders WHERE (created_ns, id) < ($1, $2) ORDER BY created_ns DESC, id DESC LIMIT $3",
		record.DecodeOrder, ns, after, limit)
}

func (t *tx) IdempotencyRecord(key string) (*model.IdempotencyRecord, error) {
	r := &model.IdempotencyRecord{}
	err := t.queryRow("SELECT fingerprint, status, body, expires_at FROM idempotency_records WHERE key = $1 AND expires_at > $2",
		key, t.store.now()).Scan(&r.Fingerprint, &r.Status, &r.Body, &r.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency record: %w", err)
	}
	return r, nil
}

func (t *tx) PutIdempotencyRecord(key string, r *model.IdempotencyRecord) error {
	// As in the embedded store, a record is kept at least a second.
	expires := r.ExpiresAt
	if floor := t.store.now().Add(time.Second); expires.Before(floor) {
		expires = floor
	}
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	return t.exec("store idempotency record", `INSERT INTO idempotency_records (key, fingerprint, status, body, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, body = EXCLUDED.body, expires_at = EXCLUDED.expires_at`,
		key, r.Fingerprint, r.Status, body, expires)
}

func (t *tx) PutWebhookEvent(e *model.WebhookEvent) error {
	if e.Seq == 0 {
		// The order's row is locked before the sequence is drawn: every
		// enqueue for one order waits for the one in flight to end, so
		// that one order's Seqs commit in their order (nextval itself is
		// outside any transaction, and a re-queue only reads the order).
		if err := t.exec("lock order "+e.OrderID, "SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", e.OrderID); err != nil {
			return err
		}
		var n int64
		if err := t.queryRow("SELECT nextval('webhook_seq')").Scan(&n); err != nil {
			return fmt.Errorf("next webhook sequence: %w", err)
		}
		e.Seq = uint64(n)
	}
	data, err := encode("webhook event", e.ID, e, record.EncodeWebhookEvent)
	if err != nil {
		return err
	}
	if err := t.exec("store webhook event "+e.ID, `INSERT INTO webhook_events (state, seq, format, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (state, seq) DO UPDATE SET format = EXCLUDED.format, body = EXCLUDED.body`,
		e.State, int64(e.Seq), record.WriteFormat(e), data); err != nil {
		return err
	}
	// Sent when the transaction commits, to every replica's watcher.
	return t.exec("notify the outbox", "SELECT pg_notify($1, '')", t.store.channel)
}

func (t *tx) DeleteWebhookEvent(e *model.WebhookEvent) error {
	return t.exec("delete webhook event "+e.ID, "DELETE FROM webhook_events WHERE state = $1 AND seq = $2", e.State, int64(e.Seq))
}

func (t *tx) WebhookEvents(state string, afterSeq uint64, limit int) ([]*model.WebhookEvent, error) {
	return getMany(t, "webhook events", "SELECT format, body FROM webhook_events WHERE state = $1 AND seq > $2 ORDER BY seq LIMIT $3",
		record.DecodeWebhookEvent, state, int64(afterSeq), limit)
}

func (t *tx) PutFailedOrder(f *model.FailedOrder) error {
	data, err := encode("failed order", f.Key(), f, record.EncodeFailedOrder)
	if err != nil {
		return err
	}
	return t.exec("store failed order "+f.Key(), `INSERT INTO failed_orders (session_id, attempt, key, created_ns, format, body) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (session_id, attempt) DO UPDATE SET key = EXCLUDED.key, created_ns = EXCLUDED.created_ns, format = EXCLUDED.format, body = EXCLUDED.body`,
		f.SessionID, f.Attempt, f.Key(), f.CreatedAt.UnixNano(), record.WriteFormat(f), data)
}

func (t *tx) FailedOrder(sessionID string, attempt int) (*model.FailedOrder, error) {
	return getOne(t, "failed order", "SELECT format, body FROM failed_orders WHERE session_id = $1 AND attempt = $2", record.DecodeFailedOrder, sessionID, attempt)
}

func (t *tx) FailedOrders(after string, limit int) ([]*model.FailedOrder, error) {
	if after == "" {
		return getMany(t, "failed orders", "SELECT format, body FROM failed_orders ORDER BY created_ns DESC, key DESC LIMIT $1", record.DecodeFailedOrder, limit)
	}
	var ns int64
	err := t.queryRow("SELECT created_ns FROM failed_orders WHERE key = $1", after).Scan(&ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("failed orders after %s: %w", after, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("failed orders after %s: %w", after, err)
	}
	return getMany(t, "failed orders", "SELECT format, body FROM failed_orders WHERE (created_ns, key) < ($1, $2) ORDER BY created_ns DESC, key DESC LIMIT $3",
		record.DecodeFailedOrder, ns, after, limit)
}

func (t *tx) Reservation(sessionID string) (*model.Reservation, error) {
	return getOne(t, "reservation "+sessionID, "SELECT format, body FROM reservations WHERE session_id = $1", record.DecodeReservation, sessionID)
}

func (t *tx) Reservations(afterID string, limit int) ([]*model.Reservation, error) {
	return getMany(t, "reservations", "SELECT format, body FROM reservations WHERE session_id > $1 ORDER BY session_id LIMIT $2",
		record.DecodeReservation, afterID, limitOrAll(limit))
}

// limitOrAll is a LIMIT argument: limit, or none (NULL) when it is 0, as
// the embedded store lists everything then.
func limitOrAll(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}

func (t *tx) PutReservation(r *model.Reservation) error {
	data, err := encode("reservation", r.SessionID, r, record.EncodeReservation)
	if err != nil {
		return err
	}
	return t.exec("store reservation "+r.SessionID, `INSERT INTO reservations (session_id, format, body) VALUES ($1, $2, $3)
		ON CONFLICT (session_id) DO UPDATE SET format = EXCLUDED.format, body = EXCLUDED.body`, r.SessionID, record.WriteFormat(r), data)
}

func (t *tx) DeleteReservation(sessionID string) error {
	return t.exec("delete reservation "+sessionID, "DELETE FROM reservations WHERE session_id = $1", sessionID)
}
