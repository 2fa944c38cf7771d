package merchantapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// SessionAdmin is what the merchant API offers about checkout sessions:
// the seller's view of one, with what the agent told when it canceled.
type SessionAdmin interface {
	// CheckoutSession returns the seller's view of one checkout session.
	CheckoutSession(ctx context.Context, id string) (*CheckoutSession, error)
}

// CheckoutSession is a checkout session as the merchant API shows it: its
// state and the agent's intent trace when it canceled (ACP's IntentTrace,
// write-only towards agents, kept for the seller).
type CheckoutSession struct {
	ID         string `json:"id"`
	Agent      string `json:"agent"`
	APIVersion string `json:"api_version"`
	Status     string `json:"status"`
	Currency   string `json:"currency"`
	Total      int64  `json:"total"`
	// OrderID is the order the session completed with, when it did.
	OrderID string `json:"order_id,omitempty"`
	// IntentTrace is the agent's reason for canceling, when it gave one.
	IntentTrace json.RawMessage `json:"intent_trace,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	ExpiresAt   time.Time       `json:"expires_at"`
}

// checkoutSessionOf is the merchant API's view of s.
func checkoutSessionOf(s *model.Session) *CheckoutSession {
	out := &CheckoutSession{
		ID: s.ID, Agent: s.Agent, APIVersion: s.APIVersion, Status: string(s.Status), Currency: s.Currency,
		Total: s.Totals.Total, IntentTrace: s.WriteOnly.IntentTrace,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, ExpiresAt: s.ExpiresAt,
	}
	if s.Order != nil {
		out.OrderID = s.Order.ID
	}
	return out
}

// CheckoutSession implements SessionAdmin. Sessions are kept for
// store.session_retention after they expire.
func (l *Local) CheckoutSession(ctx context.Context, id string) (*CheckoutSession, error) {
	s, err := store.Read(ctx, l.Store, func(r store.Reader) (*model.Session, error) { return r.Session(id) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound, "Checkout session %s does not exist (or is past its retention).", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", id, err)
	}
	return checkoutSessionOf(s), nil
}

// CheckoutSession implements SessionAdmin.
func (c *Client) CheckoutSession(ctx context.Context, id string) (*CheckoutSession, error) {
	var out CheckoutSession
	if err := c.call(ctx, http.MethodGet, "/merchant/checkout_sessions/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SessionRoutes registers the session endpoint on r (mounted at
// /merchant, behind the merchant token):
//
//	GET /checkout_sessions/{id}  one session, with its intent trace
func SessionRoutes(r fiber.Router, admin SessionAdmin) {
	r.Get("/checkout_sessions/:id", func(c *fiber.Ctx) error {
		s, err := admin.CheckoutSession(c.UserContext(), c.Params("id"))
		if err != nil {
			return err
		}
		return c.JSON(s)
	})
}
