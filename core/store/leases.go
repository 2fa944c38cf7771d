package store

import (
	"context"
	"errors"
	"time"
)

// ErrLeaseLost is returned when a lease is no longer held by its owner:
// it expired and another owner took the name over.
var ErrLeaseLost = errors.New("lease lost")

// Lease is the exclusive ownership of a name until a moment. What a name
// guards is up to its users: a checkout session ("session/<id>"), an
// in-flight idempotency key, an outbox queue.
type Lease struct {
	// Name is what the lease guards.
	Name string
	// Owner identifies the holder: the process (replica) and the grant.
	Owner string
	// Token is the fencing token: it grows with every grant of the name,
	// so that a later holder always has a larger one.
	Token uint64
	// Until is when the lease lapses unless it is renewed.
	Until time.Time
}

// Leases grants leases that every process sharing the store honours. An
// embedded store grants them within its process; a shared database
// grants them to every replica using it. No call holds a transaction or a
// row lock after it returns.
type Leases interface {
	// TryAcquire takes the lease on name for ttl unless another owner
	// holds an unexpired one; then ok is false and wait is how long that
	// lease has left.
	TryAcquire(ctx context.Context, name string, ttl time.Duration) (l Lease, wait time.Duration, ok bool, err error)
	// Acquire waits until it holds the lease on name for ttl, or ctx ends.
	Acquire(ctx context.Context, name string, ttl time.Duration) (Lease, error)
	// Renew extends a held lease to ttl from now, keeping its token; it
	// returns ErrLeaseLost when another owner took the name over or when
	// the lease already lapsed (a lapsed lease is never revived: its
	// holder may have stalled past it while others acted on its lapse).
	Renew(ctx context.Context, l *Lease, ttl time.Duration) error
	// Release gives a held lease up; a lease no longer held is left alone.
	Release(ctx context.Context, l Lease) error
	// Owner identifies this process among those sharing the store: the
	// prefix of the Owner of every lease it is granted.
	Owner() string
}

// OutboxWatcher is implemented by a store that several processes share:
// WatchOutbox calls wake whenever any of them commits a webhook event, so
// that every deliverer reads the outbox at once instead of at its next
// poll. It returns when ctx ends. A store used by one process has no need
// for it: the process wakes its own deliverer.
type OutboxWatcher interface {
	WatchOutbox(ctx context.Context, wake func()) error
}
