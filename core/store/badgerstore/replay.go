package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/acp-sidecar/acp/core/store"
)

// replayPrefix keys the one-time values of FirstUse: "replay/<key>",
// with no value, dropped by Badger when their TTL ends.
const replayPrefix = "replay/"

// FirstUse records key for ttl (at least a second) and reports whether it
// was not recorded yet. Two concurrent calls with one key conflict in
// Badger, and the retried one finds the key: exactly one reports true.
func (s *Store) FirstUse(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ttl = max(ttl, time.Second)
	var first bool
	err := s.Update(ctx, func(t store.Tx) error {
		txn := t.(*tx).txn
		k := []byte(replayPrefix + key)
		_, err := txn.Get(k)
		switch {
		case err == nil:
			first = false
			return nil
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		first = true
		return txn.SetEntry(badger.NewEntry(k, nil).WithTTL(ttl))
	})
	if err != nil {
		return false, fmt.Errorf("record one-time key: %w", err)
	}
	return first, nil
}
