package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/store"
)

// Leases are rows of the leases table: the name, the holder, the fencing
// token (from the lease_token sequence, so that every grant of a name has
// a larger one than the last) and the expiry, on the database's clock.
// Each call is one statement in a transaction of its own: no lock is held
// once it returns.

// leases is the store's store.Leases.
type leases struct{ s *Store }

// Leases returns the leases every process sharing the database honours.
func (s *Store) Leases() store.Leases { return leases{s} }

// Owner is this process: host name, process id and a random part.
func (l leases) Owner() string { return l.s.owner }

func (l leases) TryAcquire(ctx context.Context, name string, ttl time.Duration) (store.Lease, time.Duration, bool, error) {
	var token int64
	var until time.Time
	err := l.s.queryRow(ctx, `INSERT INTO leases (name, owner, token, expires_at)
		VALUES ($1, $2, nextval('lease_token'), clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
			WHERE leases.expires_at <= clock_timestamp()
		RETURNING token, expires_at`, name, l.s.owner, ttl.Microseconds()).Scan(&token, &until)
	if err == nil {
		return store.Lease{Name: name, Owner: l.s.owner + "/" + strconv.FormatInt(token, 10), Token: uint64(token), Until: until}, 0, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.Lease{}, 0, false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	var waitUS int64
	err = l.s.queryRow(ctx, "SELECT greatest(extract(epoch FROM expires_at - clock_timestamp()) * 1000000, 1)::bigint FROM leases WHERE name = $1", name).Scan(&waitUS)
	if errors.Is(err, pgx.ErrNoRows) {
		// Released in between: the caller may try again at once.
		return store.Lease{}, time.Microsecond, false, nil
	}
	if err != nil {
		return store.Lease{}, 0, false, fmt.Errorf("read lease %s: %w", name, err)
	}
	return store.Lease{}, time.Duration(waitUS) * time.Microsecond, false, nil
}

// maxPoll is the longest pause between two attempts of Acquire: a lease
// released early is noticed within it.
const maxPoll = 200 * time.Millisecond

// Acquire tries again when the holder releases the name (release.go), and
// in any case after a growing, jittered pause (never past the holder's
// expiry, nor past maxPoll).
func (l leases) Acquire(ctx context.Context, name string, ttl time.Duration) (store.Lease, error) {
	released, unsubscribe := l.s.releases.subscribe(dbKey(name))
	defer unsubscribe()
	pause := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		lease, wait, ok, err := l.TryAcquire(ctx, name, ttl)
		if err != nil {
			return store.Lease{}, err
		}
		if ok {
			return lease, nil
		}
		if attempt == 0 {
			l.s.listenReleases()
		}
		d := min(wait, pause)
		d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return store.Lease{}, fmt.Errorf("acquire lease %s: %w", name, ctx.Err())
		case <-timer.C:
		case <-released:
			timer.Stop()
		}
		pause = min(pause*2, maxPoll)
	}
}

func (l leases) Renew(ctx context.Context, lease *store.Lease, ttl time.Duration) error {
	var until time.Time
	err := l.s.queryRow(ctx, `UPDATE leases SET expires_at = clock_timestamp() + $3 * interval '1 microsecond'
		WHERE name = $1 AND token = $2 RETURNING expires_at`, lease.Name, int64(lease.Token), ttl.Microseconds()).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("renew lease %s: %w", lease.Name, store.ErrLeaseLost)
	}
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", lease.Name, err)
	}
	lease.Until = until
	return nil
}

func (l leases) Release(ctx context.Context, lease store.Lease) error {
	// The waiters of every process sharing the database are told.
	_, err := l.s.execPool(ctx, `WITH released AS (DELETE FROM leases WHERE name = $1 AND token = $2 RETURNING name)
		SELECT pg_notify($3, name) FROM released`, lease.Name, int64(lease.Token), l.s.leaseChannel)
	if err != nil {
		return fmt.Errorf("release lease %s: %w", lease.Name, err)
	}
	return nil
}

// HoldsLease is the fencing check, read in the transaction with a share
// lock on the lease's row until the transaction ends: a takeover waits
// for the commit (so that once another owner holds the name, no commit
// checked against the old token can follow), and a takeover committed
// after the transaction's snapshot fails it with a serialization error,
// whose retry sees the new token.
func (t *tx) HoldsLease(l store.Lease) error {
	var token int64
	err := t.queryRow("SELECT token FROM leases WHERE name = $1 FOR SHARE", l.Name).Scan(&token)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && uint64(token) != l.Token) {
		return fmt.Errorf("lease %s: %w", l.Name, store.ErrLeaseLost)
	}
	if err != nil {
		return fmt.Errorf("check lease %s: %w", l.Name, err)
	}
	return nil
}

// FirstUse records key for ttl (at least a second) with one statement: the
// insert succeeds, or takes over an expired record, for exactly one of
// any number of concurrent callers.
func (s *Store) FirstUse(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ttl = max(ttl, time.Second)
	now := s.now()
	tag, err := s.execPool(ctx, `INSERT INTO first_use (key, expires_at) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE first_use.expires_at <= $3`, key, now.Add(ttl), now)
	if err != nil {
		return false, fmt.Errorf("record one-time key: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
