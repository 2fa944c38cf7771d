package checkout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/stock"
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
// process's own unfinished commits and releases; it renews the holds of
// payments still being resolved before the plugin lets them lapse.
//
// Every path decides by the stored record's Provider, not by the current
// configuration: a record of a plugin is settled only through the plugin
// (kept, and retried, while no plugin holds stock), and a built-in
// record only against the built-in counts.

// pluginHoldMargin is how long a plugin's hold outlives the session's own
// expiry plus the placement deadline, for a payment still being resolved.
const pluginHoldMargin = time.Hour

// pluginHoldRenewBefore: a hold of a payment still being resolved
// (complete_in_progress) is renewed for pluginHoldMargin once it would
// lapse within this.
const pluginHoldRenewBefore = pluginHoldMargin / 2

// Causes of StockAttention: a catalog plugin's hold the seller must look
// at.
const (
	// AttentionCommitRefused: the plugin refused to sell a placed order's
	// units; the host keeps asking.
	AttentionCommitRefused = "commit_refused"
	// AttentionNoSuchHold: the plugin has no hold for a placed order's
	// units: its counts did not take the sale.
	AttentionNoSuchHold = "no_such_hold"
	// AttentionHoldLapsed: a placed order's hold lapsed and its units are
	// gone: the order cannot be fulfilled from stock.
	AttentionHoldLapsed = "hold_lapsed"
	// AttentionRenewShort: the hold of a payment still being resolved
	// lapsed and its units are gone.
	AttentionRenewShort = "renew_short"
	// AttentionNoPlugin: a hold recorded for a plugin that no longer holds
	// stock (its capability or configuration changed); kept until it does.
	AttentionNoPlugin = "no_plugin"
)

// attention reports a hold the seller must look at.
func (s *Service) attention(r *model.Reservation, cause string) {
	if s.opts.StockAttention != nil {
		s.opts.StockAttention(r.Provider, cause)
	}
}

// SetPluginStock makes the engine hold stock through a catalog plugin's
// reservations (provider names the plugin); nil turns that off. Call it
// before the engine serves.
func (s *Service) SetPluginStock(r catalog.StockReservations, provider string) {
	s.opts.PluginStock, s.opts.PluginStockProvider = r, provider
}

// SetStockAttention sets Options.StockAttention. Call it before the
// engine serves.
func (s *Service) SetStockAttention(fn func(provider, cause string)) { s.opts.StockAttention = fn }

// holdKey is the idempotency key of the hold of a session's attempt: the
// attempt's own key.
func holdKey(sessionID string, attempt int) string {
	return sessionID + ":attempt:" + strconv.Itoa(attempt)
}

// earlierHold makes way for a new attempt's record: an earlier
// attempt's plugin hold still being committed or released is finished
// first, and one that cannot be (or is unfinished in any other way) fails
// the complete: it is never overwritten. A built-in reservation left by
// an earlier attempt (the stock mode changed) is returned, for the new
// attempt's transaction to give its units back.
func (s *Service) earlierHold(ctx context.Context, id string) (*model.Reservation, error) {
	prev, err := s.reservation(ctx, id)
	if err != nil || prev == nil || prev.Provider == "" {
		return prev, err
	}
	if err := s.finishPluginHold(ctx, prev); err != nil {
		return nil, apierr.Unavailable(apierr.CodeUpstreamUnavailable, err,
			"The seller's catalog could not settle the stock of an earlier attempt yet. Call complete again; nothing was charged.")
	}
	left, err := s.reservation(ctx, id)
	if err != nil {
		return nil, err
	}
	if left != nil {
		if left.Provider == "" {
			return left, nil
		}
		s.logger().Error("an earlier attempt's stock hold is unfinished; the session cannot start a new attempt until it is settled",
			"session", id, "state", string(left.State), "provider", left.Provider)
		return nil, apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("session %s: hold of attempt %d is still %s", id, left.Attempt, left.State),
			"The seller's catalog has not settled the stock of an earlier attempt yet. Call complete again later; nothing was charged.")
	}
	return nil, nil
}

// checkpointPluginAttempt stores the session with its new payment attempt
// and, in the same transaction, its hold as in doubt. prev is a built-in
// reservation of an earlier attempt (earlierHold), given back in the same
// transaction.
func (s *Service) checkpointPluginAttempt(ctx context.Context, sess *model.Session, prev *model.Reservation) error {
	want := heldLines(sess)
	if len(want) == 0 && prev == nil {
		return s.checkpoint(ctx, sess)
	}
	sess.UpdatedAt = s.now().UTC()
	r := &model.Reservation{
		SessionID: sess.ID, Attempt: sess.Payment.Attempt, Lines: want, CreatedAt: sess.UpdatedAt,
		ExpiresAt: sess.ExpiresAt.Add(s.placementDeadline() + pluginHoldMargin),
		Provider:  s.opts.PluginStockProvider, State: model.HoldInDoubt, Owner: s.opts.Store.Leases().Owner(),
	}
	var skus []string
	if prev != nil {
		skus = prev.SKUs()
	}
	err := s.updateStock(ctx, skus, func(tx store.Tx) error {
		if err := settleStock(tx, sess.ID, false); err != nil {
			return err
		}
		if len(want) > 0 {
			if err := tx.PutReservation(r); err != nil {
				return err
			}
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
	r, err := s.reservation(ctx, sess.ID)
	if err != nil {
		return true, err
	}
	if r == nil || r.Provider == "" || r.State != model.HoldInDoubt || r.Attempt != sess.Payment.Attempt {
		return false, nil
	}
	if s.opts.PluginStock == nil {
		// Recorded for a plugin that no longer holds stock: no charge
		// until the resolver settles it.
		s.attention(r, AttentionNoPlugin)
		return true, apierr.Unavailable(apierr.CodeUpstreamUnavailable, fmt.Errorf("session %s: its hold is with catalog plugin %q, which does not hold stock now", sess.ID, r.Provider),
			"The seller's catalog could not hold the items. Call complete again later; nothing was charged.")
	}
	resp, err := s.opts.PluginStock.Reserve(ctx, reserveRequest(r, r.ExpiresAt))
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
	if err := s.refuseShortHold(ctx, sess, short); err != nil {
		return true, err
	}
	return true, s.save(ctx, sess, rec)
}

// reserveRequest asks the plugin to hold r's units, and one use of each
// usage-limited code (its discount lines, in lower case), until expires.
func reserveRequest(r *model.Reservation, expires time.Time) *catalog.ReserveRequest {
	req := &catalog.ReserveRequest{Key: holdKey(r.SessionID, r.Attempt), ExpiresAt: expires}
	for _, l := range r.Lines {
		if code, ok := stock.DiscountCode(l.SKU); ok {
			req.DiscountCodes = append(req.DiscountCodes, code)
			continue
		}
		req.Lines = append(req.Lines, catalog.StockLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	return req
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
// nothing to finish. A commit ends only with the plugin's success or a
// definite answer (catalog.ErrNoSuchHold, catalog.ErrHoldLapsed: both
// logged at Error and raised through StockAttention, as the order's units
// are not counted as sold); any other refusal is raised and kept, asked
// again by ResolvePluginHolds, since dropping it would sell the units
// twice. A release refused for good is logged at Error and dropped (its
// units at worst stay held until the plugin lets the hold lapse).
func (s *Service) finishPluginHold(ctx context.Context, r *model.Reservation) error {
	if r.State != model.HoldCommitting && r.State != model.HoldReleasing {
		return nil
	}
	key := holdKey(r.SessionID, r.Attempt)
	if s.opts.PluginStock == nil {
		s.attention(r, AttentionNoPlugin)
		return fmt.Errorf("session %s: its stock hold is with catalog plugin %q, which is not configured to hold stock", r.SessionID, r.Provider)
	}
	var err error
	if r.State == model.HoldCommitting {
		err = s.opts.PluginStock.Commit(ctx, key)
	} else {
		err = s.opts.PluginStock.Release(ctx, key)
	}
	var refusal *acp.Error
	refused := errors.As(err, &refusal) && !refusal.Retryable && refusal.Reason != "unimplemented"
	committing := r.State == model.HoldCommitting
	switch {
	case err == nil, errors.Is(err, acp.ErrNotOffered):
	case committing && catalog.IsNoSuchHold(err):
		s.logger().Error("the catalog plugin has no hold for a placed order's units, so its counts did not take the sale; check its stock counts",
			"session", r.SessionID, "provider", r.Provider, "error", err.Error())
		s.attention(r, AttentionNoSuchHold)
	case committing && catalog.IsHoldLapsed(err):
		s.logger().Error("a placed order's stock hold lapsed and its units are no longer in stock: the order cannot be fulfilled from stock; cancel and refund it, or restock",
			"session", r.SessionID, "provider", r.Provider, "error", err.Error())
		s.attention(r, AttentionHoldLapsed)
	case committing && refused:
		s.logger().Error("the catalog plugin refused to sell a placed order's units; asking again until it does or answers that it has no such hold",
			"session", r.SessionID, "provider", r.Provider, "error", err.Error())
		s.attention(r, AttentionCommitRefused)
		return fmt.Errorf("settle stock hold %s (%s): %w", key, r.State, err)
	case refused:
		s.logger().Error("the catalog plugin refused to release a stock hold; check its stock counts", "session", r.SessionID,
			"provider", r.Provider, "error", err.Error())
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

// ResolvePluginHolds finishes the catalog-plugin holds that no running
// request will: a committing or releasing hold whose owner is this
// process or is dead; a hold in doubt whose owner is dead or whose
// session expired (no payment was attempted for it: it is released, and
// the session goes back to ready_for_payment, or expired); and a held
// hold whose session expired while its attempt waited for 3D Secure. It
// renews the held hold of a payment still being resolved before the
// plugin lets it lapse. It reads the holds page at a time (1000 when page
// is not positive), walking all of them, and returns how many it
// finished. It runs whether or not a plugin holds stock now: a record
// left by one is kept, and raised, until it can be settled.
func (s *Service) ResolvePluginHolds(ctx context.Context, page int, alive OwnerAlive) (int, error) {
	me := s.opts.Store.Leases().Owner()
	done := 0
	err := s.eachReservation(ctx, page, func(r *model.Reservation) error {
		if r.Provider == "" {
			return nil
		}
		var ok bool
		var err error
		switch {
		case r.State == model.HoldHeld:
			ok, err = s.settleHeldHold(ctx, r)
		case r.Owner == me && r.State != model.HoldInDoubt:
			ok, err = true, s.finishPluginHold(ctx, r)
		default:
			ownerAlive := r.Owner == me
			if !ownerAlive {
				if ownerAlive, err = alive(ctx, r.Owner); err != nil {
					return err
				}
			}
			switch {
			case r.State != model.HoldInDoubt && ownerAlive:
			case r.State != model.HoldInDoubt:
				ok, err = true, s.finishPluginHold(ctx, r)
			default:
				ok, err = s.resolveInDoubt(ctx, r, ownerAlive)
			}
		}
		if ok && err == nil {
			done++
		}
		return err
	})
	return done, err
}

// eachReservation calls fn with every stored reservation, read page at a
// time (1000 when page is not positive), and joins fn's errors; a failed
// read ends the walk.
func (s *Service) eachReservation(ctx context.Context, page int, fn func(*model.Reservation) error) error {
	if page <= 0 {
		page = 1000
	}
	var errs []error
	for after := ""; ; {
		list, err := store.Read(ctx, s.opts.Store, func(r store.Reader) ([]*model.Reservation, error) { return r.Reservations(after, page) })
		if err != nil {
			errs = append(errs, fmt.Errorf("list reservations after %q: %w", after, err))
			return errors.Join(errs...)
		}
		for _, r := range list {
			if err := fn(r); err != nil {
				errs = append(errs, err)
			}
		}
		if len(list) < page || ctx.Err() != nil {
			return errors.Join(errs...)
		}
		after = list[len(list)-1].SessionID
	}
}

// withSessionLease runs fn holding the lease of session id, taken without
// waiting, with the session as stored (nil when it is gone). A session
// another call holds (on this process or another) is left to it: its
// outcome settles the session's stock; ok is then false.
func (s *Service) withSessionLease(ctx context.Context, id string, fn func(ctx context.Context, sess *model.Session) (bool, error)) (bool, error) {
	ctx, h, ok, err := s.tryHoldSession(ctx, id)
	if err != nil || !ok {
		return false, err
	}
	defer h.end(ctx)
	sess, err := store.Read(ctx, s.opts.Store, func(rd store.Reader) (*model.Session, error) { return rd.Session(id) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		sess = nil
	case err != nil:
		return false, fmt.Errorf("load session %s: %w", id, err)
	}
	return fn(ctx, sess)
}

// saveExpired stores the expiry of sess when its time is up, which
// settles the stock its attempt held, and reports whether it did. An
// attempt whose payment outcome is unknown (complete_in_progress) keeps
// its stock: the payment may yet succeed.
func (s *Service) saveExpired(ctx context.Context, sess *model.Session) (bool, error) {
	s.expire(sess)
	if holdsStock(sess.Status) {
		return false, nil
	}
	if err := s.save(ctx, sess, nil); err != nil {
		return false, err
	}
	return true, nil
}

// settleHeldHold ends the attempt of a held hold whose session's time is
// up while the attempt waited (for 3D Secure, say), which releases the
// hold as any end of an attempt does, and reports whether it did. The
// hold of an attempt whose payment outcome is unknown
// (complete_in_progress) stays, renewed before the plugin lets it lapse.
func (s *Service) settleHeldHold(ctx context.Context, r *model.Reservation) (bool, error) {
	now := s.now()
	sessionExpiry := r.ExpiresAt.Add(-s.placementDeadline() - pluginHoldMargin)
	nearLapse := !now.Before(r.ExpiresAt.Add(-pluginHoldRenewBefore))
	if now.Before(sessionExpiry) && !nearLapse {
		return false, nil
	}
	return s.withSessionLease(ctx, r.SessionID, func(ctx context.Context, sess *model.Session) (bool, error) {
		if sess == nil {
			// The session is gone: nothing will end its attempt.
			releasing := *r
			releasing.State, releasing.Owner = model.HoldReleasing, s.opts.Store.Leases().Owner()
			if err := s.updateHold(ctx, r, model.HoldHeld, &releasing); err != nil {
				return false, err
			}
			return true, s.finishPluginHold(ctx, &releasing)
		}
		if ok, err := s.saveExpired(ctx, sess); ok || err != nil {
			return ok, err
		}
		if nearLapse && sess.Status == model.StatusCompleteInProgress && sess.Payment != nil && sess.Payment.Attempt == r.Attempt {
			return false, s.renewHold(ctx, r)
		}
		return false, nil
	})
}

// renewHold asks the plugin to hold r's units for pluginHoldMargin more
// (a repeated Reserve extends a hold) and records the new expiry. A
// plugin that no longer has the units is raised to the seller; the
// commit then tells (catalog.ErrHoldLapsed).
func (s *Service) renewHold(ctx context.Context, r *model.Reservation) error {
	if s.opts.PluginStock == nil {
		s.attention(r, AttentionNoPlugin)
		return fmt.Errorf("session %s: its stock hold is with catalog plugin %q, which is not configured to hold stock", r.SessionID, r.Provider)
	}
	expires := s.now().Add(pluginHoldMargin).UTC()
	resp, err := s.opts.PluginStock.Reserve(ctx, reserveRequest(r, expires))
	switch {
	case errors.Is(err, acp.ErrNotOffered):
		return nil
	case err != nil:
		return fmt.Errorf("renew the stock hold of session %s: %w", r.SessionID, err)
	case !resp.Held:
		s.logger().Error("the stock hold of a payment still being resolved lapsed and its units are no longer in stock; if the payment succeeds, its order cannot be fulfilled from stock",
			"session", r.SessionID, "provider", r.Provider)
		s.attention(r, AttentionRenewShort)
		return nil
	}
	renewed := *r
	renewed.ExpiresAt = expires
	return s.updateHold(ctx, r, model.HoldHeld, &renewed)
}

// resolveInDoubt releases a hold in doubt whose owner is dead, or whose
// session's time is up, and takes the session out of its attempt (no
// payment was attempted while the hold was in doubt) in the same
// transaction. It reports whether it did.
func (s *Service) resolveInDoubt(ctx context.Context, r *model.Reservation, ownerAlive bool) (bool, error) {
	return s.withSessionLease(ctx, r.SessionID, func(ctx context.Context, sess *model.Session) (bool, error) {
		expired := sess == nil || !s.now().Before(sess.ExpiresAt)
		if ownerAlive && !expired {
			return false, nil
		}
		releasing := *r
		releasing.State, releasing.Owner = model.HoldReleasing, s.opts.Store.Leases().Owner()
		err := s.update(ctx, func(tx store.Tx) error {
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
	})
}
