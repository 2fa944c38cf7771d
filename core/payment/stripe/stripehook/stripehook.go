package stripehook

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"github.com/acp-sidecar/acp/core/payment/stripe"
)

// Handler verifies and applies Stripe events.
type Handler struct {
	secrets []string
	svc     *checkout.Service
	orders  *orders.Service
	logger  *slog.Logger
}

// New returns the webhook handler. secrets are the signing secrets of the
// configured Stripe handlers' endpoints; an event verified by any of them
// is accepted. Payments are settled through svc, refunds and disputes
// recorded through orders.
func New(secrets []string, svc *checkout.Service, orders *orders.Service, logger *slog.Logger) *Handler {
	return &Handler{secrets: secrets, svc: svc, orders: orders, logger: logger}
}

// Serve is the Fiber handler of POST /stripe/webhooks. It answers 2xx once
// an event is applied (or ignored), 400 for a bad signature, and 5xx when
// applying failed, so that Stripe retries.
func (h *Handler) Serve(c *fiber.Ctx) error {
	payload := c.Request().Body()
	header := c.Get("Stripe-Signature")
	var event struct {
		ID      string
		Type    string
		Created time.Time
		Data    json.RawMessage
	}
	verified := false
	for _, secret := range h.secrets {
		// The account's API version may differ from the library's; the
		// fields read below are stable across versions.
		ev, err := webhook.ConstructEventWithOptions(payload, header, secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
		if err != nil {
			continue
		}
		// ev.Data.Raw is data.object.
		event.ID, event.Type, event.Data = ev.ID, string(ev.Type), ev.Data.Raw
		event.Created = time.Unix(ev.Created, 0).UTC()
		if ev.Created == 0 {
			event.Created = time.Now().UTC()
		}
		verified = true
		break
	}
	if !verified {
		return apierr.New(http.StatusBadRequest, apierr.TypeInvalidRequest, apierr.CodeInvalidSignature, "The Stripe-Signature header does not verify.")
	}
	if err := h.apply(c, event.Type, event.Data, event.Created); err != nil {
		h.logger.Error("apply Stripe event", "event", event.ID, "type", event.Type, "error", err.Error())
		return apierr.Internal()
	}
	h.logger.Info("Stripe event applied", "event", event.ID, "type", event.Type)
	return c.JSON(fiber.Map{"received": true})
}

// Stripe objects, with only the fields used here.
type (
	paymentIntent struct {
		ID       string            `json:"id"`
		Metadata map[string]string `json:"metadata"`
	}
	charge struct {
		ID             string          `json:"id"`
		PaymentIntent  json.RawMessage `json:"payment_intent"`
		AmountRefunded int64           `json:"amount_refunded"`
		Currency       string          `json:"currency"`
	}
	dispute struct {
		ID            string          `json:"id"`
		PaymentIntent json.RawMessage `json:"payment_intent"`
		Amount        int64           `json:"amount"`
		Currency      string          `json:"currency"`
		Reason        string          `json:"reason"`
	}
)

// apply applies one event; object is its data.object and created its
// creation time.
func (h *Handler) apply(c *fiber.Ctx, typ string, object json.RawMessage, created time.Time) error {
	ctx := c.UserContext()
	switch typ {
	case "payment_intent.succeeded", "payment_intent.payment_failed",
		// An authorization (capture_method=manual, status
		// requires_capture) and its release.
		"payment_intent.amount_capturable_updated", "payment_intent.canceled":
		var pi paymentIntent
		if err := json.Unmarshal(object, &pi); err != nil {
			return err
		}
		id := pi.Metadata[stripe.MetadataSessionID]
		if id == "" {
			return nil // not one of ours
		}
		_, err := h.svc.Reconcile(ctx, id, pi.ID)
		var ae *apierr.Error
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return nil
		}
		return err
	case "charge.refunded":
		var ch charge
		if err := json.Unmarshal(object, &ch); err != nil {
			return err
		}
		adj := model.Adjustment{ID: ch.ID + ":refunds", Type: model.AdjustmentRefund, Status: model.AdjustmentCompleted, Amount: ch.AmountRefunded, Currency: ch.Currency, OccurredAt: created}
		return h.record(c, idOf(ch.PaymentIntent), adj)
	case "charge.dispute.created":
		var d dispute
		if err := json.Unmarshal(object, &d); err != nil {
			return err
		}
		adj := model.Adjustment{ID: d.ID, Type: model.AdjustmentDispute, Status: model.AdjustmentPending, Amount: d.Amount, Currency: d.Currency, Reason: d.Reason, OccurredAt: created}
		return h.record(c, idOf(d.PaymentIntent), adj)
	}
	return nil
}

// record adds an adjustment. A report about a payment with no order is
// answered with an error while some payment's outcome is unresolved (the
// order may not be written yet, so Stripe should deliver it again), and
// acknowledged and ignored otherwise (a payment that is not ours).
func (h *Handler) record(c *fiber.Ctx, paymentID string, adj model.Adjustment) error {
	if paymentID == "" {
		return nil
	}
	_, err := h.orders.RecordProcessorAdjustment(c.UserContext(), paymentID, adj)
	if !errors.Is(err, orders.ErrUnknownPayment) {
		return err
	}
	pending, perr := h.svc.HasUnresolvedPayments(c.UserContext())
	switch {
	case perr != nil:
		return perr
	case pending:
		return fmt.Errorf("payment %s has no order yet while payments are unresolved: %w", paymentID, err)
	}
	return nil
}

// idOf reads an expandable Stripe reference: an id string or an object
// with an id.
func idOf(raw json.RawMessage) string {
	var id string
	if json.Unmarshal(raw, &id) == nil {
		return id
	}
	var obj struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &obj) // a malformed reference reads as no id
	return obj.ID
}
