package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// Key prefixes of the stock records. Keys are "<prefix><sku>" and
// "<prefix><session id>".
const (
	stockPrefix       = "stock/"
	reservationPrefix = "reservation/"
)

// skuLocks serialises the transactions that change one SKU's stock inside
// this process. Badger's transactions are optimistic: 200 attempts
// reserving the same SKU at once would conflict again and again and give
// up after maxConflictRetries; taking turns, each one commits at its first
// try. A fixed array of mutexes striped by SKU keeps memory constant; two
// SKUs sharing a stripe only wait for each other.
type skuLocks struct {
	seed    maphash.Seed
	stripes [256]sync.Mutex
}

// lock locks the stripes of skus in ascending order (so that two
// transactions never wait for each other in a circle) and returns the
// unlock function.
func (l *skuLocks) lock(skus []string) func() {
	idx := make([]int, 0, len(skus))
	for _, sku := range skus {
		idx = append(idx, int(maphash.String(l.seed, sku)%uint64(len(l.stripes))))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		l.stripes[i].Lock()
	}
	return func() {
		for _, i := range slices.Backward(idx) {
			l.stripes[i].Unlock()
		}
	}
}

// UpdateStock runs fn as Update does, holding the locks of skus; the
// transaction's stock methods refuse any other SKU.
func (s *Store) UpdateStock(ctx context.Context, skus []string, fn func(store.Tx) error) error {
	unlock := s.skus.lock(skus)
	defer unlock()
	return s.Update(ctx, func(t store.Tx) error {
		locked := t.(*tx)
		locked.stockSKUs = skus
		return fn(locked)
	})
}

// lockedLevel returns the level of a SKU this transaction may change, or an
// error when it did not lock it.
func (t *tx) lockedLevel(sku string) (*model.StockLevel, error) {
	if !slices.Contains(t.stockSKUs, sku) {
		return nil, fmt.Errorf("stock of %q changed outside an UpdateStock transaction for it", sku)
	}
	return t.StockLevel(sku)
}

// StockLevel reads the SKU's level.
func (t *tx) StockLevel(sku string) (*model.StockLevel, error) {
	if !t.readOnly {
		return get(t, stockPrefix+sku, record.DecodeStockLevel)
	}
	// Every create and update reads the levels of its items, which
	// change far less often: a read-only transaction takes the level
	// decoded from the same value before, when there is one.
	key := stockPrefix + sku
	item, err := getItem(t, key)
	if err != nil {
		return nil, err
	}
	if l, ok := t.store.levels.get(sku, item.Version()); ok {
		return l, nil
	}
	l, err := decodeItem(item, key, record.DecodeStockLevel)
	if err != nil {
		return nil, err
	}
	t.store.levels.put(sku, item.Version(), l)
	return l, nil
}

// levelCache holds each SKU's level as last decoded in a read-only
// transaction, with the version of the value it was decoded from. In a
// committed value's version Badger names one commit, and one commit
// writes one value under a key: a level read at the same version is the
// same level, and a level written since has another version. (In a
// read-write transaction a value of its own, not yet committed, reads
// with the transaction's read version, which a committed value may have
// too, so those transactions always decode.) Callers may change the
// levels they get: the cache hands out copies.
type levelCache struct{ levels sync.Map }

// cachedLevel is one SKU's entry in a levelCache.
type cachedLevel struct {
	version uint64
	level   model.StockLevel
}

// get returns a copy of the SKU's level decoded from the value of
// version, if cached.
func (c *levelCache) get(sku string, version uint64) (*model.StockLevel, bool) {
	v, ok := c.levels.Load(sku)
	if !ok || v.(*cachedLevel).version != version {
		return nil, false
	}
	return copyLevel(v.(*cachedLevel).level), true
}

// put keeps a copy of l, decoded from the SKU's value of version, unless
// a later version is cached already.
func (c *levelCache) put(sku string, version uint64, l *model.StockLevel) {
	entry := &cachedLevel{version: version, level: *copyLevel(*l)}
	for {
		old, loaded := c.levels.LoadOrStore(sku, entry)
		if !loaded || old.(*cachedLevel).version >= version || c.levels.CompareAndSwap(sku, old, entry) {
			return
		}
	}
}

// forget drops the SKU's entry, when its level is deleted, so that the
// cache holds no more SKUs than the store.
func (c *levelCache) forget(sku string) { c.levels.Delete(sku) }

// copyLevel returns a copy of l sharing no memory with it.
func copyLevel(l model.StockLevel) *model.StockLevel {
	if l.FileFigure != nil {
		figure := *l.FileFigure
		l.FileFigure = &figure
	}
	return &l
}

// StockLevels walks the stock prefix.
func (t *tx) StockLevels() ([]*model.StockLevel, error) {
	return list(t, stockPrefix, "", 0, record.DecodeStockLevel)
}

// PutStockLevel stores the level.
func (t *tx) PutStockLevel(l *model.StockLevel) error {
	if !slices.Contains(t.stockSKUs, l.SKU) {
		return fmt.Errorf("stock of %q set outside an UpdateStock transaction for it", l.SKU)
	}
	return put(t, []byte(stockPrefix+l.SKU), "stock level", l.SKU, l, record.EncodeStockLevel)
}

// DeleteStockLevel removes the SKU's level.
func (t *tx) DeleteStockLevel(sku string) error {
	if !slices.Contains(t.stockSKUs, sku) {
		return fmt.Errorf("stock of %q deleted outside an UpdateStock transaction for it", sku)
	}
	if err := t.txn.Delete([]byte(stockPrefix + sku)); err != nil {
		return fmt.Errorf("delete stock level %s: %w", sku, err)
	}
	t.store.levels.forget(sku)
	return nil
}

// ReserveStock checks and raises Reserved under the SKU's lock.
func (t *tx) ReserveStock(sku string, qty int64) (bool, int64, error) {
	l, err := t.lockedLevel(sku)
	if err != nil {
		return false, 0, err
	}
	if avail := l.Available(); avail < qty {
		return false, avail, nil
	}
	l.Reserved += qty
	l.UpdatedAt = t.store.now().UTC()
	return true, l.Available(), t.PutStockLevel(l)
}

// ReleaseStock lowers Reserved.
func (t *tx) ReleaseStock(sku string, qty int64) error {
	return t.changeLevel(sku, func(l *model.StockLevel) {
		l.Reserved = max(0, l.Reserved-qty)
	})
}

// SellStock lowers Reserved and OnHand and raises Sold. OnHand stays at
// zero or above: it can only fall below the held units when acp.yaml
// lowered the figure while they were held.
func (t *tx) SellStock(sku string, qty int64) error {
	return t.changeLevel(sku, func(l *model.StockLevel) {
		l.Reserved = max(0, l.Reserved-qty)
		l.OnHand = max(0, l.OnHand-qty)
		l.Sold += qty
	})
}

// changeLevel applies change to the SKU's level; a SKU no longer
// stock-controlled is left alone.
func (t *tx) changeLevel(sku string, change func(*model.StockLevel)) error {
	l, err := t.lockedLevel(sku)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	change(l)
	l.UpdatedAt = t.store.now().UTC()
	return t.PutStockLevel(l)
}

// Reservation reads the session's reservation.
func (t *tx) Reservation(sessionID string) (*model.Reservation, error) {
	return get(t, reservationPrefix+sessionID, record.DecodeReservation)
}

// Reservations walks the reservation prefix.
func (t *tx) Reservations(afterID string, limit int) ([]*model.Reservation, error) {
	return list(t, reservationPrefix, afterID, limit, record.DecodeReservation)
}

// PutReservation stores the reservation.
func (t *tx) PutReservation(r *model.Reservation) error {
	return put(t, []byte(reservationPrefix+r.SessionID), "reservation", r.SessionID, r, record.EncodeReservation)
}

// DeleteReservation removes the session's reservation.
func (t *tx) DeleteReservation(sessionID string) error {
	if err := t.txn.Delete([]byte(reservationPrefix + sessionID)); err != nil {
		return fmt.Errorf("delete reservation %s: %w", sessionID, err)
	}
	return nil
}

// list decodes up to limit records (all when limit is 0) under prefix, in
// key order, starting after the key prefix+after when after is set.
func list[T any](t *tx, prefix, after string, limit int, decode func(format int, data []byte) (*T, error)) ([]*T, error) {
	return listKeyed(t, prefix, after, limit, decode, func(string, *T) {})
}

// listKeyed is list calling keyed with each record and its key (without
// prefix) before returning it.
func listKeyed[T any](t *tx, prefix, after string, limit int, decode func(format int, data []byte) (*T, error), keyed func(key string, v *T)) ([]*T, error) {
	var out []*T
	err := iterate(t, prefix, after, func(val []byte) (*T, error) { return decodeValue(val, decode) }, func(key string, v *T) (bool, error) {
		keyed(key, v)
		out = append(out, v)
		return limit == 0 || len(out) < limit, nil
	})
	return out, err
}
