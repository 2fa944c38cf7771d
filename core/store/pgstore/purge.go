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

// Purge deletes, in batches, what the embedded store drops by TTL:
// idempotency records and one-time keys past their expiry, sessions past
// their retention, and leases lapsed for an hour. It returns how many
// rows it deleted. The host runs it on a schedule.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	now := s.now()
	jobs := []struct {
		what, table, where string
		at                 time.Time
	}{
		{"idempotency records", "idempotency_records", "expires_at <= $1", now},
		{"one-time keys", "first_use", "expires_at <= $1", now},
		{"sessions", "sessions", "purge_at <= $1", now},
		{"leases", "leases", "expires_at <= $1", now.Add(-leaseGrace)},
	}
	var total int64
	for _, j := range jobs {
		for {
			tag, err := s.pool.Exec(ctx, "DELETE FROM "+j.table+" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "+j.table+" WHERE "+j.where+" LIMIT $2))", j.at, purgeBatch)
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
