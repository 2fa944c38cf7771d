package badgerstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// failedTimeKey sorts failed orders by the time they were recorded, then
// by key.
func failedTimeKey(f *model.FailedOrder) []byte {
	return fmt.Appendf(nil, "%s%020d/%s", failedTimePrefix, f.CreatedAt.UnixNano(), f.Key())
}

// PutFailedOrder stores the record and indexes it by time, moving the
// index entry of an earlier record of the same attempt.
func (t *tx) PutFailedOrder(f *model.FailedOrder) error {
	prev, err := t.FailedOrder(f.SessionID, f.Attempt)
	switch {
	case err == nil:
		if err := t.txn.Delete(failedTimeKey(prev)); err != nil {
			return fmt.Errorf("unindex failed order %s: %w", f.Key(), err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if err := put(t, []byte(failedPrefix+f.Key()), "failed order", f.Key(), f, record.EncodeFailedOrder); err != nil {
		return err
	}
	if err := t.txn.Set(failedTimeKey(f), nil); err != nil {
		return fmt.Errorf("index failed order %s by time: %w", f.Key(), err)
	}
	return nil
}

// FailedOrder reads the record of the session's attempt.
func (t *tx) FailedOrder(sessionID string, attempt int) (*model.FailedOrder, error) {
	return get(t, failedPrefix+sessionID+"/"+strconv.Itoa(attempt), record.DecodeFailedOrder)
}

// FailedOrders walks the time index from the newest record backwards.
func (t *tx) FailedOrders(after string, limit int) ([]*model.FailedOrder, error) {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Reverse = true
	opts.Prefix = []byte(failedTimePrefix)
	it := t.txn.NewIterator(opts)
	defer it.Close()
	it.Seek([]byte(failedTimePrefix + "\xff"))
	if after != "" {
		prev, err := get(t, failedPrefix+after, record.DecodeFailedOrder)
		if err != nil {
			return nil, fmt.Errorf("failed orders after %s: %w", after, err)
		}
		key := failedTimeKey(prev)
		for it.Seek(key); it.Valid() && string(it.Item().Key()) == string(key); it.Next() {
		}
	}
	var out []*model.FailedOrder
	for ; it.Valid() && len(out) < limit; it.Next() {
		key := strings.TrimPrefix(string(it.Item().Key()), failedTimePrefix)
		f, err := get(t, failedPrefix+key[strings.IndexByte(key, '/')+1:], record.DecodeFailedOrder)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
