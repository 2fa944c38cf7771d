package pgstore

import (
	"context"
	"fmt"
	"time"
)

// purgeBatch is how many rows one purge statement deletes, so that no
// statement holds many row locks or runs long.
const purgeBatch = 1000

// leaseGrace is how long a lapsed lease is kept before the purge deletes
// it (a lapsed lease is harmless: the next TryAcquire takes it over).
const leaseGrace = time.Hour

// dbClock is the condition of a row past its expiry, on the database's
// clock, by at least $1 microseconds.
const dbClock = "expires_at <= clock_timestamp() - $1 * interval '1 microsecond'"

// Purge deletes, in batches, what the embedded store drops by TTL:
// idempotency records and one-time keys past their expiry, sessions past
// their retention, and leases lapsed for an hour. It returns how many
// rows it deleted. The host runs it on a schedule. One-time keys and
// leases expire on the database's clock; idempotency records and
// sessions on the times the replicas wrote (their clocks, which must be
// kept in sync: docs/configuration.md).
func (s *Store) Purge(ctx context.Context) (int64, error) {
	now := s.now()
	jobs := []struct {
		what, table, where string
		// $1 of where: a moment (replicas' clocks), or a grace in
		// microseconds before the database's clock.
		arg any
	}{
		{"idempotency records", "idempotency_records", "expires_at <= $1", now},
		{"one-time keys", "first_use", dbClock, int64(0)},
		{"sessions", "sessions", "purge_at <= $1", now},
		{"leases", "leases", dbClock, leaseGrace.Microseconds()},
	}
	var total int64
	for _, j := range jobs {
		for {
			sql := "DELETE FROM " + j.table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + j.table + " WHERE " + j.where + " LIMIT $2))"
			tag, err := s.pool.Exec(ctx, sql, j.arg, purgeBatch)
			if err != nil {
				return total, fmt.Errorf("purge %s: %w", j.what, err)
			}
			total += tag.RowsAffected()
			s.metrics.purged.WithLabelValues(j.table).Add(float64(tag.RowsAffected()))
			if tag.RowsAffected() < purgeBatch {
				break
			}
			if err := ctx.Err(); err != nil {
				return total, err
			}
		}
	}
	return total, nil
}
