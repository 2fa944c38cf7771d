package acptest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// StockSuite says what a catalog's stock reservations are checked on.
type StockSuite struct {
	// SKU is a stock-controlled item that nothing else holds or sells
	// while the suite runs.
	SKU string
	// Stock is the units of SKU available when the suite starts; at least
	// 3. The suite sells one of them.
	Stock int64
	// Expiry is the lifetime of the holds that check expiry; 2s when zero
	// (long enough that a loaded machine's slow calls still find the
	// hold live before it lapses).
	Expiry time.Duration
}

// RunStockReservationConformance serves opts as New does and checks every
// contract of the optional capability catalog.stock_reservations
// (catalog.StockReservations), each in a subtest named after it. It sells
// one unit of the suite's SKU.
func RunStockReservationConformance(t *testing.T, opts acpplugin.ServeOpts, suite StockSuite, options ...Option) {
	t.Helper()
	if opts.StockReservations == nil || suite.SKU == "" || suite.Stock < 3 {
		t.Fatal("acptest: RunStockReservationConformance needs ServeOpts.StockReservations and a SKU with at least 3 units")
	}
	p := New(t, opts, options...)
	if !p.Info.Serves(acpplugin.CapabilityStockReservations) {
		t.Fatalf("acptest: the plugin does not announce %s", acpplugin.CapabilityStockReservations)
	}
	r := p.StockReservations()
	ctx := context.Background()
	run := fmt.Sprintf("acptest-%d", time.Now().UnixNano())
	key := func(name string) string { return run + ":" + name }
	later := time.Now().Add(time.Hour)
	reserve := func(k string, qty int64, expires time.Time) (*catalog.ReserveResponse, error) {
		return r.Reserve(ctx, &catalog.ReserveRequest{Key: key(k), Lines: []catalog.StockLine{{SKU: suite.SKU, Quantity: qty}}, ExpiresAt: expires})
	}
	// fits checks that exactly n units can be held now, releasing what
	// it held.
	fits := func(c *contract, what string, n int64) {
		c.t.Helper()
		probe := fmt.Sprintf("probe-%d", time.Now().UnixNano())
		if n > 0 {
			resp, err := reserve(probe, n, later)
			if err != nil || !resp.Held {
				c.broke("%s: %d units should be available, but a Reserve of them answered %+v, %v", what, n, resp, err)
				return
			}
			defer func() {
				if err := r.Release(ctx, key(probe)); err != nil {
					c.broke("Release of a probe hold failed: %v", err)
				}
			}()
		}
		resp, err := reserve(probe+"-more", 1, later)
		if err != nil || resp.Held {
			c.broke("%s: only %d units should be available, but a Reserve of one more answered %+v, %v", what, n, resp, err)
		}
		_ = r.Release(ctx, key(probe+"-more"))
	}
	stock := suite.Stock
	check(t, ContractStockIdempotent, func(c *contract) {
		for _, attempt := range []string{"Reserve", "Reserve repeated"} {
			resp, err := reserve("kept", 1, later)
			if err != nil || !resp.Held {
				c.broke("%s of 1 unit with key %q answered %+v, %v; want held", attempt, key("kept"), resp, err)
				return
			}
		}
		fits(c, "after one unit was reserved twice with one key", stock-1)
	})
	check(t, ContractStockShortfall, func(c *contract) {
		resp, err := reserve("too-many", stock+1, later)
		switch {
		case err != nil:
			c.broke("Reserve of more than the stock failed: %v; want Held false with a shortfall", err)
		case resp.Held:
			c.broke("Reserve of %d units of %d in stock was held", stock+1, stock)
		case len(resp.Shortfalls) != 1 || resp.Shortfalls[0].SKU != suite.SKU || resp.Shortfalls[0].Available != stock-1:
			c.broke("Reserve of %d units answered shortfalls %+v; want one for %q with %d available", stock+1, resp.Shortfalls, suite.SKU, stock-1)
		}
		fits(c, "after a Reserve that did not fit", stock-1)
	})
	check(t, ContractStockCommit, func(c *contract) {
		for _, attempt := range []string{"Commit", "Commit repeated"} {
			if err := r.Commit(ctx, key("kept")); err != nil {
				c.broke("%s of a held key failed: %v", attempt, err)
			}
		}
		fits(c, "after one unit was sold", stock-1)
		if err := r.Release(ctx, key("kept")); err == nil {
			c.broke("Release of a committed key succeeded; want an error (its units are sold)")
		}
		fits(c, "after a Release of a committed key", stock-1)
	})
	stock--
	check(t, ContractStockRelease, func(c *contract) {
		if resp, err := reserve("given-back", 2, later); err != nil || !resp.Held {
			c.broke("Reserve of 2 units answered %+v, %v", resp, err)
			return
		}
		for _, attempt := range []string{"Release", "Release repeated"} {
			if err := r.Release(ctx, key("given-back")); err != nil {
				c.broke("%s failed: %v", attempt, err)
			}
		}
		fits(c, "after a hold was released", stock)
		if err := r.Commit(ctx, key("given-back")); err == nil {
			c.broke("Commit of a released key succeeded; want an error")
		}
		if err := r.Release(ctx, key("never-held")); err != nil {
			c.broke("Release of a key never held failed: %v; want a success (nothing to give back)", err)
		}
	})
	expiry := suite.Expiry
	if expiry == 0 {
		expiry = 2 * time.Second
	}
	check(t, ContractStockExpiry, func(c *contract) {
		if resp, err := reserve("lapsing", stock, time.Now().Add(expiry)); err != nil || !resp.Held {
			c.broke("Reserve of the whole stock answered %+v, %v", resp, err)
			return
		}
		fits(c, "while a hold of the whole stock is live", 0)
		time.Sleep(expiry + 100*time.Millisecond)
		fits(c, "after that hold expired", stock)
		// Released in any case, so that a plugin that keeps it breaks
		// this contract only.
		_ = r.Release(ctx, key("lapsing"))
	})
	check(t, ContractStockExtend, func(c *contract) {
		if resp, err := reserve("extended", 1, time.Now().Add(expiry)); err != nil || !resp.Held {
			c.broke("Reserve of 1 unit answered %+v, %v", resp, err)
			return
		}
		if resp, err := reserve("extended", 1, later); err != nil || !resp.Held {
			c.broke("a repeated Reserve with a later expiry answered %+v, %v; want held", resp, err)
			return
		}
		time.Sleep(expiry + 100*time.Millisecond)
		fits(c, "after the first expiry of a hold extended by a repeated Reserve", stock-1)
		_ = r.Release(ctx, key("extended"))
	})
	check(t, ContractStockReleaseFirst, func(c *contract) {
		// The host releases a hold whose Reserve it may have lost (its
		// process died in the call); a Reserve arriving after that must
		// not hold units nobody will ever settle.
		if err := r.Release(ctx, key("released-first")); err != nil {
			c.broke("Release of a key never held failed: %v", err)
			return
		}
		if resp, err := reserve("released-first", 1, later); err == nil && resp.Held {
			c.broke("a Reserve after a Release of the same key, never held before, held its units; want an error or Held false")
		}
		fits(c, "after a Reserve of a released key", stock)
		_ = r.Release(ctx, key("released-first"))
	})
	check(t, ContractStockNoSuchHold, func(c *contract) {
		// The host drops a placed order's record only on this answer:
		// any other refusal is asked again.
		if err := r.Commit(ctx, key("never-reserved")); !catalog.IsNoSuchHold(err) {
			c.broke("Commit of a key never held answered %v; want catalog.ErrNoSuchHold", err)
		}
	})
	check(t, ContractStockConcurrent, func(c *contract) {
		var held atomic.Int64
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for i := range 2 * stock {
			wg.Go(func() {
				resp, err := reserve(fmt.Sprintf("race-%d", i), 1, later)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if resp.Held {
					held.Add(1)
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			c.broke("%d of %d concurrent Reserves failed, the first with: %v", len(errs), 2*stock, errs[0])
		}
		if n := held.Load(); n != stock {
			c.broke("%d concurrent Reserves of 1 unit, %d in stock: %d held; want %d", 2*stock, stock, n, stock)
		}
		for i := range 2 * stock {
			if err := r.Release(ctx, key(fmt.Sprintf("race-%d", i))); err != nil {
				c.broke("Release after the race failed: %v", err)
			}
		}
		fits(c, "after every racing hold was released", stock)
	})
}
