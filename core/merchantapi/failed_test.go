package merchantapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

// TestFailedOrdersThroughClient lists the failed orders of a store through
// the route and the Client, a page at a time, newest first.
func TestFailedOrdersThroughClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	base := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	err = st.Update(ctx, func(tx store.Tx) error {
		for i := range 3 {
			err := tx.PutFailedOrder(&model.FailedOrder{
				SessionID: fmt.Sprintf("cs_%d", i), Attempt: 1, Agent: "agent", HandlerID: "card", PaymentID: "pi_1",
				Amount: 1200, Currency: "usd", Reason: model.FailureOrderRefused, Money: model.PaymentVoided,
				Detail: "The order system refused the order.", CreatedAt: base.Add(time.Duration(i) * time.Minute),
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	local := &Local{Store: st, Orders: orders.New(st, nil, time.Now, nil)}
	c := serve(t, local)
	page, more, err := c.Failed(ctx, "", 2)
	if err != nil || !more || len(page) != 2 || page[0].SessionID != "cs_2" || page[1].SessionID != "cs_1" {
		t.Fatalf("Failed() first page = %+v, %v, %v", page, more, err)
	}
	if f := page[0]; f.Money != model.PaymentVoided || f.Reason != model.FailureOrderRefused || f.Amount != 1200 || !f.CreatedAt.Equal(base.Add(2*time.Minute)) {
		t.Errorf("record = %+v", f)
	}
	page, more, err = c.Failed(ctx, page[1].Key(), 2)
	if err != nil || more || len(page) != 1 || page[0].SessionID != "cs_0" {
		t.Fatalf("Failed() second page = %+v, %v, %v", page, more, err)
	}
	_, _, err = c.Failed(ctx, "cs_none/1", 2)
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Param != "$.starting_after" {
		t.Errorf("Failed() after an unknown record = %v, want 400 at $.starting_after", err)
	}
}
