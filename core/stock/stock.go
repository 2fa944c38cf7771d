package stock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// FileItem is one item of acp.yaml's catalog as stock control sees it.
type FileItem struct {
	// SKU is the item's id.
	SKU string
	// Stock is the file's figure; nil means the item is not
	// stock-controlled.
	Stock *int64
}

// Tracked reports whether any item is stock-controlled.
func Tracked(items []FileItem) bool {
	for _, it := range items {
		if it.Stock != nil {
			return true
		}
	}
	return false
}

// Sync applies acp.yaml's figures to the store's levels, at start:
//
//   - an item with a figure and no level gets one with that figure on
//     hand (the first start, or the item's first figure);
//   - an item whose figure differs from the one last applied is
//     restocked: the new figure is on hand from now, and sales count from
//     now (Sold starts again at zero);
//   - an item whose figure is the one last applied keeps its level, with
//     the sales since;
//   - an item without a figure, or no longer in the file, loses its
//     level: it is not stock-controlled.
//
// Units held by running attempts stay held, and stay on hand: a new
// figure below what they hold puts on hand exactly the held units (the
// floor), so that every running attempt can still be sold what it holds
// and nothing more can be bought until the stock is raised.
func Sync(ctx context.Context, st store.Store, items []FileItem, now time.Time) error {
	levels, err := Levels(ctx, st)
	if err != nil {
		return err
	}
	figures := make(map[string]*int64, len(items))
	skus := make([]string, 0, len(items)+len(levels))
	for _, it := range items {
		figures[it.SKU] = it.Stock
		skus = append(skus, it.SKU)
	}
	for _, l := range levels {
		if _, ok := figures[l.SKU]; !ok {
			skus = append(skus, l.SKU)
		}
	}
	now = now.UTC()
	return st.UpdateStock(ctx, skus, func(tx store.Tx) error {
		for _, sku := range skus {
			if err := syncOne(tx, sku, figures[sku], now); err != nil {
				return err
			}
		}
		return nil
	})
}

// syncOne applies one SKU's figure (nil: none).
func syncOne(tx store.Tx, sku string, figure *int64, now time.Time) error {
	l, err := tx.StockLevel(sku)
	switch {
	case errors.Is(err, store.ErrNotFound):
		l = nil
	case err != nil:
		return fmt.Errorf("read stock of %s: %w", sku, err)
	}
	switch {
	case figure == nil && l == nil:
		return nil
	case figure == nil:
		return tx.DeleteStockLevel(sku)
	case l == nil:
		l = &model.StockLevel{SKU: sku}
	case l.FileFigure != nil && *l.FileFigure == *figure:
		return nil
	}
	f := *figure
	l.OnHand, l.Sold, l.FileFigure, l.SetAt, l.UpdatedAt = max(f, l.Reserved), 0, &f, now, now
	return tx.PutStockLevel(l)
}

// Levels lists every stock level, by SKU.
func Levels(ctx context.Context, st store.Store) ([]*model.StockLevel, error) {
	out, err := store.Read(ctx, st, store.Reader.StockLevels)
	if err != nil {
		return nil, fmt.Errorf("read stock levels: %w", err)
	}
	return out, nil
}

// Level returns one SKU's level.
func Level(ctx context.Context, st store.Store, sku string) (*model.StockLevel, error) {
	out, err := store.Read(ctx, st, func(r store.Reader) (*model.StockLevel, error) { return r.StockLevel(sku) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, notControlled(sku)
	}
	if err != nil {
		return nil, fmt.Errorf("read stock of %s: %w", sku, err)
	}
	return out, nil
}

// Set records that onHand units of the SKU are on hand now; sales count
// from now.
func Set(ctx context.Context, st store.Store, sku string, onHand int64, now time.Time) (*model.StockLevel, error) {
	if onHand < 0 {
		return nil, apierr.Invalid(apierr.CodeInvalid, "$.on_hand", "on_hand must be 0 or more, got %d.", onHand)
	}
	return change(ctx, st, sku, now, func(l *model.StockLevel) {
		l.OnHand, l.Sold, l.SetAt = onHand, 0, now.UTC()
	})
}

// Adjust adds delta units (negative: takes them away) to what is on hand,
// keeping the sales counted so far: a delivery, a breakage, a count.
func Adjust(ctx context.Context, st store.Store, sku string, delta int64, now time.Time) (*model.StockLevel, error) {
	return change(ctx, st, sku, now, func(l *model.StockLevel) {
		l.OnHand += delta
	})
}

// change applies set to the SKU's level under its lock, refusing a
// result with fewer units on hand than running attempts hold.
func change(ctx context.Context, st store.Store, sku string, now time.Time, set func(*model.StockLevel)) (*model.StockLevel, error) {
	var out *model.StockLevel
	err := st.UpdateStock(ctx, []string{sku}, func(tx store.Tx) error {
		l, err := tx.StockLevel(sku)
		if errors.Is(err, store.ErrNotFound) {
			return notControlled(sku)
		}
		if err != nil {
			return fmt.Errorf("read stock of %s: %w", sku, err)
		}
		set(l)
		if l.OnHand < 0 {
			return apierr.Invalid(apierr.CodeInvalid, "$.delta", "Taking that many units of %s away would leave %d on hand; on hand cannot go below 0.", sku, l.OnHand)
		}
		if l.OnHand < l.Reserved {
			return apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, apierr.CodeInvalid,
				"%d units of %s are held by payments in progress; on hand cannot go below that (it would be %d). Retry when they are settled.",
				l.Reserved, sku, l.OnHand)
		}
		l.UpdatedAt = now.UTC()
		out = l
		return tx.PutStockLevel(l)
	})
	return out, err
}

func notControlled(sku string) *apierr.Error {
	return apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound,
		"SKU %q is not stock-controlled: give it a stock figure in acp.yaml (catalog.items[].stock or a product variant's stock) and restart to control its stock.", sku)
}
