package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// ErrUnknownPayment is returned when no order was paid by a payment the
// processor reports on.
var ErrUnknownPayment = errors.New("no order for this payment")

// Reconcile settles a session whose payment outcome was unknown (status
// complete_in_progress), as the agent's next complete would: it resumes
// the recorded attempt with the same idempotency key, so nothing is
// charged twice. The payment processor's own report (a webhook) calls it
// with the payment it reports on (paymentID, which the handler checks
// belongs to the attempt); the background reconciliation without one. A
// session in any other status is returned unchanged.
func (s *Service) Reconcile(ctx context.Context, sessionID, paymentID string) (*model.Session, error) {
	unlock := s.locks.lock(sessionID)
	defer unlock()
	var sess *model.Session
	err := s.opts.Store.View(ctx, func(r store.Reader) error {
		var err error
		sess, err = r.Session(sessionID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(sessionID)
	}
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", sessionID, err)
	}
	if sess.Status != model.StatusCompleteInProgress {
		return sess, nil
	}
	return s.charge(ctx, sess, resumption{resume: true, paymentID: paymentID})
}

// ReconcileStale settles the payments whose outcome has been unknown for
// at least olderThan (no complete and no processor webhook came to settle
// them), so that no session is left in limbo. It returns how many it
// settled; one that still cannot be settled is left for the next run.
func (s *Service) ReconcileStale(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	var ids []string
	err := s.opts.Store.View(ctx, func(r store.Reader) error {
		var err error
		ids, err = r.SessionsInProgress(limit)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("list unresolved payments: %w", err)
	}
	settled := 0
	var errs []error
	for _, id := range ids {
		sess, err := s.reconcileIfStale(ctx, id, olderThan)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("session %s: %w", id, err))
		case sess != nil && sess.Status != model.StatusCompleteInProgress:
			settled++
		}
	}
	return settled, errors.Join(errs...)
}

func (s *Service) reconcileIfStale(ctx context.Context, id string, olderThan time.Duration) (*model.Session, error) {
	var sess *model.Session
	err := s.opts.Store.View(ctx, func(r store.Reader) error {
		var err error
		sess, err = r.Session(id)
		return err
	})
	if err != nil || s.now().Sub(sess.UpdatedAt) < olderThan {
		return nil, err
	}
	return s.Reconcile(ctx, id, "")
}

// HasUnresolvedPayments reports whether any payment's outcome is still
// unknown: a processor's report about a payment with no order yet may then
// be about one of them, and should be delivered again later.
func (s *Service) HasUnresolvedPayments(ctx context.Context) (bool, error) {
	var ids []string
	err := s.opts.Store.View(ctx, func(r store.Reader) error {
		var err error
		ids, err = r.SessionsInProgress(1)
		return err
	})
	return len(ids) > 0, err
}

// RecordAdjustment adds a refund or dispute the payment processor reports
// to the order paid by paymentID, and to its session's copy of the order.
// It is idempotent on the adjustment's ID: a report received again
// replaces the earlier record (a refund that went from pending to
// completed, say).
func (s *Service) RecordAdjustment(ctx context.Context, paymentID string, adj model.Adjustment) (*model.Order, error) {
	var order *model.Order
	err := s.opts.Store.Update(ctx, func(tx store.Tx) error {
		o, err := tx.OrderByPayment(paymentID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnknownPayment
		}
		if err != nil {
			return err
		}
		replaced := false
		for i := range o.Adjustments {
			if o.Adjustments[i].ID != adj.ID {
				continue
			}
			replaced = true
			// Reports can arrive out of order: a cumulative refund never
			// goes down, and the first time it was seen stands.
			if adj.Amount < o.Adjustments[i].Amount {
				adj.Amount = o.Adjustments[i].Amount
			}
			adj.OccurredAt = o.Adjustments[i].OccurredAt
			o.Adjustments[i] = adj
		}
		if !replaced {
			o.Adjustments = append(o.Adjustments, adj)
		}
		o.AmountRefunded = 0
		for _, a := range o.Adjustments {
			if a.Type == "refund" && a.Status == "completed" {
				o.AmountRefunded += a.Amount
			}
		}
		if err := tx.PutOrder(o); err != nil {
			return err
		}
		order = o
		// The session is kept only store.session_retention after it
		// expires; the order for ever. Update the session's copy while it
		// exists.
		sess, err := tx.Session(o.CheckoutSessionID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("load session of order %s: %w", o.ID, err)
		}
		sess.Order = o
		return tx.PutSession(sess)
	})
	if err != nil {
		return nil, fmt.Errorf("record %s on payment %s: %w", adj.Type, paymentID, err)
	}
	return order, nil
}
