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
//     units when the session completed and gives them back otherwise: a
//     decline, a refusal, a cancel, an expiry (settleStock).
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
// the units the session itself holds counted as its own. An item whose
// SKU has no level is not stock-controlled (Available nil).
func (s *Service) stockAvailability(ctx context.Context, sessionID string, items []catalog.Item) error {
	if !s.opts.TrackStock {
		return nil
	}
	return s.opts.Store.View(ctx, func(r store.Reader) error {
		own := map[string]int64{}
		held, err := r.Reservation(sessionID)
		switch {
		case err == nil:
			for _, l := range held.Lines {
				own[l.SKU] += l.Quantity
			}
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("read reservation of session %s: %w", sessionID, err)
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
// transaction reserves the attempt's units. When they do not all fit the
// stock left, nothing is stored: the session is turned back to
// not_ready_for_payment with an out_of_stock or low_stock message per
// short line and held reports false; the payment handler must then not be
// called.
func (s *Service) checkpointAttempt(ctx context.Context, sess *model.Session) (held bool, err error) {
	if !s.opts.TrackStock {
		return true, s.checkpoint(ctx, sess)
	}
	want := wantedStock(sess)
	skus := make([]string, len(want))
	for i, w := range want {
		skus[i] = w.SKU
	}
	// The session holds no reservation now: one exists only while the
	// stored session is in its attempt (holdsStock), and this attempt starts
	// from a session that is not.
	sess.UpdatedAt = s.now().UTC()
	var short map[string]int64
	err = s.updateStock(ctx, skus, func(tx store.Tx) error {
		short = map[string]int64{}
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
		refuseShortStock(sess, short)
		return false, nil
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
	var r *model.Reservation
	err := s.opts.Store.View(ctx, func(rd store.Reader) error {
		var err error
		r, err = rd.Reservation(sessionID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read reservation of session %s: %w", sessionID, err)
	}
	return r, nil
}

// storeSettled runs write, which stores sess, in a transaction that also
// settles the session's reservation when sess no longer holds stock: its
// units are sold when sess completed and given back otherwise.
func (s *Service) storeSettled(ctx context.Context, sess *model.Session, write func(store.Tx) error) error {
	if !s.opts.TrackStock || holdsStock(sess.Status) {
		return s.update(ctx, write)
	}
	r, err := s.reservation(ctx, sess.ID)
	if err != nil {
		return err
	}
	if r == nil {
		return s.update(ctx, write)
	}
	return s.updateStock(ctx, r.SKUs(), func(tx store.Tx) error {
		if err := settleStock(tx, sess.ID, sess.Status == model.StatusCompleted); err != nil {
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

// ReleaseLapsedHolds gives back the units held by every payment attempt
// whose session expired while the attempt waited (for 3DS, say) and
// returns how many it gave back. It reads the reservations page at a
// time (1000 when page is not positive), walking all of them. An attempt whose payment outcome is still
// unknown (complete_in_progress) keeps its units: the payment may yet
// succeed, and its resolution settles them.
func (s *Service) ReleaseLapsedHolds(ctx context.Context, page int) (int, error) {
	if !s.opts.TrackStock {
		return 0, nil
	}
	if page <= 0 {
		page = 1000
	}
	released := 0
	var errs []error
	for after := ""; ; {
		var list []*model.Reservation
		err := s.opts.Store.View(ctx, func(r store.Reader) error {
			var err error
			list, err = r.Reservations(after, page)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("list reservations after %q: %w", after, err))
			return released, errors.Join(errs...)
		}
		for _, r := range list {
			if s.now().Before(r.ExpiresAt) {
				continue
			}
			ok, err := s.releaseLapsed(ctx, r)
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				released++
			}
		}
		if len(list) < page || ctx.Err() != nil {
			return released, errors.Join(errs...)
		}
		after = list[len(list)-1].SessionID
	}
}

// releaseLapsed stores the expiry of the lapsed reservation's session,
// which gives its units back, and reports whether it did.
func (s *Service) releaseLapsed(ctx context.Context, r *model.Reservation) (bool, error) {
	// A session another call holds (on this process or another) is left
	// to it: its outcome settles the units.
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
		// The session is gone (kept only so long after its expiry): the
		// units go back on their own.
		err = s.updateStock(ctx, r.SKUs(), func(tx store.Tx) error { return settleStock(tx, r.SessionID, false) })
		return err == nil, err
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
