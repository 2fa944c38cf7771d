package checkout

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Stock control (Options.TrackStock). The store keeps a level for every
// stock-controlled SKU. Three hooks use it:
//
//   - pricing shows each line's available quantity from the store
//     (stockAvailability, called by resolveItems);
//   - the transaction that records a new payment attempt also reserves
//     its units, or records nothing when they do not fit
//     (checkpointAttempt, called by Complete);
//   - every transaction that stores a session no longer in its attempt
//     (commit and checkpoint, through storeSettled) sells the reserved
//     units when the order is or may be kept (unitsSold) and gives them
//     back otherwise: a decline, a refusal, a cancel, an expiry, an order
//     canceled at the order system (settleStock).
//
// ReleaseLapsedHolds gives back the units of attempts whose session
// expired without an outcome being stored.

// holdsStock reports whether a session in status keeps its reservation:
// its payment attempt is still running.
func holdsStock(status model.Status) bool {
	return status == model.StatusCompleteInProgress || status == model.StatusAuthenticationRequired
}

// stockAvailability sets the Available figure of each found item from the
// store's stock levels: what is on hand less what running attempts hold,
// the units the session itself holds counted as its own (a new session
// holds none). An item whose SKU has no level is not stock-controlled
// (Available nil).
func (s *Service) stockAvailability(ctx context.Context, sess *model.Session, items []catalog.Item) error {
	if !s.opts.TrackStock {
		return nil
	}
	return s.opts.Store.View(ctx, func(r store.Reader) error {
		own, err := ownStock(r, sess)
		if err != nil {
			return err
		}
		for i := range items {
			it := &items[i]
			if !it.Found {
				continue
			}
			it.Available = nil
			l, err := r.StockLevel(it.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read stock of %s: %w", it.ID, err)
			}
			avail := min(l.OnHand, l.Available()+own[it.ID])
			it.Available = &avail
		}
		return nil
	})
}

// ownStock is the units sess holds, by SKU: its reservation's. A session
// never stored holds none, and its reservation is not looked for: it
// cannot have one (neverStored).
func ownStock(r store.Reader, sess *model.Session) (map[string]int64, error) {
	own := map[string]int64{}
	if neverStored(sess) {
		return own, nil
	}
	held, err := r.Reservation(sess.ID)
	switch {
	case err == nil:
		for _, l := range held.Lines {
			own[l.SKU] += l.Quantity
		}
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("read reservation of session %s: %w", sess.ID, err)
	}
	return own, nil
}

// neverStored reports whether sess is one Create is making: its first
// pricing has not given it a status yet, and every session stored has
// one. No reservation can name it (a reservation is made for a stored
// session's payment attempt, and its id was just minted), so it holds no
// units of its own and has no stock to settle.
func neverStored(sess *model.Session) bool { return sess.Status == "" }

// addStockMessage reports line i of sess as out of stock (nothing left)
// or low on stock (fewer left than asked for), with avail units left.
func addStockMessage(sess *model.Session, i int, avail int64) {
	l := sess.Lines[i]
	if avail == 0 {
		sess.Messages.AddError(acp.CodeOutOfStock, fmt.Sprintf("$.line_items[%d].item.id", i), fmt.Sprintf("%s is out of stock.", l.Name), acp.ResolutionRecoverable)
		return
	}
	sess.Messages.AddError(acp.CodeLowStock, fmt.Sprintf("$.line_items[%d].quantity", i), fmt.Sprintf("Only %d of %s are in stock.", avail, l.Name), acp.ResolutionRecoverable)
}

// wantedStock sums the session's found lines per SKU, in line order.
func wantedStock(sess *model.Session) []model.ReservedLine {
	var out []model.ReservedLine
	for _, l := range sess.Lines {
		if !l.Found {
			continue
		}
		i := slices.IndexFunc(out, func(r model.ReservedLine) bool { return r.SKU == l.ItemID })
		if i < 0 {
			out = append(out, model.ReservedLine{SKU: l.ItemID})
			i = len(out) - 1
		}
		out[i].Quantity += l.Quantity
	}
	return out
}

// errShortStock aborts the transaction of an attempt whose units do not
// fit the stock left.
var errShortStock = errors.New("not enough stock")

// checkpointAttempt stores the session with its new payment attempt
// (status complete_in_progress), as checkpoint does, and in the same
// transaction reserves the attempt's units and one use of each
// usage-limited discount code (discountholds.go). When they do not all
// fit what is left, nothing is stored: the session is turned back to
// not_ready_for_payment with an out_of_stock or low_stock message per
// short line, or priced again without a code with no use left
// (refuseShortHold), and held reports false; the payment handler must
// then not be called.
func (s *Service) checkpointAttempt(ctx context.Context, sess *model.Session) (held bool, err error) {
	// A reservation exists only while the stored session is in its
	// attempt (holdsStock), and this attempt starts from a session that is
	// not; one left over (a plugin's still settling, or one of another
	// stock mode) is settled first, never overwritten.
	prev, err := s.earlierHold(ctx, sess.ID)
	if err != nil {
		return false, err
	}
	if s.opts.PluginStock != nil {
		// The plugin is asked to hold the units before the charge
		// (confirmPluginHold); here the hold is recorded in doubt.
		return true, s.checkpointPluginAttempt(ctx, sess, prev)
	}
	var want []model.ReservedLine
	if s.opts.TrackStock {
		want = heldLines(sess)
	}
	if len(want) == 0 && prev == nil {
		return true, s.checkpoint(ctx, sess)
	}
	skus := make([]string, 0, len(want))
	for _, w := range want {
		skus = append(skus, w.SKU)
	}
	if prev != nil {
		skus = append(skus, prev.SKUs()...)
	}
	sess.UpdatedAt = s.now().UTC()
	var short map[string]int64
	err = s.updateStock(ctx, skus, func(tx store.Tx) error {
		short = map[string]int64{}
		if err := settleStock(tx, sess.ID, false); err != nil {
			return err
		}
		r := &model.Reservation{SessionID: sess.ID, Attempt: sess.Payment.Attempt, CreatedAt: sess.UpdatedAt, ExpiresAt: sess.ExpiresAt}
		for _, w := range want {
			ok, avail, err := tx.ReserveStock(w.SKU, w.Quantity)
			switch {
			case errors.Is(err, store.ErrNotFound):
				// Not stock-controlled: nothing to hold.
			case err != nil:
				return fmt.Errorf("reserve %d of %s: %w", w.Quantity, w.SKU, err)
			case !ok:
				short[w.SKU] = avail
			default:
				r.Lines = append(r.Lines, w)
			}
		}
		if len(short) > 0 {
			return errShortStock
		}
		if len(r.Lines) > 0 {
			if err := tx.PutReservation(r); err != nil {
				return err
			}
		}
		return tx.PutSession(sess)
	})
	if errors.Is(err, errShortStock) {
		return false, s.refuseShortHold(ctx, sess, short)
	}
	if err != nil {
		return false, fmt.Errorf("store session %s with its reservation: %w", sess.ID, err)
	}
	return true, nil
}

// refuseShortStock turns a session whose attempt could not reserve its
// units back to not_ready_for_payment, showing what is left of each short
// SKU. The attempt's number stays used; its credential is dropped, as
// nothing was charged with it.
func refuseShortStock(sess *model.Session, short map[string]int64) {
	for i := range sess.Lines {
		l := &sess.Lines[i]
		avail, ok := short[l.ItemID]
		if !ok || !l.Found {
			continue
		}
		l.Available = &avail
		addStockMessage(sess, i, avail)
	}
	sess.Payment.Token = ""
	sess.Status = model.StatusNotReadyForPayment
}

// reservation returns the session's reservation, or nil.
func (s *Service) reservation(ctx context.Context, sessionID string) (*model.Reservation, error) {
	r, err := store.Read(ctx, s.opts.Store, func(rd store.Reader) (*model.Reservation, error) { return rd.Reservation(sessionID) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read reservation of session %s: %w", sessionID, err)
	}
	return r, nil
}

// unitsSold reports whether the units a session held are sold when its
// attempt ends, rather than given back: its order was kept, or may be.
// That is a completed session, unless its order was canceled at the order
// system (a capture refused after acceptance, then the order canceled),
// and a session canceled because the order it gave up at its placement
// deadline could not be canceled there (refused, unreachable until the
// cancel's deadline, or not cancelable): the order system may still ship
// it, so its units stay counted while the seller settles the case.
func unitsSold(sess *model.Session) bool {
	p := sess.Payment
	switch sess.Status {
	case model.StatusCompleted:
		return p == nil || !p.OrderCanceled
	case model.StatusCanceled:
		return p != nil && p.Release == ReleaseDeadline && !p.OrderCanceled &&
			(p.State == model.PaymentAuthorized || p.State == model.PaymentCaptured)
	}
	return false
}

// storeSettled runs write, which stores sess, in a transaction that also
// settles the session's reservation when sess no longer holds stock: its
// units are sold when its order is or may be kept (unitsSold) and given
// back otherwise. The reservation is settled the way it was made (its
// Provider), whatever the stock mode is now.
func (s *Service) storeSettled(ctx context.Context, sess *model.Session, write func(store.Tx) error) error {
	if holdsStock(sess.Status) {
		return s.update(ctx, write)
	}
	r, err := s.reservation(ctx, sess.ID)
	if err != nil {
		return err
	}
	switch {
	case r == nil:
		return s.update(ctx, write)
	case r.Provider != "":
		return s.storePluginSettled(ctx, sess, write)
	}
	return s.updateStock(ctx, r.SKUs(), func(tx store.Tx) error {
		if err := settleStock(tx, sess.ID, unitsSold(sess)); err != nil {
			return err
		}
		return write(tx)
	})
}

// settleStock sells (sold) or gives back the units the session's
// reservation holds, and removes it. A session without one is left alone.
func settleStock(tx store.Tx, sessionID string, sold bool) error {
	r, err := tx.Reservation(sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read reservation of session %s: %w", sessionID, err)
	}
	if r.Provider != "" {
		// Never counted against the built-in levels: the plugin holds it.
		return fmt.Errorf("session %s: its stock is held by catalog plugin %q, not the built-in counts", sessionID, r.Provider)
	}
	for _, l := range r.Lines {
		if sold {
			err = tx.SellStock(l.SKU, l.Quantity)
		} else {
			err = tx.ReleaseStock(l.SKU, l.Quantity)
		}
		if err != nil {
			return fmt.Errorf("settle %d of %s for session %s: %w", l.Quantity, l.SKU, sessionID, err)
		}
	}
	return tx.DeleteReservation(sessionID)
}

// ReleaseLapsedHolds gives back the units held by every built-in
// reservation whose session expired while the attempt waited (for 3DS,
// say) and returns how many it gave back. It reads the reservations page
// at a time (1000 when page is not positive), walking all of them, and
// runs whatever the stock mode is now (a reservation made before the
// mode changed is settled the way it was made); a catalog plugin's holds
// are ResolvePluginHolds'. An attempt whose payment outcome is still
// unknown (complete_in_progress) keeps its units: the payment may yet
// succeed, and its resolution settles them.
func (s *Service) ReleaseLapsedHolds(ctx context.Context, page int) (int, error) {
	released := 0
	err := s.eachReservation(ctx, page, func(r *model.Reservation) error {
		if r.Provider != "" || s.now().Before(r.ExpiresAt) {
			return nil
		}
		ok, err := s.releaseLapsed(ctx, r)
		if ok && err == nil {
			released++
		}
		return err
	})
	return released, err
}

// releaseLapsed stores the expiry of the lapsed reservation's session,
// which gives its units back, and reports whether it did.
func (s *Service) releaseLapsed(ctx context.Context, r *model.Reservation) (bool, error) {
	return s.withSessionLease(ctx, r.SessionID, func(ctx context.Context, sess *model.Session) (bool, error) {
		if sess == nil {
			// The session is gone (kept only so long after its expiry):
			// the units go back on their own.
			err := s.updateStock(ctx, r.SKUs(), func(tx store.Tx) error { return settleStock(tx, r.SessionID, false) })
			return err == nil, err
		}
		return s.saveExpired(ctx, sess)
	})
}
