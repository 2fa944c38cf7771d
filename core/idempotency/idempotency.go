package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// Outcome is the result of claiming a key.
type Outcome int

// Claim outcomes.
const (
	// Fresh means this request holds the key and must run.
	Fresh Outcome = iota + 1
	// Replay means the key was answered before for the same body.
	Replay
	// Conflict means the key was used before with a different body.
	Conflict
	// InFlight means another request holds the key right now.
	InFlight
)

// Policy holds the retention and lease durations.
type Policy struct {
	// Retention is how long a key is remembered (ACP: at least 24 h).
	Retention time.Duration
	// Lease is how long a request holds its key before a retry may take
	// it over.
	Lease time.Duration
}

// Claim is the result of Begin.
type Claim struct {
	Outcome Outcome
	// Key is the store key of the scoped idempotency key.
	Key string
	// Fingerprint is the hex SHA-256 of the request body's canonical form.
	Fingerprint string
	// Record is the stored record, for Replay.
	Record *model.IdempotencyRecord
	// RetryAfter is how long until an in-flight lease expires.
	RetryAfter time.Duration

	// held is a Fresh claim's lease; nil for the other outcomes.
	held *store.Held
}

// ScopedKey derives the store key of an idempotency key from its scope:
// the same key from another agent or on another path is another record.
func ScopedKey(agent, path, key string) string {
	sum := sha256.Sum256([]byte(agent + "\x00" + path + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// leaseName is the store lease guarding a key while a request runs.
func leaseName(key string) string { return "idempotency/" + key }

// Begin claims key for a request whose body has the given fingerprint.
// The claim is the store's lease on the key, which every process sharing
// the store honours; a Fresh claim keeps it renewed while the request
// runs, so that only a request whose process stopped (crashed or
// stalled) past p.Lease can be taken over. Unless the outcome is Fresh
// the lease is already released; a Fresh claim must be ended with End
// once its response is stored (or not).
func Begin(ctx context.Context, st store.Store, key, fingerprint string, now time.Time, p Policy) (Claim, error) {
	claim := Claim{Key: key, Fingerprint: fingerprint}
	leases := st.Leases()
	l, wait, ok, err := leases.TryAcquire(ctx, leaseName(key), p.Lease)
	if err != nil {
		return Claim{}, fmt.Errorf("claim idempotency key: %w", err)
	}
	if !ok {
		claim.Outcome, claim.RetryAfter = InFlight, wait
		return claim, nil
	}
	// The record is read only once the lease is held: a request that
	// stored its record released its lease after the commit, so this read
	// sees it.
	rec, err := store.Read(ctx, st, func(r store.Reader) (*model.IdempotencyRecord, error) { return r.IdempotencyRecord(key) })
	switch {
	case errors.Is(err, store.ErrNotFound), err == nil && !now.Before(rec.ExpiresAt):
		// None, or expired but not yet collected: a new request.
		claim.Outcome, claim.held = Fresh, store.Keep(leases, l, p.Lease, nil)
		return claim, nil
	case err != nil:
		_ = leases.Release(context.WithoutCancel(ctx), l)
		return Claim{}, fmt.Errorf("read idempotency record: %w", err)
	case rec.Fingerprint != fingerprint:
		claim.Outcome = Conflict
	default:
		claim.Outcome, claim.Record = Replay, rec
	}
	if err := leases.Release(ctx, l); err != nil {
		return Claim{}, fmt.Errorf("release idempotency key: %w", err)
	}
	return claim, nil
}

// MaxKeyLength is ACP's limit on an Idempotency-Key, in characters.
const MaxKeyLength = 255

// AnsweredError is returned by Finish when the key was answered by another
// request meanwhile (one that took the key over after this one's lease ran
// out). The transaction must be abandoned, so this request's change is not
// committed, and Record replayed instead.
type AnsweredError struct {
	Record *model.IdempotencyRecord
}

// Error implements error.
func (e *AnsweredError) Error() string { return "idempotency key already answered" }

// ErrTakenOver is returned by Finish when the claim's lease lapsed and
// another request took the key over, which has not answered yet: this
// request's transaction must be abandoned, as with AnsweredError, and the
// client told to retry (the key is in flight).
var ErrTakenOver = errors.New("idempotency key taken over by another request")

// Finish stores the response of a fresh claim inside tx, the transaction
// that also commits the request's business change. It reads the key first
// in the same transaction: if another request answered it meanwhile, it
// returns an *AnsweredError and stores nothing, so the first answer
// stands. Then it checks that the claim still holds its lease (the
// fencing check): if another request took the key over and is still
// running, it returns ErrTakenOver and stores nothing.
func Finish(tx store.Tx, c Claim, status int, body []byte, now time.Time, p Policy) error {
	prev, err := tx.IdempotencyRecord(c.Key)
	switch {
	case err == nil && now.Before(prev.ExpiresAt):
		return &AnsweredError{Record: prev}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	if c.held != nil {
		if err := tx.HoldsLease(c.held.Lease()); err != nil {
			return fmt.Errorf("%w: %w", ErrTakenOver, err)
		}
	}
	return tx.PutIdempotencyRecord(c.Key, &model.IdempotencyRecord{
		Fingerprint: c.Fingerprint,
		ExpiresAt:   now.Add(p.Retention),
		Status:      status,
		Body:        body,
	})
}

// End releases a fresh claim's lease. Call it after the response was
// stored, or when it will not be (a 5xx), so that a retry runs afresh.
func End(ctx context.Context, c Claim) {
	if c.held != nil {
		_ = c.held.Release(ctx)
	}
}
