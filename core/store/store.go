package store

import (
	"context"
	"errors"
	"math"
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
	// UpdateStock is Update for a transaction that changes the stock of
	// skus (and only of those): the store serialises it with every other
	// transaction changing one of them, so that many attempts racing for
	// one SKU each get an exact answer instead of an optimistic-concurrency
	// failure. Badger does so with a lock per SKU in the process; a shared
	// database may do nothing here, since its ReserveStock is a conditional
	// update.
	UpdateStock(ctx context.Context, skus []string, fn func(Tx) error) error
	// FirstUse records key for ttl and reports whether it was not
	// already recorded: replay protection for signed requests without an
	// idempotency key. Everything sharing the store sees the same record.
	FirstUse(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Leases grants the time-limited, exclusive ownership of names that
	// every process sharing the store sees (leases.go).
	Leases() Leases
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
	// is complete_in_progress (payments whose outcome is not known yet),
	// in id order, starting after the id after (from the first when after
	// is empty), so that a caller can page through all of them.
	SessionsInProgress(after string, limit int) ([]string, error)
	// Orders lists up to limit orders, newest first, starting after the
	// order with id after (from the newest when after is empty).
	Orders(after string, limit int) ([]*model.Order, error)
	// OrdersCreatedBetween lists up to limit orders created at or after
	// from and before to, oldest first (by creation time, then id),
	// starting after the order with id after (from the oldest in the range
	// when after is empty). It walks the orders' time index, so a caller
	// paging through a window reads only the orders in it.
	OrdersCreatedBetween(from, to time.Time, after string, limit int) ([]*model.Order, error)
	// WebhookEvents lists up to limit outbox events in state (pending or
	// dead) in Seq order, starting after Seq afterSeq.
	WebhookEvents(state string, afterSeq uint64, limit int) ([]*model.WebhookEvent, error)
	// StockLevel returns the SKU's stock level, or ErrNotFound when the
	// SKU is not stock-controlled.
	StockLevel(sku string) (*model.StockLevel, error)
	// StockLevels lists every stock level, by SKU.
	StockLevels() ([]*model.StockLevel, error)
	// Reservation returns the session's reservation, or ErrNotFound.
	Reservation(sessionID string) (*model.Reservation, error)
	// Reservations lists up to limit reservations, by session id, starting
	// after the session afterID (from the first when it is empty).
	Reservations(afterID string, limit int) ([]*model.Reservation, error)
	// FailedOrders lists up to limit failed orders, newest first, starting
	// after the one whose Key is after (from the newest when empty).
	FailedOrders(after string, limit int) ([]*model.FailedOrder, error)
	// FailedOrder returns the failed order of the session's attempt, or
	// ErrNotFound.
	FailedOrder(sessionID string, attempt int) (*model.FailedOrder, error)
	// FeedTarget returns the publishing state of the feed target with the
	// name, or ErrNotFound.
	FeedTarget(name string) (*model.FeedTarget, error)
	// FeedTargets lists the publishing state of every feed target, by
	// name.
	FeedTargets() ([]*model.FeedTarget, error)
	// FeedProducts lists up to limit products the target's platform
	// accepted, by product id, starting after the product id after (from
	// the first when it is empty).
	FeedProducts(target, after string, limit int) ([]*model.FeedProduct, error)
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
	// the next outbox sequence number when its Seq is zero. It sets e.Seq,
	// so build a new event inside the transaction function: an event
	// built outside would keep the Seq of an attempt that was rolled back
	// when the function runs again. Every enqueue for one order conflicts
	// with every other one in flight, so that one order's events commit
	// in Seq order.
	PutWebhookEvent(e *model.WebhookEvent) error
	// DeleteWebhookEvent removes the event stored under its state and Seq.
	DeleteWebhookEvent(e *model.WebhookEvent) error
	// PutStockLevel stores the level as it is (setting stock, not
	// counting against it). Only in an UpdateStock transaction for its SKU.
	PutStockLevel(l *model.StockLevel) error
	// DeleteStockLevel ends the SKU's stock control. Only in an
	// UpdateStock transaction for the SKU.
	DeleteStockLevel(sku string) error
	// ReserveStock holds qty units of the SKU if that many are available
	// (on hand minus reserved): it adds qty to Reserved and reports true,
	// or changes nothing and reports false with the units available. A SKU
	// that is not stock-controlled gives ErrNotFound. A shared database
	// implements it as one conditional update. Only in an UpdateStock
	// transaction for the SKU.
	ReserveStock(sku string, qty int64) (ok bool, available int64, err error)
	// ReleaseStock gives qty held units of the SKU back (a SKU no longer
	// stock-controlled is left alone). Only in an UpdateStock transaction
	// for the SKU.
	ReleaseStock(sku string, qty int64) error
	// SellStock turns qty held units of the SKU into a sale: Reserved and
	// OnHand go down by qty, Sold up (a SKU no longer stock-controlled is
	// left alone). Only in an UpdateStock transaction for the SKU.
	SellStock(sku string, qty int64) error
	// PutReservation stores the session's reservation.
	PutReservation(r *model.Reservation) error
	// DeleteReservation removes the session's reservation, if any.
	DeleteReservation(sessionID string) error
	// PutFailedOrder stores the failed order under its session and
	// attempt, replacing an earlier record of the same attempt.
	PutFailedOrder(f *model.FailedOrder) error
	// PutFeedTarget stores a feed target's publishing state.
	PutFeedTarget(t *model.FeedTarget) error
	// DeleteFeedTarget removes a feed target's publishing state, if any;
	// its products are removed with DeleteFeedProducts.
	DeleteFeedTarget(name string) error
	// PutFeedProduct stores a product as the target's platform accepted
	// it, replacing the earlier record of the same product.
	PutFeedProduct(p *model.FeedProduct) error
	// DeleteFeedProduct removes a target's product record, if any.
	DeleteFeedProduct(target, productID string) error
	// DeleteFeedProducts removes up to limit (at least 1) of the target's
	// product records, the first by product id, and returns how many it
	// removed: a caller removing them all calls it in one transaction
	// after another until it removes none.
	//
	// A transaction should put or delete at most MaxFeedProductsPerTx
	// feed products: an embedded store refuses a transaction past its
	// size (Badger's ErrTxnTooBig, at about 26,000 deletes), and a
	// shared database holds its locks until the commit.
	DeleteFeedProducts(target string, limit int) (deleted int, err error)
	// HoldsLease returns ErrLeaseLost unless l still holds its name: no
	// other owner took the name over since l was granted, and the lease
	// has not lapsed (its stored expiry, as last renewed, is still ahead
	// by the store's lease clock), whether or not anyone took it since.
	// A commit that
	// must not overwrite the outcome of a newer holder (a replica whose
	// lease expired while it waited on a network call) checks it first:
	// the fencing check.
	HoldsLease(l Lease) error
}

// MaxFeedProductsPerTx is the most feed products a transaction should
// put or delete (Tx.DeleteFeedProducts).
const MaxFeedProductsPerTx = 1000

// Read runs get in a read-only snapshot of st and returns what it read:
// View for the common case of one value.
func Read[T any](ctx context.Context, st Store, get func(Reader) (T, error)) (T, error) {
	var v T
	err := st.View(ctx, func(r Reader) error {
		var err error
		v, err = get(r)
		return err
	})
	return v, err
}

// IndexNanos is t as a bound of a time index kept in nanoseconds since
// 1970 (as time.Time.UnixNano): times before 1970, the zero time
// included, are 0, and times past what int64 nanoseconds hold (the year
// 2262) are the largest value, so that any time bounds a window.
func IndexNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}
