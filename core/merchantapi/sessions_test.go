package merchantapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

// TestCheckoutSessionThroughClient reads a stored session (a canceled one
// with its intent trace, a completed one with its order) through the
// Client over SessionRoutes, and an unknown id as a 404.
func TestCheckoutSessionThroughClient(t *testing.T) {
	t.Parallel()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	canceled := &model.Session{ID: "cs_canceled", Agent: "openai", APIVersion: "2026-04-17", Status: model.StatusCanceled, Currency: "usd",
		Totals: model.Totals{Total: 2309}, CreatedAt: at, UpdatedAt: at.Add(time.Minute), ExpiresAt: at.Add(time.Hour),
		WriteOnly: model.WriteOnly{IntentTrace: json.RawMessage(`{"reason_code":"shipping_cost"}`)}}
	completed := &model.Session{ID: "cs_completed", Agent: "openai", APIVersion: "2026-01-30", Status: model.StatusCompleted, Currency: "usd",
		CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), Order: &model.Order{ID: "ord_completed", CheckoutSessionID: "cs_completed"}}
	if err := st.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.PutSession(canceled); err != nil {
			return err
		}
		return tx.PutSession(completed)
	}); err != nil {
		t.Fatal(err)
	}
	c := serveRoutes(t, func(r fiber.Router) { SessionRoutes(r, &Local{Store: st}) })
	ctx := context.Background()

	got, err := c.CheckoutSession(ctx, "cs_canceled")
	if err != nil {
		t.Fatalf("CheckoutSession(cs_canceled): %v", err)
	}
	if got.ID != "cs_canceled" || got.Agent != "openai" || got.Status != "canceled" || got.Total != 2309 || got.OrderID != "" ||
		string(got.IntentTrace) != `{"reason_code":"shipping_cost"}` || !got.UpdatedAt.Equal(at.Add(time.Minute)) || !got.ExpiresAt.Equal(at.Add(time.Hour)) {
		t.Errorf("CheckoutSession(cs_canceled) = %+v", got)
	}
	if got, err := c.CheckoutSession(ctx, "cs_completed"); err != nil || got.OrderID != "ord_completed" || got.IntentTrace != nil {
		t.Errorf("CheckoutSession(cs_completed) = %+v, %v; want its order id and no trace", got, err)
	}
	var ae *apierr.Error
	if _, err := c.CheckoutSession(ctx, "cs_nope"); !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Errorf("CheckoutSession(unknown) error = %#v, want a 404", err)
	}
}
