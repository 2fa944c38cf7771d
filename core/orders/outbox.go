package orders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/ids"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// Target is a webhook target as the outbox sees it: which agent's orders
// it receives, and which event types.
type Target struct {
	// Agent is the agent whose checkouts' orders the target receives.
	Agent string
	// Name identifies the target within the agent.
	Name string
	// Events are the event types it receives; empty means all.
	Events []string
}

// Encoder renders an order event in the shape of an API version.
type Encoder func(version, eventType string, o *model.Order) ([]byte, error)

// UCPEncoder renders the body of a UCP order event: the order as it is,
// with the event's id and creation time.
type UCPEncoder func(o *model.Order, eventID string, createdAt time.Time) ([]byte, error)

// Outbox writes order events into the store, in the transaction of the
// order change that causes them, one event per subscribed target.
type Outbox struct {
	targets   map[string][]Target
	encode    Encoder
	encodeUCP UCPEncoder
	now       func() time.Time
	wake      func()
}

// NewOutbox returns an outbox for targets. wake, when set, is called after
// a transaction that wrote events commits (the deliverer's Notify).
func NewOutbox(targets []Target, encode Encoder, now func() time.Time, wake func()) *Outbox {
	byAgent := map[string][]Target{}
	for _, t := range targets {
		byAgent[t.Agent] = append(byAgent[t.Agent], t)
	}
	if now == nil {
		now = time.Now
	}
	if wake == nil {
		wake = func() {}
	}
	return &Outbox{targets: byAgent, encode: encode, now: now, wake: wake}
}

// WithUCP makes the outbox enqueue the events of orders placed over UCP,
// encoded with encode, and returns it. Without it such orders get no
// events.
func (ob *Outbox) WithUCP(encode UCPEncoder) *Outbox {
	ob.encodeUCP = encode
	return ob
}

// Enqueue writes the event about o for each target of o's agent that
// subscribes to eventType, in the shape of the version o's checkout was
// created under.
//
// An order placed over UCP (its UCP context set) goes to its platform
// only: one event per change, for the order webhook URL the platform's
// profile gave when the checkout was made (none when it gave none),
// whatever eventType, in UCP's shape (order.md: the full order on
// creation and on every update). The agent's ACP webhook targets do not
// receive it: they were configured for ACP's shapes, and the platform
// named its own receiver.
func (ob *Outbox) Enqueue(tx store.Tx, o *model.Order, eventType string) error {
	now := ob.now().UTC()
	if o.UCP != nil {
		return ob.enqueueUCP(tx, o, eventType, now)
	}
	var payload []byte // the same for every target; encoded once, when one subscribes
	for _, t := range ob.targets[o.Agent] {
		if len(t.Events) > 0 && !slices.Contains(t.Events, eventType) {
			continue
		}
		if payload == nil {
			var err error
			if payload, err = ob.encode(o.APIVersion, eventType, o); err != nil {
				return fmt.Errorf("encode %s of order %s: %w", eventType, o.ID, err)
			}
		}
		e := &model.WebhookEvent{
			ID: ids.New("evt_"), Agent: t.Agent, Target: t.Name, OrderID: o.ID, Type: eventType,
			APIVersion: o.APIVersion, Payload: payload, State: model.EventPending,
			CreatedAt: now, NextAttemptAt: now,
		}
		if err := tx.PutWebhookEvent(e); err != nil {
			return err
		}
	}
	return nil
}

// enqueueUCP writes the UCP event about o for its platform's order
// webhook, when it gave one.
func (ob *Outbox) enqueueUCP(tx store.Tx, o *model.Order, eventType string, now time.Time) error {
	if o.UCP.OrderWebhookURL == "" || ob.encodeUCP == nil {
		return nil
	}
	e := &model.WebhookEvent{
		ID: ids.New("evt_"), Agent: o.Agent, Target: model.TargetUCP, Protocol: model.ProtocolUCP, URL: o.UCP.OrderWebhookURL,
		OrderID: o.ID, Type: eventType, APIVersion: o.APIVersion, State: model.EventPending, CreatedAt: now, NextAttemptAt: now,
	}
	var err error
	if e.Payload, err = ob.encodeUCP(o, e.ID, now); err != nil {
		return fmt.Errorf("encode UCP %s of order %s: %w", eventType, o.ID, err)
	}
	return tx.PutWebhookEvent(e)
}

// Notify wakes the deliverer; call it after a transaction that enqueued
// events has committed.
func (ob *Outbox) Notify() { ob.wake() }

// Events lists up to limit events in state (model.EventPending or
// model.EventDead), oldest first.
func Events(ctx context.Context, st store.Store, state string, limit int) ([]*model.WebhookEvent, error) {
	out, err := store.Read(ctx, st, func(r store.Reader) ([]*model.WebhookEvent, error) { return r.WebhookEvents(state, 0, limit) })
	if err != nil {
		return nil, fmt.Errorf("list %s webhook events: %w", state, err)
	}
	return out, nil
}

// Requeue moves dead-lettered events back into the queue: the events with
// the given ids, or every dead event when ids is empty. A re-queued event
// keeps its id (its Request-Id) and type, goes to the back of its order's
// queue, and carries the order as it is now, so it can never show a
// receiver an older state than one it has already been sent. It returns
// how many events were re-queued. Named events are re-queued all or none:
// an id that names no dead event is a 404 and nothing moves.
func (ob *Outbox) Requeue(ctx context.Context, st store.Store, ids []string) (int, error) {
	if len(ids) > 0 {
		return ob.requeueIDs(ctx, st, ids)
	}
	count := 0
	// One transaction per page keeps each within Badger's size limit;
	// re-queued events leave the dead state, so each page starts afresh.
	for {
		var n int
		err := st.Update(ctx, func(tx store.Tx) error {
			page, err := tx.WebhookEvents(model.EventDead, 0, requeuePage)
			if err != nil {
				return err
			}
			n = len(page)
			for _, e := range page {
				if err := ob.requeue(tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return count, fmt.Errorf("requeue webhook events: %w", err)
		}
		count += n
		if n < requeuePage {
			break
		}
	}
	if count > 0 {
		ob.Notify()
	}
	return count, nil
}

// requeueIDs re-queues the named dead events in one transaction.
func (ob *Outbox) requeueIDs(ctx context.Context, st store.Store, ids []string) (int, error) {
	var named []*model.WebhookEvent
	err := st.Update(ctx, func(tx store.Tx) error {
		named = nil
		var after uint64
		for len(named) < len(ids) {
			page, err := tx.WebhookEvents(model.EventDead, after, requeuePage)
			if err != nil {
				return err
			}
			for _, e := range page {
				if slices.Contains(ids, e.ID) {
					named = append(named, e)
				}
			}
			if len(page) < requeuePage {
				break
			}
			after = page[len(page)-1].Seq
		}
		for _, id := range ids {
			if !slices.ContainsFunc(named, func(e *model.WebhookEvent) bool { return e.ID == id }) {
				return apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound, "No dead-lettered webhook event %q.", id)
			}
		}
		for _, e := range named {
			if err := ob.requeue(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return 0, ae
	}
	if err != nil {
		return 0, fmt.Errorf("requeue webhook events: %w", err)
	}
	ob.Notify()
	return len(named), nil
}

// requeuePage is how many dead events one re-queue transaction reads.
const requeuePage = 100

func (ob *Outbox) requeue(tx store.Tx, e *model.WebhookEvent) error {
	if err := tx.DeleteWebhookEvent(e); err != nil {
		return err
	}
	o, err := tx.Order(e.OrderID)
	if err != nil {
		return fmt.Errorf("load order %s of event %s: %w", e.OrderID, e.ID, err)
	}
	now := ob.now().UTC()
	var payload []byte
	if e.Protocol == model.ProtocolUCP {
		if ob.encodeUCP == nil {
			return fmt.Errorf("requeue UCP event %s of order %s: UCP events are not encoded here", e.ID, o.ID)
		}
		// Its body carries its id and creation time: the re-queue's.
		payload, err = ob.encodeUCP(o, e.ID, now)
	} else {
		payload, err = ob.encode(e.APIVersion, e.Type, o)
	}
	if err != nil {
		return fmt.Errorf("encode %s of order %s: %w", e.Type, o.ID, err)
	}
	e.Seq, e.State, e.Payload = 0, model.EventPending, payload
	e.Attempts, e.NextAttemptAt, e.LastError, e.LastStatus = 0, now, "", 0
	// The age limit counts from the re-queue, or the event would go
	// straight back to the dead letters.
	e.CreatedAt = now
	return tx.PutWebhookEvent(e)
}
