package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// insightsPage is how many orders one read of the insights sweep takes.
const insightsPage = 200

// EraseExpiredInsights erases the insights (attribution, consents, risk
// signals) of the orders created at or after from and before cutoff: the
// sweep passes now minus orders.insights_retention as cutoff, so that an
// order keeps its insights for the retention configured now, counted
// from its creation (a shorter setting applies to older orders too), and
// the cutoff of its previous complete pass as from (the zero time for
// the first), since every order created before it was erased then. It
// walks the orders' time index oldest first, so a pass reads only the
// orders created between the two cutoffs. Each erasure is its own
// transaction, which reads the order again, so a concurrent change to the
// order is kept. It returns how many orders it erased.
func EraseExpiredInsights(ctx context.Context, st store.Store, from, cutoff time.Time) (int, error) {
	erased, after := 0, ""
	for {
		page, err := store.Read(ctx, st, func(r store.Reader) ([]*model.Order, error) {
			return r.OrdersCreatedBetween(from, cutoff, after, insightsPage)
		})
		if err != nil {
			return erased, fmt.Errorf("list orders for the insights sweep: %w", err)
		}
		for _, o := range page {
			if !insightsExpired(o, cutoff) {
				continue
			}
			if err := eraseInsights(ctx, st, o.ID, cutoff); err != nil {
				return erased, err
			}
			erased++
		}
		if len(page) < insightsPage {
			return erased, nil
		}
		after = page[len(page)-1].ID
	}
}

// insightsExpired reports whether o holds insights and was created before
// cutoff.
func insightsExpired(o *model.Order, cutoff time.Time) bool {
	return o.Insights != nil && o.CreatedAt.Before(cutoff)
}

// eraseInsights removes one order's expired insights.
func eraseInsights(ctx context.Context, st store.Store, id string, cutoff time.Time) error {
	err := st.Update(ctx, func(tx store.Tx) error {
		o, err := tx.Order(id)
		if err != nil {
			return err
		}
		if !insightsExpired(o, cutoff) {
			return nil
		}
		o.Insights = nil
		return tx.PutOrder(o)
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("erase the insights of order %s: %w", id, err)
	}
	return nil
}

// insightsSweepLease is the lease name that makes one replica among those
// sharing a store the one that sweeps expired insights.
const insightsSweepLease = "insights-sweep"

// InsightsSweeper runs EraseExpiredInsights passes on one replica at a
// time: a pass runs only while the sweeper holds the store's
// insights-sweep lease, which it keeps (renewing it every pass) until
// Release, so the replica that swept first goes on sweeping. It remembers
// the cutoff of its last complete pass as the next pass's start, so after
// its first pass (which reads every order older than the retention) a
// pass reads only the orders of the time between two passes. The
// watermark is the process's own: a process that starts, or takes the
// lease over from a replica that stopped, reads the old orders once.
type InsightsSweeper struct {
	// Store holds the orders and grants the lease.
	Store store.Store
	// Retention is orders.insights_retention.
	Retention time.Duration
	// LeaseTTL is how long the lease lasts without a pass renewing it:
	// longer than the time between passes, and how long the other
	// replicas wait before one of them takes over from a stopped one.
	LeaseTTL time.Duration

	from  time.Time
	lease store.Lease
	held  bool
}

// Pass erases the insights that expired by now, if this sweeper holds
// (or can take) the lease; ran is false when another replica holds it.
func (s *InsightsSweeper) Pass(ctx context.Context, now time.Time) (ran bool, erased int, err error) {
	leases := s.Store.Leases()
	if s.held {
		switch err := leases.Renew(ctx, &s.lease, s.LeaseTTL); {
		case errors.Is(err, store.ErrLeaseLost):
			s.held = false // another replica may sweep now; take it again if not
		case err != nil:
			// Held or not, unknown: the next pass renews again.
			return false, 0, fmt.Errorf("renew the insights sweep lease: %w", err)
		}
	}
	if !s.held {
		l, _, ok, err := leases.TryAcquire(ctx, insightsSweepLease, s.LeaseTTL)
		if err != nil {
			return false, 0, fmt.Errorf("take the insights sweep lease: %w", err)
		}
		if !ok {
			return false, 0, nil
		}
		s.lease, s.held = l, true
	}
	cutoff := now.Add(-s.Retention)
	if cutoff.Before(s.from) {
		cutoff = s.from
	}
	erased, err = EraseExpiredInsights(ctx, s.Store, s.from, cutoff)
	if err != nil {
		return true, erased, err
	}
	s.from = cutoff
	return true, erased, nil
}

// Release gives the lease up, so that another replica sweeps at once.
func (s *InsightsSweeper) Release(ctx context.Context) {
	if s.held {
		_ = s.Store.Leases().Release(ctx, s.lease)
		s.held = false
	}
}
