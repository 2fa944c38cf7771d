package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// TestRecordFormats: the format column of a record made over UCP (a
// session, its order, a UCP order event) is record.UCPFormat, which the
// previous release refuses, and that of every record made over ACP stays
// record.CheckoutFormat, which it reads; each reads back whole.
func TestRecordFormats(t *testing.T) {
	t.Parallel()
	s := open(t, Options{})
	ctx := context.Background()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ucpContext := &model.UCPContext{Profile: "https://platform.example/.well-known/ucp", OrderWebhookURL: "https://platform.example/orders",
		Capabilities: map[string]string{"dev.ucp.shopping.order": "2026-04-08"}}
	ucpOrder := &model.Order{ID: "ord_ucp", CheckoutSessionID: "cs_ucp", Currency: "usd", Total: 100, PaymentID: "pi_ucp", Agent: "a",
		APIVersion: "ucp/2026-04-08", CreatedAt: at, UCP: ucpContext,
		Lines: []model.OrderLine{{ID: "li_1", ItemID: "mug", Title: "Mug", Ordered: 1, Current: 1, UnitPrice: 100, Subtotal: 100}}}
	acpOrder := &model.Order{ID: "ord_acp", CheckoutSessionID: "cs_acp", Currency: "usd", Total: 100, PaymentID: "pi_acp", Agent: "a",
		APIVersion: "2026-04-17", CreatedAt: at}
	session := func(id, version string, ucp *model.UCPContext, o *model.Order) *model.Session {
		return &model.Session{ID: id, Agent: "a", APIVersion: version, Status: model.StatusCompleted, Currency: "usd",
			CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), UCP: ucp, Order: o.SessionCopy()}
	}
	ucpSession := session("cs_ucp", "ucp/2026-04-08", ucpContext, ucpOrder)
	acpSession := session("cs_acp", "2026-04-17", nil, acpOrder)
	ucpEvent := &model.WebhookEvent{ID: "evt_ucp", Agent: "a", Target: model.TargetUCP, Protocol: model.ProtocolUCP, URL: ucpContext.OrderWebhookURL,
		OrderID: "ord_ucp", Type: model.EventOrderCreate, APIVersion: "ucp/2026-04-08", Payload: []byte(`{}`), State: model.EventPending,
		CreatedAt: at, NextAttemptAt: at}
	acpEvent := &model.WebhookEvent{ID: "evt_acp", Agent: "a", Target: "orders", OrderID: "ord_acp", Type: model.EventOrderCreate,
		APIVersion: "2026-04-17", Payload: []byte(`{}`), State: model.EventPending, CreatedAt: at, NextAttemptAt: at}
	err := s.Update(ctx, func(tx store.Tx) error {
		for _, put := range []func() error{
			func() error { return tx.PutOrder(ucpOrder) }, func() error { return tx.PutOrder(acpOrder) },
			func() error { return tx.PutSession(ucpSession) }, func() error { return tx.PutSession(acpSession) },
			func() error { return tx.PutWebhookEvent(ucpEvent) }, func() error { return tx.PutWebhookEvent(acpEvent) },
		} {
			if err := put(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query, key string
		want       int
	}{
		{"SELECT format FROM orders WHERE id = $1", "ord_ucp", record.UCPFormat},
		{"SELECT format FROM orders WHERE id = $1", "ord_acp", record.CheckoutFormat},
		{"SELECT format FROM sessions WHERE id = $1", "cs_ucp", record.UCPFormat},
		{"SELECT format FROM sessions WHERE id = $1", "cs_acp", record.CheckoutFormat},
		{"SELECT format FROM webhook_events WHERE seq = $1", "ucp", record.UCPFormat},
		{"SELECT format FROM webhook_events WHERE seq = $1", "acp", record.CheckoutFormat},
	} {
		var arg any = tc.key
		switch tc.key {
		case "ucp":
			arg = int64(ucpEvent.Seq)
		case "acp":
			arg = int64(acpEvent.Seq)
		}
		var got int
		if err := s.pool.QueryRow(ctx, tc.query, arg).Scan(&got); err != nil {
			t.Fatalf("%s (%v): %v", tc.query, arg, err)
		}
		if got != tc.want {
			t.Errorf("%s (%v) = format %d, want %d", tc.query, arg, got, tc.want)
		}
	}
	err = s.View(ctx, func(r store.Reader) error {
		o, err := r.Order("ord_ucp")
		if err != nil {
			return err
		}
		if o.UCP == nil || o.UCP.OrderWebhookURL != ucpContext.OrderWebhookURL || o.Lines[0].ItemID != "mug" {
			t.Errorf("UCP order read back = %+v", o)
		}
		sess, err := r.Session("cs_ucp")
		if err != nil {
			return err
		}
		if sess.UCP == nil || sess.UCP.Profile != ucpContext.Profile || sess.Order == nil || sess.Order.UCP == nil {
			t.Errorf("UCP session read back = %+v", sess)
		}
		events, err := r.WebhookEvents(model.EventPending, 0, 10)
		if err != nil {
			return err
		}
		if len(events) != 2 || events[0].Protocol != model.ProtocolUCP || events[0].URL != ucpContext.OrderWebhookURL || events[1].Protocol != "" {
			t.Errorf("events read back = %+v", events)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
