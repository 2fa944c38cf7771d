package stock

import (
	"context"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/store"
)

// TestDiscountUses: a code's max_uses is synced as a stock level under
// its lower-case "discount:" SKU; UsesLeft counts what is held against it
// (any case of the code); the same figure at the next start keeps the
// uses counted; a new figure is a restock; a code without a limit has no
// level and is not limited.
func TestDiscountUses(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	sync := func(uses *int64) {
		t.Helper()
		items := append([]FileItem{{SKU: "mug", Stock: figure(3)}}, DiscountItems([]CodeLimit{{Code: "Save10", MaxUses: uses}, {Code: "FREE"}})...)
		if err := Sync(ctx, st, items, start); err != nil {
			t.Fatal(err)
		}
	}
	usesLeft := func(code string, wantLeft int64, wantLimited bool) {
		t.Helper()
		left, limited, err := UsesLeftIn(st)(ctx, code)
		if err != nil || left != wantLeft || limited != wantLimited {
			t.Fatalf("UsesLeft(%q) = %d, %v, %v; want %d, %v", code, left, limited, err, wantLeft, wantLimited)
		}
	}
	use := func(n int64) {
		t.Helper()
		err := st.UpdateStock(ctx, []string{"discount:save10"}, func(tx store.Tx) error {
			if ok, _, err := tx.ReserveStock("discount:save10", n); err != nil || !ok {
				t.Fatalf("reserve %d uses: %v, %v", n, ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	sync(figure(5))
	usesLeft("SAVE10", 5, true)
	usesLeft("free", 0, false)
	use(2)
	usesLeft("save10", 3, true)
	sync(figure(5))
	usesLeft("Save10", 3, true)
	sync(figure(10)) // a restock: 10 left from now, the 2 held still held
	usesLeft("Save10", 8, true)
	sync(nil) // no limit any more
	usesLeft("Save10", 0, false)

	if sku := DiscountSKU("Spring-Sale"); sku != "discount:spring-sale" {
		t.Fatalf("DiscountSKU() = %q", sku)
	}
	if code, ok := DiscountCode("discount:spring-sale"); !ok || code != "spring-sale" {
		t.Fatalf("DiscountCode() = %q, %v", code, ok)
	}
	if _, ok := DiscountCode("mug"); ok {
		t.Fatal("DiscountCode(mug) reports a code")
	}
}
