package store

import (
	"context"
	"errors"
	"time"

	"github.com/acp-sidecar/acp/core/model"
)

// ErrNotFound is returned when a session or order does not exist.
var ErrNotFound = errors.New("not found")

// Store persists sessions and orders. Every change that must be atomic (a
// session together with its order, and later its idempotency record) goes
// through one Update transaction.
type Store interface {
	// View runs fn in a read-only snapshot.
	View(ctx context.Context, fn func(Reader) error) error
	// Update runs fn in a read-write transaction and commits it when fn
	// returns nil. fn may be called more than once when the transaction
	// conflicts with a concurrent one, so it must not have side effects
	// outside the transaction.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close flushes and closes the store.
	Close() error
	// FirstUse records key for ttl and reports whether it was not
	// already recorded: replay protection for signed requests without an
	// idempotency key. Everything sharing the store sees the same record.
	FirstUse(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Reader reads sessions and orders.
type Reader interface {
	// Session returns the session with the id, or ErrNotFound.
	Session(id string) (*model.Session, error)
	// Order returns the order with the id, or ErrNotFound.
	Order(id string) (*model.Order, error)
	// OrderByPayment returns the order paid by the payment (the payment
	// handler's reference), or ErrNotFound.
	OrderByPayment(paymentID string) (*model.Order, error)
	// IdempotencyRecord returns the record under key, or ErrNotFound.
	IdempotencyRecord(key string) (*model.IdempotencyRecord, error)
	// SessionsInProgress returns up to limit ids of sessions whose status
	// is complete_in_progress: payments whose outcome is not known yet.
	SessionsInProgress(limit int) ([]string, error)
	// Orders lists up to limit orders, newest first, starting after the
	// order with id after (from the newest when after is empty).
	Orders(after string, limit int) ([]*model.Order, error)
	// WebhookEvents lists up to limit outbox events in state (pending or
	// dead) in Seq order, starting after Seq afterSeq.
	WebhookEvents(state string, afterSeq uint64, limit int) ([]*model.WebhookEvent, error)
}

// Tx reads and writes in one transaction.
type Tx interface {
	Reader
	// PutSession stores the session.
	PutSession(s *model.Session) error
	// PutOrder stores the order, indexed by its payment.
	PutOrder(o *model.Order) error
	// PutIdempotencyRecord stores the record under key until its ExpiresAt.
	PutIdempotencyRecord(key string, r *model.IdempotencyRecord) error
	// PutWebhookEvent stores the event under its state, first giving it
	// the next outbox sequence number when its Seq is zero.
	PutWebhookEvent(e *model.WebhookEvent) error
	// DeleteWebhookEvent removes the event stored under its state and Seq.
	DeleteWebhookEvent(e *model.WebhookEvent) error
}
