package merchantapi

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/stock"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

// serveStock runs StockRoutes over a Local on an in-memory store whose
// only stock-controlled SKU is "tee", with 5 on hand, and returns a Client
// of it.
func serveStock(t *testing.T) *Client {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	five := int64(5)
	local := &Local{Store: st}
	if err := stock.Sync(context.Background(), st, []stock.FileItem{{SKU: "tee", Stock: &five}, {SKU: "ebook"}}, local.now()); err != nil {
		t.Fatal(err)
	}
	return serveRoutes(t, func(r fiber.Router) { StockRoutes(r, local) })
}

// TestStockThroughClient drives the stock endpoints through the Client
// against the store.
func TestStockThroughClient(t *testing.T) {
	t.Parallel()
	c := serveStock(t)
	ctx := context.Background()
	list, err := c.StockLevels(ctx)
	if err != nil || len(list) != 1 || list[0].SKU != "tee" || list[0].OnHand != 5 || list[0].Available != 5 || *list[0].FileFigure != 5 {
		t.Fatalf("StockLevels() = %+v, %v", list, err)
	}
	if l, err := c.SetStock(ctx, "tee", 12); err != nil || l.OnHand != 12 || l.Available != 12 {
		t.Fatalf("SetStock() = %+v, %v", l, err)
	}
	if l, err := c.AdjustStock(ctx, "tee", -2); err != nil || l.OnHand != 10 {
		t.Fatalf("AdjustStock() = %+v, %v", l, err)
	}
	if l, err := c.StockLevel(ctx, "tee"); err != nil || l.OnHand != 10 || l.Sold != 0 {
		t.Fatalf("StockLevel() = %+v, %v", l, err)
	}
	testCases := map[string]struct {
		call       func() error
		wantStatus int
		wantParam  string
	}{
		"not stock-controlled": {func() error { _, err := c.StockLevel(ctx, "ebook"); return err }, http.StatusNotFound, ""},
		"below zero":           {func() error { _, err := c.AdjustStock(ctx, "tee", -11); return err }, http.StatusBadRequest, "$.delta"},
		"no on_hand": {func() error {
			return c.call(ctx, http.MethodPost, "/merchant/stock/tee", map[string]any{}, &StockLevel{})
		}, http.StatusBadRequest, "$.on_hand"},
		"no delta": {func() error {
			return c.call(ctx, http.MethodPost, "/merchant/stock/tee/adjust", map[string]any{"on_hand": 3}, &StockLevel{})
		}, http.StatusBadRequest, ""},
	}
	for name, tc := range testCases {
		var ae *apierr.Error
		if err := tc.call(); !errors.As(err, &ae) || ae.Status != tc.wantStatus || (tc.wantParam != "" && ae.Param != tc.wantParam) {
			t.Errorf("%s: error %#v, want status %d param %q", name, err, tc.wantStatus, tc.wantParam)
		}
	}
}
