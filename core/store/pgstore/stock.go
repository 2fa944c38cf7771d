package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// Stock levels keep their counts (on hand, reserved, sold, updated) in
// columns, which the conditional updates change, and the rest of the
// record (the file's figure, when it was set) in the record body; reading
// a level decodes the body and takes the counts from the columns.

// UpdateStock runs fn as Update does, holding an advisory lock per SKU
// (taken in order, before the transaction's snapshot, and given up after
// it): ReserveStock is a conditional update and exact without them, but
// with them many replicas racing for one SKU take turns instead of
// failing one another's serializable transactions over and over.
func (s *Store) UpdateStock(ctx context.Context, skus []string, fn func(store.Tx) error) error {
	if skus == nil {
		skus = []string{}
	}
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, skus, func(t *tx) error { return fn(t) })
}

// stockLocks are the advisory lock keys of skus, sorted and unique.
func (s *Store) stockLocks(skus []string) []int64 {
	locks := make([]int64, 0, len(skus))
	for _, sku := range skus {
		locks = append(locks, advisoryKey(s.opts.Schema+"/stock/"+sku))
	}
	slices.Sort(locks)
	return slices.Compact(locks)
}

// stockColumns are a level's columns, in the order scanLevel reads them.
const stockColumns = "on_hand, reserved, sold, updated_at, format, body"

// scanLevel reads a level from a row of stockColumns.
func scanLevel(row pgx.Row) (*model.StockLevel, error) {
	var onHand, reserved, sold int64
	var updated time.Time
	var format int16
	var body []byte
	if err := row.Scan(&onHand, &reserved, &sold, &updated, &format, &body); err != nil {
		return nil, err
	}
	l, err := record.DecodeStockLevel(int(format), body)
	if err != nil {
		return nil, err
	}
	l.OnHand, l.Reserved, l.Sold, l.UpdatedAt = onHand, reserved, sold, updated.UTC()
	return l, nil
}

func (t *tx) StockLevel(sku string) (*model.StockLevel, error) {
	l, err := scanLevel(t.queryRow("SELECT "+stockColumns+" FROM stock_levels WHERE sku = $1", sku))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read stock level %s: %w", sku, err)
	}
	return l, nil
}

func (t *tx) StockLevels() ([]*model.StockLevel, error) {
	rows, err := t.query("SELECT " + stockColumns + " FROM stock_levels ORDER BY sku")
	if err != nil {
		return nil, fmt.Errorf("list stock levels: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.StockLevel, error) { return scanLevel(r) })
	if err != nil {
		return nil, fmt.Errorf("list stock levels: %w", err)
	}
	return out, nil
}

// stockOnly refuses a stock change outside UpdateStock, as the embedded
// store does.
func (t *tx) stockOnly(sku, what string) error {
	if !slices.Contains(t.stockSKUs, sku) {
		return fmt.Errorf("stock of %q %s outside an UpdateStock transaction for it", sku, what)
	}
	return nil
}

func (t *tx) PutStockLevel(l *model.StockLevel) error {
	if err := t.stockOnly(l.SKU, "set"); err != nil {
		return err
	}
	data, err := encode("stock level", l.SKU, l, record.EncodeStockLevel)
	if err != nil {
		return err
	}
	return t.exec("store stock level "+l.SKU, `INSERT INTO stock_levels (sku, on_hand, reserved, sold, updated_at, format, body) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved, sold = EXCLUDED.sold,
			updated_at = EXCLUDED.updated_at, format = EXCLUDED.format, body = EXCLUDED.body`,
		l.SKU, l.OnHand, l.Reserved, l.Sold, l.UpdatedAt, record.WriteFormat(l), data)
}

func (t *tx) DeleteStockLevel(sku string) error {
	if err := t.stockOnly(sku, "deleted"); err != nil {
		return err
	}
	return t.exec("delete stock level "+sku, "DELETE FROM stock_levels WHERE sku = $1", sku)
}

// ReserveStock is one conditional update: it raises Reserved only while
// enough units are available.
func (t *tx) ReserveStock(sku string, qty int64) (bool, int64, error) {
	if err := t.stockOnly(sku, "changed"); err != nil {
		return false, 0, err
	}
	var avail int64
	err := t.queryRow(`UPDATE stock_levels SET reserved = reserved + $2, updated_at = $3
		WHERE sku = $1 AND on_hand - reserved >= $2 RETURNING greatest(on_hand - reserved, 0)`, sku, qty, t.store.now().UTC()).Scan(&avail)
	if err == nil {
		return true, avail, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, fmt.Errorf("reserve stock of %s: %w", sku, err)
	}
	err = t.queryRow("SELECT greatest(on_hand - reserved, 0) FROM stock_levels WHERE sku = $1", sku).Scan(&avail)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, 0, store.ErrNotFound
	}
	if err != nil {
		return false, 0, fmt.Errorf("read stock of %s: %w", sku, err)
	}
	return false, avail, nil
}

func (t *tx) ReleaseStock(sku string, qty int64) error {
	if err := t.stockOnly(sku, "changed"); err != nil {
		return err
	}
	return t.exec("release stock of "+sku, "UPDATE stock_levels SET reserved = greatest(reserved - $2, 0), updated_at = $3 WHERE sku = $1",
		sku, qty, t.store.now().UTC())
}

func (t *tx) SellStock(sku string, qty int64) error {
	if err := t.stockOnly(sku, "changed"); err != nil {
		return err
	}
	return t.exec("sell stock of "+sku, `UPDATE stock_levels SET reserved = greatest(reserved - $2, 0), on_hand = greatest(on_hand - $2, 0),
		sold = sold + $2, updated_at = $3 WHERE sku = $1`, sku, qty, t.store.now().UTC())
}
