package checkout_test

import (
	"context"
	"testing"

	"github.com/acp-sidecar/acp/core/checkout"
)

// TestCreateWithoutCurrencyUsesSellers covers the API versions before
// 2026-01-30, whose create requests carry no currency.
func TestCreateWithoutCurrencyUsesSellers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess, err := f.svc.Create(context.Background(), "agent", "2025-09-29", checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}, nil)
	if err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	if sess.Currency != "usd" {
		t.Errorf("currency = %q, want the seller's usd", sess.Currency)
	}
}
