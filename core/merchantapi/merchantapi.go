package merchantapi

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/feed"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/docs"
)

// Admin is what the merchant API offers.
type Admin interface {
	// List returns up to limit orders, newest first, after the order with
	// id after when it is set; more reports whether more follow.
	List(ctx context.Context, after string, limit int) (list []*model.Order, more bool, err error)
	// Failed returns up to limit failed orders (payment attempts that
	// ended without an order the seller keeps), newest first, after the
	// one keyed after ("session/attempt") when it is set; more reports
	// whether more follow.
	Failed(ctx context.Context, after string, limit int) (list []*model.FailedOrder, more bool, err error)
	// Get returns one order.
	Get(ctx context.Context, id string) (*model.Order, error)
	// Fulfill records a fulfillment or its progress.
	Fulfill(ctx context.Context, id string, in orders.FulfillmentInput) (*model.Order, error)
	// Adjust records a refund or credit.
	Adjust(ctx context.Context, id string, in orders.AdjustmentInput) (*model.Order, error)
	// Cancel records the order's cancellation.
	Cancel(ctx context.Context, id string, in orders.CancelInput) (*model.Order, error)
	// Events lists up to limit webhook events in state (pending or dead).
	Events(ctx context.Context, state string, limit int) ([]Event, error)
	// Requeue re-queues the dead-lettered events with ids, or all of them
	// when ids is empty, and returns how many were re-queued.
	Requeue(ctx context.Context, ids []string) (int, error)
}

// Event is a webhook event as the merchant API shows it: everything but
// the payload.
type Event struct {
	ID     string `json:"id"`
	Agent  string `json:"agent"`
	Target string `json:"target"`
	// Protocol is "ucp" for an event for a UCP platform's order webhook,
	// absent for ACP's.
	Protocol string `json:"protocol,omitempty"`
	// URL is where a UCP event goes: the webhook URL its platform gave.
	URL           string    `json:"url,omitempty"`
	OrderID       string    `json:"order_id"`
	Type          string    `json:"type"`
	APIVersion    string    `json:"api_version"`
	State         string    `json:"state"`
	CreatedAt     time.Time `json:"created_at"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	LastStatus    int       `json:"last_status,omitempty"`
}

func eventOf(e *model.WebhookEvent) Event {
	return Event{
		ID: e.ID, Agent: e.Agent, Target: e.Target, Protocol: e.Protocol, URL: e.URL, OrderID: e.OrderID, Type: e.Type, APIVersion: e.APIVersion,
		State: e.State, CreatedAt: e.CreatedAt, Attempts: e.Attempts, NextAttemptAt: e.NextAttemptAt,
		LastError: e.LastError, LastStatus: e.LastStatus,
	}
}

// Local runs the operations on a store directly.
type Local struct {
	Store  store.Store
	Orders *orders.Service
	Outbox *orders.Outbox
	// Feeds is the product feeds' publisher, for their status and full
	// publishes; nil when acp.yaml has no feeds.
	Feeds *feed.Publisher
	// Now is the clock stock changes are dated by; time.Now when nil.
	Now func() time.Time
}

// List implements Admin.
func (l *Local) List(ctx context.Context, after string, limit int) ([]*model.Order, bool, error) {
	list, err := l.Orders.List(ctx, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(list) > limit {
		return list[:limit], true, nil
	}
	return list, false, nil
}

// Failed implements Admin.
func (l *Local) Failed(ctx context.Context, after string, limit int) ([]*model.FailedOrder, bool, error) {
	list, err := l.Orders.Failed(ctx, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(list) > limit {
		return list[:limit], true, nil
	}
	return list, false, nil
}

// Get implements Admin.
func (l *Local) Get(ctx context.Context, id string) (*model.Order, error) {
	return l.Orders.Get(ctx, id)
}

// Fulfill implements Admin.
func (l *Local) Fulfill(ctx context.Context, id string, in orders.FulfillmentInput) (*model.Order, error) {
	return l.Orders.Fulfill(ctx, id, in)
}

// Adjust implements Admin.
func (l *Local) Adjust(ctx context.Context, id string, in orders.AdjustmentInput) (*model.Order, error) {
	return l.Orders.Adjust(ctx, id, in)
}

// Cancel implements Admin.
func (l *Local) Cancel(ctx context.Context, id string, in orders.CancelInput) (*model.Order, error) {
	return l.Orders.Cancel(ctx, id, in)
}

// Events implements Admin.
func (l *Local) Events(ctx context.Context, state string, limit int) ([]Event, error) {
	if state != model.EventPending && state != model.EventDead {
		return nil, apierr.Invalid(apierr.CodeInvalid, "$.state", "state must be pending or dead.")
	}
	list, err := orders.Events(ctx, l.Store, state, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(list))
	for _, e := range list {
		out = append(out, eventOf(e))
	}
	return out, nil
}

// Requeue implements Admin.
func (l *Local) Requeue(ctx context.Context, ids []string) (int, error) {
	return l.Outbox.Requeue(ctx, l.Store, ids)
}

// List page sizes: the default and the largest served.
const (
	DefaultListLimit = 20
	MaxListLimit     = 100
)

// Routes registers the merchant API on r (mounted at /merchant, behind the
// merchant token), with its OpenAPI description at /openapi.yaml.
func Routes(r fiber.Router, admin Admin) {
	r.Get("/openapi.yaml", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/yaml")
		return c.Send(docs.MerchantAPIOpenAPI)
	})
	r.Get("/orders", func(c *fiber.Ctx) error {
		limit, err := limitOf(c)
		if err != nil {
			return err
		}
		list, more, err := admin.List(c.UserContext(), c.Query("starting_after"), limit)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"data": viewsOf(list), "has_more": more})
	})
	// Before /orders/:id, which would take "failed" for an order id.
	r.Get("/orders/failed", func(c *fiber.Ctx) error {
		limit, err := limitOf(c)
		if err != nil {
			return err
		}
		list, more, err := admin.Failed(c.UserContext(), c.Query("starting_after"), limit)
		if err != nil {
			return err
		}
		if list == nil {
			list = []*model.FailedOrder{}
		}
		return c.JSON(fiber.Map{"data": list, "has_more": more})
	})
	r.Get("/orders/:id", func(c *fiber.Ctx) error {
		return reply(c)(admin.Get(c.UserContext(), c.Params("id")))
	})
	r.Post("/orders/:id/fulfillments", func(c *fiber.Ctx) error {
		var in orders.FulfillmentInput
		if err := decode(c, &in, false); err != nil {
			return err
		}
		return reply(c)(admin.Fulfill(c.UserContext(), c.Params("id"), in))
	})
	r.Post("/orders/:id/adjustments", func(c *fiber.Ctx) error {
		var in orders.AdjustmentInput
		if err := decode(c, &in, false); err != nil {
			return err
		}
		return reply(c)(admin.Adjust(c.UserContext(), c.Params("id"), in))
	})
	r.Post("/orders/:id/cancel", func(c *fiber.Ctx) error {
		var in orders.CancelInput
		if err := decode(c, &in, true); err != nil {
			return err
		}
		return reply(c)(admin.Cancel(c.UserContext(), c.Params("id"), in))
	})
	r.Get("/webhooks/events", func(c *fiber.Ctx) error {
		limit, err := limitOf(c)
		if err != nil {
			return err
		}
		list, err := admin.Events(c.UserContext(), c.Query("state", model.EventDead), limit)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"data": list})
	})
	r.Post("/webhooks/retry", func(c *fiber.Ctx) error {
		var in struct {
			IDs []string `json:"ids"`
		}
		if err := decode(c, &in, true); err != nil {
			return err
		}
		n, err := admin.Requeue(c.UserContext(), in.IDs)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"requeued": n})
	})
}

// reply writes an order, or returns the error for the error handler.
func reply(c *fiber.Ctx) func(*model.Order, error) error {
	return func(o *model.Order, err error) error {
		if err != nil {
			return err
		}
		return c.JSON(viewOf(o))
	}
}

func limitOf(c *fiber.Ctx) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return DefaultListLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxListLimit {
		return 0, apierr.Invalid(apierr.CodeInvalid, "$.limit", "limit must be a whole number from 1 to %d.", MaxListLimit)
	}
	return n, nil
}

// decode reads a JSON request body strictly; an empty body is allowed
// where optional says so and leaves v as it is. The body is read as
// received (c.Body() would inflate a compressed one without bounds; the
// HTTP layer refuses those).
func decode(c *fiber.Ctx, v any, optional bool) error {
	body := c.Request().Body()
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return acpwire.DecodeStrict(body, v)
}
