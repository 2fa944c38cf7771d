package checkout

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// Reconcile settles a session whose payment outcome was unknown (status
// complete_in_progress), as the agent's next complete would: it resumes
// the recorded attempt with the same idempotency key, so nothing is
// charged twice. The payment processor's own report (a webhook) calls it
// with the payment it reports on (paymentID, which the handler checks
// belongs to the attempt); the background reconciliation without one. A
// session in any other status is returned unchanged.
func (s *Service) Reconcile(ctx context.Context, sessionID, paymentID string) (*model.Session, error) {
	return s.underLease(ctx, sessionID, func(ctx context.Context) (*model.Session, error) {
		return s.reconcile(ctx, sessionID, paymentID)
	}, s.storedOutcome)
}

// reconcile is Reconcile under the session's lease.
func (s *Service) reconcile(ctx context.Context, sessionID, paymentID string) (*model.Session, error) {
	sess, err := s.stored(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if sess.Status != model.StatusCompleteInProgress {
		return sess, nil
	}
	// Without the processor's report, a resumed challenge's payment
	// (resumeChallenge) is read by the id it had.
	return s.charge(ctx, sess, resumption{resume: true, paymentID: cmp.Or(paymentID, sess.Payment.PaymentID)}, nil)
}

// ReconcileStale settles the payments whose outcome has been unknown for
// at least olderThan (no complete and no processor webhook came to settle
// them), so that no session is left in limbo. It pages through every
// such session, page ids at a time (100 when page is not positive), so
// that sessions that cannot be settled yet never keep the others waiting.
// It returns how many it settled; one that still cannot be settled is left
// for the next run.
func (s *Service) ReconcileStale(ctx context.Context, olderThan time.Duration, page int) (int, error) {
	if page <= 0 {
		page = 100
	}
	settled := 0
	var errs []error
	for after := ""; ; {
		ids, err := store.Read(ctx, s.opts.Store, func(r store.Reader) ([]string, error) { return r.SessionsInProgress(after, page) })
		if err != nil {
			errs = append(errs, fmt.Errorf("list unresolved payments after %q: %w", after, err))
			return settled, errors.Join(errs...)
		}
		for _, id := range ids {
			sess, err := s.reconcileIfStale(ctx, id, olderThan)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("session %s: %w", id, err))
			case sess != nil && sess.Status != model.StatusCompleteInProgress:
				settled++
			}
		}
		if len(ids) < page || ctx.Err() != nil {
			return settled, errors.Join(errs...)
		}
		after = ids[len(ids)-1]
	}
}

// reconcileIfStale settles session id when its outcome has been unknown
// for olderThan. A session whose lease another call holds (a complete, a
// processor's report, another replica's reconciler) is left to it.
func (s *Service) reconcileIfStale(ctx context.Context, id string, olderThan time.Duration) (*model.Session, error) {
	work, h, ok, err := s.tryHoldSession(ctx, id)
	if err != nil || !ok {
		return nil, err
	}
	defer h.end(ctx)
	sess, err := s.stored(work, id)
	if err != nil || s.now().Sub(sess.UpdatedAt) < olderThan {
		return nil, err
	}
	return s.reconcile(work, id, "")
}

// HasUnresolvedPayments reports whether any payment's outcome is still
// unknown: a processor's report about a payment with no order yet may then
// be about one of them, and should be delivered again later.
func (s *Service) HasUnresolvedPayments(ctx context.Context) (bool, error) {
	ids, err := store.Read(ctx, s.opts.Store, func(r store.Reader) ([]string, error) { return r.SessionsInProgress("", 1) })
	return len(ids) > 0, err
}
