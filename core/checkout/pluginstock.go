package checkout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Stock held by a catalog plugin (Options.PluginStock): the plugin counts
// the stock; the store records each hold's state so that no crash can
// leave the plugin holding, or selling, what the host does not know of.
// Every state is recorded before the plugin is called:
//
//   - in_doubt, in the transaction that records the payment attempt
//     (checkpointAttempt); the plugin is then asked to Reserve
//     (confirmPluginHold, the first step of charge), and no payment is
//     attempted until the hold is recorded as held. A shortfall turns the
//     session back to not_ready_for_payment with out_of_stock/low_stock
//     messages, as for the built-in stock;
//   - committing or releasing, in the transaction that stores the session
//     out of its attempt (storeSettled): committing when it completed,
//     releasing otherwise; the plugin is then asked to Commit or Release,
//     and the record is deleted once it answered (finishPluginHold).
//
// ResolvePluginHolds finishes, at start and periodically, the holds whose
// owner (the process that recorded their state) is dead, and this
// process's own unfinished commits and releases.

// pluginHoldMargin is how long a plugin's hold outlives the session's own
// expiry plus the placement deadline, for a payment still being resolved.
const pluginHoldMargin = time.Hour

// SetPluginStock makes the engine hold stock through a catalog plugin's
// reservations (provider names the plugin); nil turns that off. Call it
// before the engine serves.
func (s *Service) SetPluginStock(r catalog.StockReservations, provider string) {
	s.opts.PluginStock, s.opts.PluginStockProvider = r, provider
}

// holdKey is the idempotency key of the hold of a session's attempt: the
// attempt's own key.
func holdKey(sessionID string, attempt int) string {
	return sessionID + ":attempt:" + strconv.Itoa(attempt)
}

// checkpointPluginAttempt stores the session with its new payment attempt
// and, in the same transaction, its hold as in doubt. An earlier
// attempt's hold still being committed or released is finished first.
func (s *Service) checkpointPluginAttempt(ctx context.Context, sess *model.Session) error {
	prev, err := s.reservation(ctx, sess.ID)
	if err != nil {
		return err
	}
	if prev != nil && prev.Provider != "" {
		if err := s.finishPluginHold(ctx, prev); err != nil {
			return apierr.Unavailable(apierr.CodeUpstreamUnavailable, err,
				"The seller's catalog could not settle the stock of an earlier attempt yet. Call complete again; nothing was charged.")
		}
	}
	want := wantedStock(sess)
	if len(want) == 0 {
		return s.checkpoint(ctx, sess)
	}
	sess.UpdatedAt = s.now().UTC()
	r := &model.Reservation{
		SessionID: sess.ID, Attempt: sess.Payment.Attempt, Lines: want, CreatedAt: sess.UpdatedAt,
		ExpiresAt: sess.ExpiresAt.Add(s.placementDeadline() + pluginHoldMargin),
		Provider:  s.opts.PluginStockProvider, State: model.HoldInDoubt, Owner: s.opts.Store.Leases().Owner(),
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if err := tx.PutReservation(r); err != nil {
			return err
		}
		return tx.PutSession(sess)
	})
	if err != nil {
		return fmt.Errorf("store session %s with its hold: %w", sess.ID, err)
	}
	return nil
}

// confirmPluginHold makes sure the plugin holds the units of the
// session's attempt before any money moves: a hold in doubt is reserved
// (again: Reserve is idempotent by key) and recorded as held. done
// reports that the caller must not charge: the units do not fit (the
// session, stored with its messages, is the answer) or the plugin did not
// answer (err).
func (s *Service) confirmPluginHold(ctx context.Context, sess *model.Session, rec Recorder) (done bool, err error) {
	if s.opts.PluginStock == nil {
		return false, nil
	}
	r, err := s.reservation(ctx, sess.ID)
	if err != nil {
		return true, err
	}
	if r == nil || r.Provider == "" || r.State != model.HoldInDoubt || r.Attempt != sess.Payment.Attempt {
		return false, nil
	}
	req := &catalog.ReserveRequest{Key: holdKey(r.SessionID, r.Attempt), ExpiresAt: r.ExpiresAt}
	for _, l := range r.Lines {
		req.Lines = append(req.Lines, catalog.StockLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	resp, err := s.opts.PluginStock.Reserve(ctx, req)
	switch {
	case errors.Is(err, acp.ErrNotOffered):
		// The plugin counts no stock (any more): nothing is held.
		return false, s.updateHold(ctx, r, model.HoldInDoubt, nil)
	case err != nil:
		return true, apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("reserve stock for session %s: %w", sess.ID, err),
			"The seller's catalog could not hold the items yet. Call complete again to finish; nothing was charged.")
	case resp.Held:
		held := *r
		held.State, held.Owner = model.HoldHeld, s.opts.Store.Leases().Owner()
		if err := s.updateHold(ctx, r, model.HoldInDoubt, &held); err != nil {
			return true, err
		}
		return false, nil
	}
	short := map[string]int64{}
	for _, sf := range resp.Shortfalls {
		short[sf.SKU] = sf.Available
	}
	if len(short) == 0 {
		// A plugin that holds nothing must say what does not fit.
		return true, apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("reserve stock for session %s: the plugin held nothing and named no shortfall", sess.ID),
			"The seller's catalog could not hold the items. Call complete again; nothing was charged.")
	}
	refuseShortStock(sess, short)
	return true, s.save(ctx, sess, rec)
}

// updateHold replaces the stored hold r, when it is still in state from
// for the same attempt, with next (nil: deletes it).
func (s *Service) updateHold(ctx context.Context, r *model.Reservation, from model.HoldState, next *model.Reservation) error {
	err := s.update(ctx, func(tx store.Tx) error {
		cur, err := tx.Reservation(r.SessionID)
		if errors.Is(err, store.ErrNotFound) {
			return errHoldMoved
		}
		if err != nil {
			return err
		}
		if cur.Attempt != r.Attempt || cur.State != from {
			return errHoldMoved
		}
		if next == nil {
			return tx.DeleteReservation(r.SessionID)
		}
		return tx.PutReservation(next)
	})
	if err != nil {
		return fmt.Errorf("record the stock hold of session %s: %w", r.SessionID, err)
	}
	return nil
}

// errHoldMoved: a stored hold is no longer in the state it was read in.
var errHoldMoved = errors.New("the hold changed meanwhile")

// storePluginSettled runs write, which stores sess out of its attempt, in
// a transaction that also records the intent to commit (sess completed)
// or release the plugin's hold, then asks the plugin to do so. A plugin
// that does not answer is asked again by ResolvePluginHolds.
func (s *Service) storePluginSettled(ctx context.Context, sess *model.Session, write func(store.Tx) error) error {
	var settling *model.Reservation
	err := s.update(ctx, func(tx store.Tx) error {
		settling = nil
		r, err := tx.Reservation(sess.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return fmt.Errorf("read hold of session %s: %w", sess.ID, err)
		case r.Provider != "" && (r.State == model.HoldInDoubt || r.State == model.HoldHeld):
			r.State, r.Owner = model.HoldReleasing, s.opts.Store.Leases().Owner()
			if unitsSold(sess) {
				r.State = model.HoldCommitting
			}
			if err := tx.PutReservation(r); err != nil {
				return err
			}
			settling = r
		}
		return write(tx)
	})
	if err != nil || settling == nil {
		return err
	}
	if err := s.finishPluginHold(ctx, settling); err != nil {
		s.logger().Warn("the catalog plugin did not settle a stock hold yet; it is retried", "session", sess.ID,
			"state", string(settling.State), "error", err.Error())
	}
	return nil
}

// finishPluginHold asks the plugin to commit or release a hold recorded
// as committing or releasing, then deletes the record. A hold in another
// state is left alone. A plugin that no longer offers reservations has
// nothing to finish; one that refuses for good (it answered, not
// retryable) is logged at Error, for the seller to check the counts, and
// the record is dropped.
func (s *Service) finishPluginHold(ctx context.Context, r *model.Reservation) error {
	if s.opts.PluginStock == nil {
		return fmt.Errorf("session %s: its stock hold is with catalog plugin %q, which is not configured to hold stock", r.SessionID, r.Provider)
	}
	key := holdKey(r.SessionID, r.Attempt)
	var err error
	switch r.State {
	case model.HoldCommitting:
		err = s.opts.PluginStock.Commit(ctx, key)
	case model.HoldReleasing:
		err = s.opts.PluginStock.Release(ctx, key)
	default:
		return nil
	}
	var refusal *acp.Error
	switch {
	case err == nil, errors.Is(err, acp.ErrNotOffered):
	case errors.As(err, &refusal) && !refusal.Retryable && refusal.Reason != "unimplemented":
		s.logger().Error("the catalog plugin refused to settle a stock hold; check its stock counts", "session", r.SessionID,
			"state", string(r.State), "provider", r.Provider, "error", err.Error())
	default:
		return fmt.Errorf("settle stock hold %s (%s): %w", key, r.State, err)
	}
	if err := s.updateHold(ctx, r, r.State, nil); err != nil && !errors.Is(err, errHoldMoved) {
		return err
	}
	return nil
}

// OwnerAlive tells whether the process that owns a hold may still finish
// it: false once its replica lease can be taken (see core/host).
type OwnerAlive func(ctx context.Context, owner string) (bool, error)

// ResolvePluginHolds finishes up to limit catalog-plugin holds that no
// running request will: a committing or releasing hold whose owner is this
// process or is dead; a hold in doubt whose owner is dead or whose
// session expired (no payment was attempted for it: it is released, and
// the session goes back to ready_for_payment, or expired); and a held
// hold whose session expired while its attempt waited for 3D Secure. It
// returns how many it finished.
func (s *Service) ResolvePluginHolds(ctx context.Context, limit int, alive OwnerAlive) (int, error) {
	var list []*model.Reservation
	err := s.opts.Store.View(ctx, func(r store.Reader) error {
		var err error
		list, err = r.Reservations("", limit)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("list holds: %w", err)
	}
	me := s.opts.Store.Leases().Owner()
	done := 0
	var errs []error
	for _, r := range list {
		if r.Provider == "" {
			continue
		}
		if r.State == model.HoldHeld {
			ok, err := s.releaseExpiredHold(ctx, r)
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				done++
			}
			continue
		}
		ownerAlive := r.Owner == me
		if !ownerAlive {
			ownerAlive, err = alive(ctx, r.Owner)
			if err != nil {
				errs = append(errs, err)
				continue
			}
		}
		switch {
		case r.State != model.HoldInDoubt && ownerAlive && r.Owner != me:
			continue
		case r.State != model.HoldInDoubt:
			err = s.finishPluginHold(ctx, r)
		default:
			var ok bool
			ok, err = s.resolveInDoubt(ctx, r, ownerAlive)
			if !ok && err == nil {
				continue
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done++
	}
	return done, errors.Join(errs...)
}

// releaseExpiredHold ends the attempt of a held hold whose session's time
// is up while the attempt waited (for 3D Secure, say), which releases the
// hold as any end of an attempt does, and reports whether it did. An
// attempt whose payment outcome is unknown (complete_in_progress) keeps
// its hold: the payment may yet succeed.
func (s *Service) releaseExpiredHold(ctx context.Context, r *model.Reservation) (bool, error) {
	sessionExpiry := r.ExpiresAt.Add(-s.placementDeadline() - pluginHoldMargin)
	if s.now().Before(sessionExpiry) {
		return false, nil
	}
	// A session another call holds (on this process or another) is left
	// to it: its outcome settles the hold.
	ctx, h, ok, err := s.tryHoldSession(ctx, r.SessionID)
	if err != nil || !ok {
		return false, err
	}
	defer h.end(ctx)
	var sess *model.Session
	err = s.opts.Store.View(ctx, func(rd store.Reader) error {
		var err error
		sess, err = rd.Session(r.SessionID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		// The session is gone: nothing will end its attempt.
		releasing := *r
		releasing.State, releasing.Owner = model.HoldReleasing, s.opts.Store.Leases().Owner()
		if err := s.updateHold(ctx, r, model.HoldHeld, &releasing); err != nil {
			return false, err
		}
		return true, s.finishPluginHold(ctx, &releasing)
	}
	if err != nil {
		return false, fmt.Errorf("load session %s: %w", r.SessionID, err)
	}
	s.expire(sess)
	if holdsStock(sess.Status) {
		return false, nil
	}
	if err := s.save(ctx, sess, nil); err != nil {
		return false, err
	}
	return true, nil
}

// resolveInDoubt releases a hold in doubt whose owner is dead, or whose
// session's time is up, and takes the session out of its attempt (no
// payment was attempted while the hold was in doubt) in the same
// transaction. It reports whether it did.
func (s *Service) resolveInDoubt(ctx context.Context, r *model.Reservation, ownerAlive bool) (bool, error) {
	// A session another call holds (on this process or another) is left
	// to it: its outcome settles the hold.
	ctx, h, ok, err := s.tryHoldSession(ctx, r.SessionID)
	if err != nil || !ok {
		return false, err
	}
	defer h.end(ctx)
	var sess *model.Session
	err = s.opts.Store.View(ctx, func(rd store.Reader) error {
		var err error
		sess, err = rd.Session(r.SessionID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		sess = nil
	case err != nil:
		return false, fmt.Errorf("load session %s: %w", r.SessionID, err)
	}
	expired := sess == nil || !s.now().Before(sess.ExpiresAt)
	if ownerAlive && !expired {
		return false, nil
	}
	releasing := *r
	releasing.State, releasing.Owner = model.HoldReleasing, s.opts.Store.Leases().Owner()
	err = s.update(ctx, func(tx store.Tx) error {
		cur, err := tx.Reservation(r.SessionID)
		if err != nil || cur.Attempt != r.Attempt || cur.State != model.HoldInDoubt {
			return errHoldMoved
		}
		if sess != nil && sess.Status == model.StatusCompleteInProgress && sess.Payment != nil &&
			sess.Payment.Attempt == r.Attempt && sess.Payment.State == "" && sess.Payment.Release == "" {
			// No payment was attempted for this attempt: it ends here.
			sess.Status = model.StatusReadyForPayment
			sess.Payment.Token = ""
			if expired {
				sess.Status = model.StatusExpired
			}
			sess.UpdatedAt = s.now().UTC()
			if err := tx.PutSession(sess); err != nil {
				return err
			}
		}
		return tx.PutReservation(&releasing)
	})
	if errors.Is(err, errHoldMoved) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("release the hold of session %s: %w", r.SessionID, err)
	}
	return true, s.finishPluginHold(ctx, &releasing)
}
