package merchantapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/orders"
	"slices"
	"strconv"
)

// recorder is an Admin that records each call and answers from its
// fields.
type recorder struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (r *recorder) record(call string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
	return r.err
}

func (r *recorder) List(_ context.Context, after string, limit int) ([]*model.Order, bool, error) {
	return []*model.Order{{ID: "ord_1"}}, true, r.record("list " + after + " " + itoa(limit))
}

func (r *recorder) Failed(_ context.Context, after string, limit int) ([]*model.FailedOrder, bool, error) {
	return []*model.FailedOrder{{SessionID: "cs_1", Attempt: 1}}, false, r.record("failed " + after + " " + itoa(limit))
}

func (r *recorder) Get(_ context.Context, id string) (*model.Order, error) {
	return &model.Order{ID: id}, r.record("get " + id)
}

func (r *recorder) Fulfill(_ context.Context, id string, in orders.FulfillmentInput) (*model.Order, error) {
	return &model.Order{ID: id}, r.record("fulfill " + id + " " + in.Type)
}

func (r *recorder) Adjust(_ context.Context, id string, in orders.AdjustmentInput) (*model.Order, error) {
	return &model.Order{ID: id}, r.record("adjust " + id + " " + in.Type)
}

func (r *recorder) Cancel(_ context.Context, id string, in orders.CancelInput) (*model.Order, error) {
	return &model.Order{ID: id}, r.record("cancel " + id + " " + in.Reason)
}

func (r *recorder) Events(_ context.Context, state string, limit int) ([]Event, error) {
	return []Event{{ID: "evt_1", State: state}}, r.record("events " + state + " " + itoa(limit))
}

func (r *recorder) Requeue(_ context.Context, ids []string) (int, error) {
	return len(ids), r.record("requeue " + itoa(len(ids)))
}

func itoa(n int) string { return strconv.Itoa(n) }

// serve runs Routes over admin on loopback and returns a Client of it.
func serve(t *testing.T, admin Admin) *Client {
	t.Helper()
	return serveRoutes(t, func(r fiber.Router) { Routes(r, admin) })
}

// serveRoutes runs the routes mount registers under /merchant on loopback
// and returns a Client of them.
func serveRoutes(t *testing.T, mount func(fiber.Router)) *Client {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		var ae *apierr.Error
		if !errors.As(err, &ae) {
			ae = apierr.Internal()
		}
		return c.Status(ae.Status).JSON(ae)
	}})
	mount(app.Group("/merchant"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return &Client{BaseURL: "http://" + ln.Addr().String(), Token: "t"}
}

// TestClientAndRoutes drives every operation through the Client and the
// routes, and checks what reaches the Admin.
func TestClientAndRoutes(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := serve(t, rec)
	ctx := context.Background()
	list, more, err := c.List(ctx, "ord_0", 5)
	if err != nil || !more || len(list) != 1 || list[0].ID != "ord_1" {
		t.Errorf("List() = %v, %v, %v", list, more, err)
	}
	for name, call := range map[string]func() (*model.Order, error){
		"get":     func() (*model.Order, error) { return c.Get(ctx, "ord_1") },
		"fulfill": func() (*model.Order, error) { return c.Fulfill(ctx, "ord_1", orders.FulfillmentInput{Type: "digital"}) },
		"adjust":  func() (*model.Order, error) { return c.Adjust(ctx, "ord_1", orders.AdjustmentInput{Type: "credit"}) },
		"cancel":  func() (*model.Order, error) { return c.Cancel(ctx, "ord_1", orders.CancelInput{Reason: "oos"}) },
	} {
		if o, err := call(); err != nil || o.ID != "ord_1" {
			t.Errorf("%s: %+v, %v", name, o, err)
		}
	}
	failed, more, err := c.Failed(ctx, "cs_0/1", 4)
	if err != nil || more || len(failed) != 1 || failed[0].Key() != "cs_1/1" {
		t.Errorf("Failed() = %v, %v, %v", failed, more, err)
	}
	events, err := c.Events(ctx, model.EventPending, 3)
	if err != nil || len(events) != 1 || events[0].State != model.EventPending {
		t.Errorf("Events() = %+v, %v", events, err)
	}
	if n, err := c.Requeue(ctx, []string{"evt_1", "evt_2"}); err != nil || n != 2 {
		t.Errorf("Requeue() = %d, %v", n, err)
	}
	rec.mu.Lock()
	got := rec.calls
	rec.mu.Unlock()
	for _, w := range []string{"list ord_0 5", "get ord_1", "fulfill ord_1 digital", "adjust ord_1 credit", "cancel ord_1 oos", "events pending 3", "requeue 2", "failed cs_0/1 4"} {
		if !slices.Contains(got, w) {
			t.Errorf("calls %q lack %q", got, w)
		}
	}
}

// TestRefusals checks what the routes refuse before the Admin is called,
// and that the Admin's own errors reach the client as *apierr.Error.
func TestRefusals(t *testing.T) {
	t.Parallel()
	notFound := apierr.New(http.StatusNotFound, apierr.TypeInvalidRequest, apierr.CodeNotFound, "No order ord_9.")
	testCases := map[string]struct {
		adminErr   error
		call       func(c *Client) error
		wantStatus int
		wantParam  string
		wantCalls  int
	}{
		"a limit too large": {call: func(c *Client) error { _, _, err := c.List(context.Background(), "", MaxListLimit+1); return err },
			wantStatus: http.StatusBadRequest, wantParam: "$.limit"},
		"a limit of zero": {call: func(c *Client) error { _, err := c.Events(context.Background(), model.EventDead, 0); return err },
			wantStatus: http.StatusBadRequest, wantParam: "$.limit"},
		"an unknown member": {call: func(c *Client) error {
			return c.call(context.Background(), http.MethodPost, "/merchant/orders/ord_1/fulfillments", map[string]any{"carrier_nmae": "UPS"}, &model.Order{})
		}, wantStatus: http.StatusBadRequest},
		"a fulfillment needs a body": {call: func(c *Client) error {
			return c.call(context.Background(), http.MethodPost, "/merchant/orders/ord_1/fulfillments", nil, &model.Order{})
		}, wantStatus: http.StatusBadRequest},
		"the admin's own refusal": {adminErr: notFound, call: func(c *Client) error { _, err := c.Get(context.Background(), "ord_9"); return err },
			wantStatus: http.StatusNotFound, wantCalls: 1},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{err: tc.adminErr}
			err := tc.call(serve(t, rec))
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Status != tc.wantStatus || ae.Message == "" || tc.wantParam != "" && ae.Param != tc.wantParam {
				t.Fatalf("error = %#v, want a %d apierr.Error with param %q", err, tc.wantStatus, tc.wantParam)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.calls) != tc.wantCalls {
				t.Errorf("admin calls %q, want %d", rec.calls, tc.wantCalls)
			}
		})
	}
}

func TestClientWithoutServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &Client{BaseURL: "http://" + addr, Token: "t"}
	if _, err := c.Get(context.Background(), "ord_1"); err == nil {
		t.Error("Get() against nothing succeeded")
	}
}
