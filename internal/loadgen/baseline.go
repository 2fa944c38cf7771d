package loadgen

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// BaselineSession is the baseline's answer to every create: the bytes of
// a real create response of the demo store (two mugs and an ebook, as
// the create flow buys), 4.2 kB, with a fixed id. It is written as it is,
// so that the baseline costs what serving a session's size costs and no
// more.
//
//go:embed baseline_session.json
var BaselineSession []byte

// baselineInvalid is the baseline's answer to a body that is not a
// create.
var baselineInvalid = []byte(`{"type":"invalid_request","code":"invalid_json","message":"The body is not a checkout session create request."}`)

// BaselineApp returns the baseline server: a bare Fiber handler on POST
// /checkout_sessions that parses the JSON body of a create into the
// request's shape (line items, currency, capabilities), echoes the
// Request-Id and Idempotency-Key headers as an ACP server must, and
// answers 201 with BaselineSession, precomputed. It has no
// authentication, no store, no pricing and no idempotency.
//
// Why a baseline: a load generator's absolute figures say as much about
// the machine, its other load and the generator itself (which shares the
// CPU) as about the server. The baseline is the floor of what a checkout
// endpoint on the same HTTP stack as the sidecar (Fiber on fasthttp) must
// do per request: read and parse the request, write a session's bytes.
// Nothing it does per request could a real server skip, so a server's
// throughput as a fraction of the baseline's, measured in the same run on
// the same machine with the same client, says how much of the floor the
// server keeps; an absolute figure is not comparable across machines.
// Measure it with the create flow only (Mix "create=1"); it serves
// nothing else.
func BaselineApp() *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, AppName: "acp-load-baseline"})
	app.Post("/checkout_sessions", func(c *fiber.Ctx) error {
		var in baselineRequest
		if err := json.Unmarshal(c.Body(), &in); err != nil || len(in.LineItems) == 0 {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Status(http.StatusBadRequest).Send(baselineInvalid)
		}
		h := &c.Response().Header
		for _, name := range []string{"Request-Id", "Idempotency-Key"} {
			if v := c.Request().Header.Peek(name); len(v) > 0 {
				h.SetBytesV(name, v)
			}
		}
		h.SetContentType(fiber.MIMEApplicationJSON)
		return c.Status(http.StatusCreated).Send(BaselineSession)
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

// baselineRequest is what the baseline parses of a create.
type baselineRequest struct {
	LineItems []struct {
		ID       string `json:"id"`
		Quantity int64  `json:"quantity"`
	} `json:"line_items"`
	Currency     string          `json:"currency"`
	Capabilities json.RawMessage `json:"capabilities"`
}
