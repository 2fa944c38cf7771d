package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// BaselineApp returns the baseline server: a bare Fiber handler on POST
// /checkout_sessions that parses the JSON body and answers 201 with a JSON
// object of about a real session's size (id, status, currency, the
// request's line items echoed with per-line totals, fulfillment options,
// totals, links, a payment handler), with no authentication, no store, no
// pricing and no idempotency.
//
// Why a baseline: a load generator's absolute figures say as much about
// the machine, its other load and the generator itself (which shares the
// CPU) as about the server. The baseline runs the same HTTP stack as the
// sidecar (Fiber on fasthttp) with the least work a checkout endpoint can
// do, so measuring it in the same run, on the same machine, with the same
// client, gives the ceiling every figure is divided by: a server's
// throughput as a fraction of the baseline's is comparable across
// machines, an absolute one is not. Measure it with the create flow only
// (Mix "create=1"); it serves nothing else.
func BaselineApp() *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, AppName: "acp-load-baseline"})
	var seq atomic.Int64
	app.Post("/checkout_sessions", func(c *fiber.Ctx) error {
		var in baselineRequest
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return c.Status(http.StatusBadRequest).JSON(fiber.Map{
				"type": "invalid_request", "code": "invalid_json", "message": "The body is not valid JSON.",
			})
		}
		return c.Status(http.StatusCreated).JSON(baselineSession(seq.Add(1), &in))
	})
	return app
}

// ServeBaseline serves BaselineApp on ln until ctx ends, then shuts it
// down gracefully (at most 5 s for requests in flight).
func ServeBaseline(ctx context.Context, ln net.Listener) error {
	app := BaselineApp()
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	select {
	case err := <-served:
		if err != nil {
			return fmt.Errorf("serve the baseline: %w", err)
		}
		return errors.New("serve the baseline: the listener closed")
	case <-ctx.Done():
	}
	if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
		return fmt.Errorf("shut the baseline down: %w", err)
	}
	<-served
	return nil
}

// baselineRequest is what the baseline reads of a create.
type baselineRequest struct {
	LineItems []struct {
		ID       string `json:"id"`
		Quantity int64  `json:"quantity"`
	} `json:"line_items"`
	Currency     string          `json:"currency"`
	Capabilities json.RawMessage `json:"capabilities"`
}

// baselineSession is the baseline's answer to in, the n-th create.
func baselineSession(n int64, in *baselineRequest) fiber.Map {
	const unit = 1000
	var subtotal int64
	lines := make([]fiber.Map, len(in.LineItems))
	lineIDs := make([]string, len(in.LineItems))
	for i, li := range in.LineItems {
		qty := max(li.Quantity, 1)
		amount := unit * qty
		subtotal += amount
		lineIDs[i] = "li_" + li.ID
		lines[i] = fiber.Map{
			"id": lineIDs[i], "item": fiber.Map{"id": li.ID}, "quantity": qty,
			"name": "Item " + li.ID, "description": "A baseline item.", "unit_amount": unit, "sku": li.ID,
			"availability_status": "in_stock",
			"totals": []fiber.Map{
				{"type": "items_base_amount", "display_text": "Base amount", "amount": amount},
				{"type": "discount", "display_text": "Discount", "amount": 0},
				{"type": "subtotal", "display_text": "Subtotal", "amount": amount},
				{"type": "tax", "display_text": "Tax", "amount": amount / 20},
				{"type": "total", "display_text": "Total", "amount": amount + amount/20},
			},
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	currency := in.Currency
	if currency == "" {
		currency = DefaultCurrency
	}
	return fiber.Map{
		"id":       "cs_baseline_" + strconv.FormatInt(n, 10),
		"protocol": fiber.Map{"version": DefaultAPIVersion},
		"capabilities": fiber.Map{"payment": fiber.Map{"handlers": []fiber.Map{{
			"id": "baseline_card", "name": "dev.acp.tokenized.card", "display_name": "Baseline card", "version": "2026-01-22",
			"spec": "https://acp.dev/handlers/tokenized.card", "requires_delegate_payment": true, "requires_pci_compliance": false,
			"psp": "baseline", "config": fiber.Map{"accepted_brands": []string{"visa", "mastercard", "amex"}, "merchant_id": "acct_baseline"},
		}}}, "interventions": fiber.Map{"supported": []string{}, "required": []string{}, "enforcement": "conditional"}},
		"status":     "not_ready_for_payment",
		"currency":   currency,
		"line_items": lines,
		"fulfillment_options": []fiber.Map{
			{"type": "shipping", "id": "standard", "title": "Standard shipping", "carrier": "USPS",
				"totals": []fiber.Map{{"type": "total", "display_text": "Standard shipping", "amount": 500}}},
			{"type": "shipping", "id": "express", "title": "Express shipping", "carrier": "UPS",
				"totals": []fiber.Map{{"type": "total", "display_text": "Express shipping", "amount": 1500}}},
		},
		"selected_fulfillment_options": []fiber.Map{{"type": "shipping", "option_id": "standard", "item_ids": lineIDs}},
		"totals": []fiber.Map{
			{"type": "items_base_amount", "display_text": "Items", "amount": subtotal},
			{"type": "subtotal", "display_text": "Subtotal", "amount": subtotal},
			{"type": "fulfillment", "display_text": "Fulfillment", "amount": 500},
			{"type": "tax", "display_text": "Tax", "amount": subtotal / 20},
			{"type": "total", "display_text": "Total", "amount": subtotal + 500 + subtotal/20},
		},
		"messages": []fiber.Map{{"type": "error", "code": "missing", "param": "$.fulfillment_details.address",
			"content_type": "plain", "content": "A delivery address is needed to ship this order.", "resolution": "requires_buyer_input"}},
		"links": []fiber.Map{
			{"type": "terms_of_use", "url": "https://baseline.invalid/terms"},
			{"type": "privacy_policy", "url": "https://baseline.invalid/privacy"},
		},
		"created_at": now, "updated_at": now, "expires_at": now.Add(6 * time.Hour),
	}
}
