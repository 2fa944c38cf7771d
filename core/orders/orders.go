package orders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// Error codes of the merchant operations.
const (
	CodeOrderCanceled    = "order_canceled"
	CodeQuantityExceeded = "quantity_exceeded"
	CodeAmountExceeded   = "amount_exceeded"
	CodeNothingToShip    = "nothing_to_fulfill"
	CodeAlreadyFulfilled = "order_fulfilled"
	CodeCancelRefused    = "cancel_refused"
)

// ErrUnknownPayment is returned by RecordProcessorAdjustment when no order
// was paid by the payment.
var ErrUnknownPayment = errors.New("no order for this payment")

// Service changes orders.
type Service struct {
	store       store.Store
	outbox      *Outbox
	now         func() time.Time
	fulfillment fulfillment.Fulfillment
}

// New returns a service over st whose changes emit events through outbox.
// Cancellations are passed to orderSystem first, when it is not nil.
func New(st store.Store, outbox *Outbox, now func() time.Time, orderSystem fulfillment.Fulfillment) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, outbox: outbox, now: now, fulfillment: orderSystem}
}

// Placed stores a new order inside the caller's transaction (the one that
// completes its checkout) together with its order_create events. The
// caller calls Notify after the transaction commits.
func (s *Service) Placed(tx store.Tx, o *model.Order) error {
	if err := tx.PutOrder(o); err != nil {
		return err
	}
	return s.outbox.Enqueue(tx, o, model.EventOrderCreate)
}

// Notify wakes the webhook deliverer after a transaction that called
// Placed has committed.
func (s *Service) Notify() { s.outbox.Notify() }

// Get returns the order with id.
func (s *Service) Get(ctx context.Context, id string) (*model.Order, error) {
	o, err := store.Read(ctx, s.store, func(r store.Reader) (*model.Order, error) { return r.Order(id) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("load order %s: %w", id, err)
	}
	return o, nil
}

// List returns up to limit orders, newest first, after the order with id
// after when it is set.
func (s *Service) List(ctx context.Context, after string, limit int) ([]*model.Order, error) {
	out, err := store.Read(ctx, s.store, func(r store.Reader) ([]*model.Order, error) { return r.Orders(after, limit) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.Invalid(apierr.CodeInvalid, "$.starting_after", "No order %q to list after.", after)
	}
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return out, nil
}

// Failed returns up to limit failed orders (payment attempts that ended
// without an order the seller keeps, and what happened to their money),
// newest first, after the one keyed after ("session/attempt") when it is
// set.
func (s *Service) Failed(ctx context.Context, after string, limit int) ([]*model.FailedOrder, error) {
	out, err := store.Read(ctx, s.store, func(r store.Reader) ([]*model.FailedOrder, error) { return r.FailedOrders(after, limit) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.Invalid(apierr.CodeInvalid, "$.starting_after", "No failed order %q to list after.", after)
	}
	if err != nil {
		return nil, fmt.Errorf("list failed orders: %w", err)
	}
	return out, nil
}

// RecordProcessorAdjustment adds a refund or dispute the payment processor
// reports to the order paid by paymentID. It is idempotent on the
// adjustment's ID: a report received again replaces the earlier record (a
// refund that went from pending to completed, say), and reports that
// arrive out of order never lower a cumulative refund.
func (s *Service) RecordProcessorAdjustment(ctx context.Context, paymentID string, adj model.Adjustment) (*model.Order, error) {
	var id string
	err := s.store.View(ctx, func(r store.Reader) error {
		o, err := r.OrderByPayment(paymentID)
		if err == nil {
			id = o.ID
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownPayment
	}
	if err != nil {
		return nil, fmt.Errorf("find order of payment %s: %w", paymentID, err)
	}
	return s.change(ctx, id, func(o *model.Order) error {
		// Reports can arrive out of order: a cumulative refund never goes
		// down.
		if stored, prev := upsertAdjustment(o, adj); prev != nil {
			stored.Amount = max(stored.Amount, prev.Amount)
		}
		return nil
	})
}

// upsertAdjustment adds adj to o, or replaces the adjustment with its ID,
// keeping when that one first occurred. It returns the stored entry and
// the one it replaced (nil when adj was added).
func upsertAdjustment(o *model.Order, adj model.Adjustment) (stored, prev *model.Adjustment) {
	i := slices.IndexFunc(o.Adjustments, func(a model.Adjustment) bool { return a.ID == adj.ID })
	if i < 0 {
		o.Adjustments = append(o.Adjustments, adj)
		return &o.Adjustments[len(o.Adjustments)-1], nil
	}
	old := o.Adjustments[i]
	adj.OccurredAt = old.OccurredAt
	o.Adjustments[i] = adj
	return &o.Adjustments[i], &old
}

// change applies fn to the order with id in one transaction. When the
// order differs afterwards it is stored with an order_update event and its
// session's copy is refreshed; when it does not (a request repeated), it
// is returned unchanged and nothing is sent.
func (s *Service) change(ctx context.Context, id string, fn func(*model.Order) error) (*model.Order, error) {
	var out *model.Order
	changed := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		o, err := tx.Order(id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		before, err := tx.Order(id)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
		o.Recompute()
		out, changed = o, !reflect.DeepEqual(before, o)
		if !changed {
			return nil
		}
		o.UpdatedAt = s.now().UTC()
		if err := tx.PutOrder(o); err != nil {
			return err
		}
		if err := s.outbox.Enqueue(tx, o, model.EventOrderUpdate); err != nil {
			return err
		}
		return refreshSession(tx, o)
	})
	if err != nil {
		var ae *apierr.Error
		if errors.As(err, &ae) {
			return nil, ae
		}
		return nil, fmt.Errorf("change order %s: %w", id, err)
	}
	if changed {
		s.outbox.Notify()
	}
	return out, nil
}

// refreshSession updates the copy of the order its session keeps, while
// the session exists (sessions are kept store.session_retention after
// they expire; orders for ever).
func refreshSession(tx store.Tx, o *model.Order) error {
	sess, err := tx.Session(o.CheckoutSessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load session of order %s: %w", o.ID, err)
	}
	sess.Order = o.SessionCopy()
	return tx.PutSession(sess)
}

func notFound(id string) *apierr.Error {
	return apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound, "No order %q.", id)
}

func conflict(code, param, format string, args ...any) *apierr.Error {
	e := apierr.New(http.StatusConflict, apierr.TypeInvalidRequest, code, format, args...)
	e.Param = param
	return e
}
