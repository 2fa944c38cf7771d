package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// DefaultSessionLease is how long a call holds its session's lease
// between two renewals: the time another replica waits to take over a
// session whose holder stopped (crashed, or stalled) in the middle of a
// call. A live holder renews it every third of that, however long its
// payment, order placement or plugin calls take.
const DefaultSessionLease = 30 * time.Second

// errFenced marks a commit refused by the fencing check: the call's
// session lease lapsed and another call may have taken the session over,
// so nothing this call computed may be stored.
var errFenced = errors.New("the session's lease was lost before the commit")

// sessionLeaseKey is the context key of the held session lease.
type sessionLeaseKey struct{}

// sessionHold is a session lease held by one engine call.
type sessionHold struct {
	held   *store.Held
	cancel context.CancelCauseFunc
}

func sessionLeaseName(id string) string { return "session/" + id }

func (s *Service) sessionLeaseTTL() time.Duration {
	if s.opts.SessionLease > 0 {
		return s.opts.SessionLease
	}
	return DefaultSessionLease
}

// holdSession waits for the session's lease, which serializes the calls
// changing one session across every process sharing the store, and keeps
// it renewed. The context returned carries the lease, which every commit
// made with it checks (fence), and is canceled when the lease is lost, so
// that the work stops; end the hold with end.
func (s *Service) holdSession(ctx context.Context, id string) (context.Context, *sessionHold, error) {
	l, err := s.opts.Store.Leases().Acquire(ctx, sessionLeaseName(id), s.sessionLeaseTTL())
	if err != nil {
		return nil, nil, apierr.Unavailable(apierr.CodeSessionInProgress, fmt.Errorf("session %s: %w", id, err),
			"Checkout session %s is busy with another request; retry shortly.", id)
	}
	work, h := s.keep(ctx, l)
	return work, h, nil
}

// tryHoldSession is holdSession for background work: it does not wait,
// and reports ok false when another call (on this process or another)
// holds the session, which that call is then left to.
func (s *Service) tryHoldSession(ctx context.Context, id string) (context.Context, *sessionHold, bool, error) {
	l, _, ok, err := s.opts.Store.Leases().TryAcquire(ctx, sessionLeaseName(id), s.sessionLeaseTTL())
	if err != nil {
		return nil, nil, false, fmt.Errorf("take the lease of session %s: %w", id, err)
	}
	if !ok {
		return nil, nil, false, nil
	}
	work, h := s.keep(ctx, l)
	return work, h, true, nil
}

func (s *Service) keep(ctx context.Context, l store.Lease) (context.Context, *sessionHold) {
	work, cancel := context.WithCancelCause(ctx)
	h := &sessionHold{cancel: cancel}
	h.held = store.Keep(s.opts.Store.Leases(), l, s.sessionLeaseTTL(), func(err error) { cancel(err) })
	return context.WithValue(work, sessionLeaseKey{}, h.held), h
}

// end releases the lease and reports whether it was lost while held.
func (h *sessionHold) end(ctx context.Context) (lost bool) {
	lost = h.held.Stop() != nil
	_ = h.held.Release(ctx)
	h.cancel(nil)
	return lost
}

// fence is the fencing check of a commit made under a session lease: run
// first inside the commit's transaction, it refuses the commit when the
// lease carried by ctx is no longer held. A context without a lease
// (Create, which makes a session nobody else knows yet) passes.
func fence(ctx context.Context, tx store.Tx) error {
	h, ok := ctx.Value(sessionLeaseKey{}).(*store.Held)
	if !ok {
		return nil
	}
	if err := tx.HoldsLease(h.Lease()); err != nil {
		return fmt.Errorf("%w: %w", errFenced, err)
	}
	return nil
}

// update is the store's Update with the fencing check.
func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	return s.opts.Store.Update(ctx, func(tx store.Tx) error {
		if err := fence(ctx, tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// updateStock is the store's UpdateStock with the fencing check.
func (s *Service) updateStock(ctx context.Context, skus []string, fn func(store.Tx) error) error {
	return s.opts.Store.UpdateStock(ctx, skus, func(tx store.Tx) error {
		if err := fence(ctx, tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// underLease runs fn, which changes session id, holding the session's
// lease. When fn fails because the lease was lost (the fencing check
// refused its commit, or the work was canceled when a renewal found the
// lease taken over), nothing fn computed was stored; the session is then
// read again and taken answers from what is stored, which is the outcome
// of the call that took the session over. A nil error from fn stands
// even if the lease lapsed after its commit: the commit passed the
// fencing check.
func (s *Service) underLease(ctx context.Context, id string, fn func(context.Context) (*model.Session, error), taken func(*model.Session) (*model.Session, error)) (*model.Session, error) {
	work, h, err := s.holdSession(ctx, id)
	if err != nil {
		return nil, err
	}
	// The lease is given back even when fn panics (a panic recovered
	// further up, by the HTTP server, must not keep the session's lease).
	ended := false
	defer func() {
		if !ended {
			h.end(ctx)
		}
	}()
	sess, err := fn(work)
	ended = true
	lost := h.end(ctx)
	if err == nil || (!lost && !errors.Is(err, errFenced)) {
		return sess, err
	}
	s.logger().Warn("the session's lease was lost during the call; answering with the stored session", "session", id, "error", err.Error())
	stored, rerr := s.stored(ctx, id)
	if rerr != nil {
		return nil, rerr
	}
	return taken(stored)
}

// stored reads the session as stored, for any agent.
func (s *Service) stored(ctx context.Context, id string) (*model.Session, error) {
	sess, err := store.Read(ctx, s.opts.Store, func(r store.Reader) (*model.Session, error) { return r.Session(id) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", id, err)
	}
	return sess, nil
}

// storedOutcome answers a complete or a reconciliation that lost its
// lease with the stored session, its authoritative state, unless its
// payment is still being resolved by the call that took over: then with
// the retryable session_in_progress error.
func (s *Service) storedOutcome(sess *model.Session) (*model.Session, error) {
	if sess.Status == model.StatusCompleteInProgress {
		return nil, inProgress(sess)
	}
	s.expire(sess)
	return sess, nil
}

// changedMeanwhile answers an update or cancel that lost its lease: its
// change was not stored, and the session may have changed since it was
// read; retrying applies the change to the session as it is now.
func changedMeanwhile(sess *model.Session) (*model.Session, error) {
	if sess.Status == model.StatusCompleteInProgress {
		return nil, inProgress(sess)
	}
	e := apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, apierr.CodeSessionInProgress,
		"Checkout session %s was changed by another request while this one ran; nothing was changed by this one. Retry it.", sess.ID)
	e.RetryAfterSeconds = 1
	return nil, e
}
