package pgstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// TestStockLocksKeepThePool: many transactions on one SKU with a pool of
// four and a short statement timeout. Waiting for the SKU's lock holds no
// connection and runs no statement, so every one of them ends well (none
// runs into the statement timeout behind the others), and a lease is
// still granted in the middle of the queue.
func TestStockLocksKeepThePool(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{MaxConns: 4, StatementTimeout: 300 * time.Millisecond})
	err := s.UpdateStock(ctx, []string{"sku_hot"}, func(tx store.Tx) error {
		return tx.PutStockLevel(&model.StockLevel{SKU: "sku_hot", OnHand: 100, UpdatedAt: time.Now().UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
	const buyers = 6
	var wg sync.WaitGroup
	held := make(chan struct{}, buyers)
	for range buyers {
		wg.Go(func() {
			err := s.UpdateStock(ctx, []string{"sku_hot"}, func(tx store.Tx) error {
				ok, _, err := tx.ReserveStock("sku_hot", 1)
				if err == nil && !ok {
					t.Error("ReserveStock: not enough stock")
				}
				select {
				case held <- struct{}{}:
				default:
				}
				// Longer than the statement timeout, in all the queue.
				time.Sleep(200 * time.Millisecond)
				return err
			})
			if err != nil {
				t.Errorf("UpdateStock behind the others: %v", err)
			}
		})
	}
	<-held
	leaseCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, _, ok, err := s.Leases().TryAcquire(leaseCtx, "session/cs_beside", time.Minute); err != nil || !ok {
		t.Errorf("TryAcquire beside the queue for a SKU = %v, %v", ok, err)
	}
	wg.Wait()
	if l, err := levelOf(ctx, s, "sku_hot"); err != nil || l.Reserved != buyers {
		t.Errorf("reserved = %v, %v; want %d", l, err, buyers)
	}
}

// levelOf reads a SKU's level.
func levelOf(ctx context.Context, s *Store, sku string) (*model.StockLevel, error) {
	l, err := store.Read(ctx, s, func(r store.Reader) (*model.StockLevel, error) { return r.StockLevel(sku) })
	return l, err
}
