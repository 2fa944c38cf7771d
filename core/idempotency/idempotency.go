package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
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

	// owner identifies a Fresh claim's lease; 0 for the other outcomes.
	owner uint64
}

// ScopedKey derives the store key of an idempotency key from its scope:
// the same key from another agent or on another path is another record.
func ScopedKey(agent, path, key string) string {
	sum := sha256.Sum256([]byte(agent + "\x00" + path + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// Leases are the in-flight claims of this process.
type Leases struct {
	mu     sync.Mutex
	held   map[string]lease
	owners uint64
}

type lease struct {
	owner uint64
	until time.Time
}

// NewLeases returns an empty lease table.
func NewLeases() *Leases { return &Leases{held: map[string]lease{}} }

// acquire takes key for d unless a live lease holds it.
func (l *Leases) acquire(key string, now time.Time, d time.Duration) (owner uint64, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, held := l.held[key]; held && now.Before(cur.until) {
		return 0, cur.until.Sub(now), false
	}
	l.owners++
	l.held[key] = lease{owner: l.owners, until: now.Add(d)}
	return l.owners, 0, true
}

// release drops key's lease if owner still holds it.
func (l *Leases) release(key string, owner uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, held := l.held[key]; held && cur.owner == owner {
		delete(l.held, key)
	}
}

// Begin claims key for a request whose body has the given fingerprint.
// Unless the outcome is Fresh the lease is already released; a Fresh
// claim must be ended with End once its response is stored (or not).
func Begin(ctx context.Context, st store.Store, leases *Leases, key, fingerprint string, now time.Time, p Policy) (Claim, error) {
	claim := Claim{Key: key, Fingerprint: fingerprint}
	owner, wait, ok := leases.acquire(key, now, p.Lease)
	if !ok {
		claim.Outcome, claim.RetryAfter = InFlight, wait
		return claim, nil
	}
	// The record is read only once the lease is held: a request that
	// stored its record released its lease after the commit, so this read
	// sees it.
	var rec *model.IdempotencyRecord
	err := st.View(ctx, func(r store.Reader) error {
		var err error
		rec, err = r.IdempotencyRecord(key)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		claim.Outcome, claim.owner = Fresh, owner
		return claim, nil
	case err != nil:
		leases.release(key, owner)
		return Claim{}, fmt.Errorf("read idempotency record: %w", err)
	}
	switch {
	case !now.Before(rec.ExpiresAt):
		// Expired but not yet collected: a new request.
		claim.Outcome, claim.owner = Fresh, owner
		return claim, nil
	case rec.Fingerprint != fingerprint:
		claim.Outcome = Conflict
	default:
		claim.Outcome, claim.Record = Replay, rec
	}
	leases.release(key, owner)
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

// Finish stores the response of a fresh claim inside tx, the transaction
// that also commits the request's business change. It reads the key first
// in the same transaction: if another request answered it meanwhile, it
// returns an *AnsweredError and stores nothing, so the first answer stands.
func Finish(tx store.Tx, c Claim, status int, body []byte, now time.Time, p Policy) error {
	prev, err := tx.IdempotencyRecord(c.Key)
	switch {
	case err == nil && now.Before(prev.ExpiresAt):
		return &AnsweredError{Record: prev}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
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
func End(leases *Leases, c Claim) {
	if c.owner != 0 {
		leases.release(c.Key, c.owner)
	}
}
