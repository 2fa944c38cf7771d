package stock

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/acp-sidecar/acp/core/store"
)

// Usage-limited discount codes are counted as stock: each code limited to
// n uses is a stock level under DiscountSKU(code) with n on hand, and one
// use is held with a payment attempt, sold with its order and given back
// on a decline, a refusal, a cancel or an expiry, exactly like one unit of
// an item.

// DiscountSKUPrefix starts the SKU of a usage-limited discount code.
const DiscountSKUPrefix = "discount:"

// DiscountSKU is the SKU under which code's uses are counted: the prefix
// and the code in lower case (codes match case-insensitively).
func DiscountSKU(code string) string {
	return DiscountSKUPrefix + strings.ToLower(code)
}

// DiscountCode returns the code a discount SKU counts (lower case) and
// whether sku is one.
func DiscountCode(sku string) (string, bool) {
	return strings.CutPrefix(sku, DiscountSKUPrefix)
}

// CodeLimit is one code of acp.yaml's promotions as stock control sees
// it.
type CodeLimit struct {
	// Code is the promotion's code.
	Code string
	// MaxUses is how many orders may use it; nil means unlimited (the code
	// has no stock level).
	MaxUses *int64
}

// DiscountItems are the codes' stock figures, for Sync beside the
// catalog's items: a code's figure is its MaxUses, applied with Sync's
// rules (the figure is on hand when first written; a changed figure is a
// restock: that many uses are left from now, whatever was used before).
func DiscountItems(limits []CodeLimit) []FileItem {
	out := make([]FileItem, 0, len(limits))
	for _, l := range limits {
		out = append(out, FileItem{SKU: DiscountSKU(l.Code), Stock: l.MaxUses})
	}
	return out
}

// UsesLeft reports how many uses of code are left in st (on hand less
// what running attempts hold, as stock availability is computed) and
// whether the code is usage-limited at all (it has a stock level). The
// built-in promotions take it (bound to the store by UsesLeftIn) to reject
// a code with no use left before the buyer pays.
func UsesLeft(ctx context.Context, st store.Store, code string) (left int64, limited bool, err error) {
	sku := DiscountSKU(code)
	l, err := store.Read(ctx, st, func(r store.Reader) (int64, error) {
		lvl, err := r.StockLevel(sku)
		if err != nil {
			return 0, err
		}
		return lvl.Available(), nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read uses left of discount code: %w", err)
	}
	return l, true, nil
}

// UsesLeftIn is UsesLeft bound to st, in the shape the built-in
// promotions take.
func UsesLeftIn(st store.Store) func(ctx context.Context, code string) (int64, bool, error) {
	return func(ctx context.Context, code string) (int64, bool, error) { return UsesLeft(ctx, st, code) }
}
