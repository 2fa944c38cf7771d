package badgerstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// OrdersCreatedBetween walks the time index forwards from from (or from
// just after the order after) and stops at the first key created at or
// after to.
func (t *tx) OrdersCreatedBetween(from, to time.Time, after string, limit int) ([]*model.Order, error) {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = []byte(orderTimePrefix)
	it := t.txn.NewIterator(opts)
	defer it.Close()
	it.Seek(fmt.Appendf(nil, "%s%020d/", orderTimePrefix, store.IndexNanos(from)))
	if after != "" {
		o, err := t.Order(after)
		if err != nil {
			return nil, fmt.Errorf("orders after %s: %w", after, err)
		}
		key := orderTimeKey(o)
		for it.Seek(key); it.Valid() && string(it.Item().Key()) == string(key); it.Next() {
		}
	}
	end := store.IndexNanos(to)
	var out []*model.Order
	for ; it.Valid() && len(out) < limit; it.Next() {
		key := string(it.Item().Key())
		rest := key[len(orderTimePrefix):]
		if len(rest) < 21 || rest[20] != '/' {
			return nil, fmt.Errorf("malformed order time key %q", key)
		}
		ns, err := strconv.ParseInt(rest[:20], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed order time key %q: %w", key, err)
		}
		if ns >= end {
			break
		}
		o, err := t.Order(rest[21:])
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
