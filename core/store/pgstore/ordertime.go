package pgstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// OrdersCreatedBetween reads a window of orders_by_time, oldest first.
func (t *tx) OrdersCreatedBetween(from, to time.Time, after string, limit int) ([]*model.Order, error) {
	lo, hi := store.IndexNanos(from), store.IndexNanos(to)
	if after == "" {
		return getMany(t, "orders by time", `SELECT format, body FROM orders WHERE created_ns >= $1 AND created_ns < $2
			ORDER BY created_ns, id LIMIT $3`, record.DecodeOrder, lo, hi, limit)
	}
	var ns int64
	err := t.queryRow("SELECT created_ns FROM orders WHERE id = $1", after).Scan(&ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("orders after %s: %w", after, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("orders after %s: %w", after, err)
	}
	return getMany(t, "orders by time", `SELECT format, body FROM orders WHERE created_ns >= $1 AND created_ns < $2 AND (created_ns, id) > ($3, $4)
		ORDER BY created_ns, id LIMIT $5`, record.DecodeOrder, lo, hi, ns, after, limit)
}
