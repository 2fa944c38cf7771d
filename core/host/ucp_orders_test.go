package host_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

// TestMerchantSeesUCPOrders: an order made over UCP is served by the
// merchant API like any order (listed, read, fulfilled), its protocol
// shown by its api_version (ucp/2026-04-08) and its ucp member, and the
// UCP order event its fulfillment makes is listed with its protocol and
// receiver; every answer matches docs/merchant-api.openapi.yaml.
func TestMerchantSeesUCPOrders(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	cfg := loadConfig(t, "../../acp.yaml", dir)
	const webhookURL = "https://platform.test/webhooks/ucp/orders"
	now := time.Now().UTC()
	ucp := &model.UCPContext{Profile: "https://platform.test/.well-known/ucp", OrderWebhookURL: webhookURL,
		Capabilities: map[string]string{"dev.ucp.shopping.checkout": "2026-04-08", "dev.ucp.shopping.order": "2026-04-08"}}
	o := &model.Order{
		ID: "ord_ucp", CheckoutSessionID: "cs_ucp", PermalinkURL: "https://demo.acp.invalid/orders/ord_ucp", Status: model.OrderCreated,
		Currency: "usd", Total: 3000, Totals: model.Totals{ItemsBaseAmount: 3000, Subtotal: 3000, Total: 3000}, PaymentState: model.PaymentCaptured,
		Lines:     []model.OrderLine{{ID: "li_mug", ItemID: "mug-classic", ProductID: "mug-classic", Title: "Classic mug", Ordered: 2, Current: 2, UnitPrice: 1500, Subtotal: 3000}},
		PaymentID: "pi_ucp", HandlerID: "sandbox", Agent: "demo-agent", APIVersion: "ucp/2026-04-08", CreatedAt: now, UpdatedAt: now, UCP: ucp,
	}
	st, err := badgerstore.Open(badgerstore.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx store.Tx) error { return tx.PutOrder(o) })
	if closeErr := st.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, cfg)
	m := &merchantClient{t: t, base: s.base, api: loadOpenAPI(t), checked: map[string]bool{}}
	const token = "demo-merchant-local-token"

	_, list := m.call("GET", "/orders", "", token)
	if data, _ := dig(list, "data").([]any); len(data) != 1 || dig(data[0], "id") != "ord_ucp" || dig(data[0], "api_version") != "ucp/2026-04-08" ||
		dig(data[0], "ucp", "order_webhook_url") != webhookURL {
		t.Errorf("orders = %v; want the UCP order with its protocol", list)
	}
	m.call("POST", "/orders/ord_ucp/fulfillments", `{"type":"shipping","carrier":"UPS","tracking_number":"1Z","tracking_url":"https://ups.test/1Z"}`, token)
	_, got := m.call("GET", "/orders/ord_ucp", "", token)
	if dig(got, "status") != "shipped" || dig(got, "api_version") != "ucp/2026-04-08" || dig(got, "ucp", "profile") != ucp.Profile {
		t.Errorf("order = %v; want it shipped, made over UCP", got)
	}
	// The fulfillment's UCP event, pending or (with no deliverer for it)
	// dead.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var found any
		for _, state := range []string{"pending", "dead"} {
			_, events := m.call("GET", "/webhooks/events?state="+state, "", token)
			for _, e := range asList(dig(events, "data")) {
				if dig(e, "order_id") == "ord_ucp" && dig(e, "type") == model.EventOrderUpdate {
					found = e
				}
			}
		}
		if found != nil {
			if dig(found, "protocol") != "ucp" || dig(found, "target") != "ucp" || dig(found, "url") != webhookURL ||
				dig(found, "agent") != "demo-agent" || dig(found, "api_version") != "ucp/2026-04-08" {
				t.Errorf("the UCP order's event = %v", found)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no event for the UCP order's fulfillment")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
