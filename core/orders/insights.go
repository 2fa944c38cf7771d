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
// signals) of every order whose Insights.ExpiresAt is not after now, the
// configured retention (orders.insights_retention) having passed. It
// reads the orders newest first, page by page, and stops at the first
// order created before floor: a caller that swept everything at time T
// passes T minus the retention, since every order created before it had
// expired by T and was erased then (zero sweeps every order). Each
// erasure is its own transaction, which reads the order again, so a
// concurrent change to the order is kept. It returns how many orders it
// erased.
func EraseExpiredInsights(ctx context.Context, st store.Store, now, floor time.Time) (int, error) {
	erased, after := 0, ""
	for {
		page, err := store.Read(ctx, st, func(r store.Reader) ([]*model.Order, error) { return r.Orders(after, insightsPage) })
		if err != nil {
			return erased, fmt.Errorf("list orders for the insights sweep: %w", err)
		}
		for _, o := range page {
			if o.CreatedAt.Before(floor) {
				return erased, nil
			}
			if !insightsExpired(o, now) {
				continue
			}
			if err := eraseInsights(ctx, st, o.ID, now); err != nil {
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

// insightsExpired reports whether o holds insights past their expiry.
func insightsExpired(o *model.Order, now time.Time) bool {
	return o.Insights != nil && !o.Insights.ExpiresAt.IsZero() && !now.Before(o.Insights.ExpiresAt)
}

// eraseInsights removes one order's expired insights.
func eraseInsights(ctx context.Context, st store.Store, id string, now time.Time) error {
	err := st.Update(ctx, func(tx store.Tx) error {
		o, err := tx.Order(id)
		if err != nil {
			return err
		}
		if !insightsExpired(o, now) {
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
