package checkout_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// placedOrders records the PlaceOrderRequests the order system receives.
type placedOrders struct {
	builtin.Fulfillment
	mu   sync.Mutex
	reqs []*fulfillment.PlaceOrderRequest
}

func (p *placedOrders) PlaceOrder(ctx context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	p.mu.Lock()
	p.reqs = append(p.reqs, req)
	p.mu.Unlock()
	return p.Fulfillment.PlaceOrder(ctx, req)
}

// TestConsentsResolved: a decision is kept only for an offered channel
// whose contact the session has (the buyer's first, then the fulfillment
// details'); the order and the order system get the same list.
func TestConsentsResolved(t *testing.T) {
	t.Parallel()
	decisions := []model.MarketingConsent{{Channel: "email", OptedIn: true}, {Channel: "sms", OptedIn: false}, {Channel: "whatsapp", OptedIn: true}, {Channel: "fax", OptedIn: true}}
	testCases := map[string]struct {
		buyer   *model.Buyer
		details *model.FulfillmentDetails
		want    []model.MarketingConsent
	}{
		"buyer first": {
			buyer:   &model.Buyer{Email: "buyer@example.com", PhoneNumber: "+14155550100"},
			details: &model.FulfillmentDetails{Email: "ship@example.com", PhoneNumber: "+14155550199"},
			want:    []model.MarketingConsent{{Channel: "email", OptedIn: true, Contact: "buyer@example.com"}, {Channel: "sms", Contact: "+14155550100"}},
		},
		"fulfillment details next": {
			buyer:   &model.Buyer{Email: "buyer@example.com"},
			details: &model.FulfillmentDetails{PhoneNumber: "+14155550199"},
			want:    []model.MarketingConsent{{Channel: "email", OptedIn: true, Contact: "buyer@example.com"}, {Channel: "sms", Contact: "+14155550199"}},
		},
		"no contact, no decision": {
			details: &model.FulfillmentDetails{Email: "ship@example.com"},
			want:    []model.MarketingConsent{{Channel: "email", OptedIn: true, Contact: "ship@example.com"}},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			orders := &placedOrders{}
			var reasons, providers []string
			f := newFixtureWith(t, func(o *checkout.Options) {
				o.Capabilities.Fulfillment = orders
				o.MarketingChannels = []string{"email", "sms"} // whatsapp and fax not offered
				o.InsightsRetention = 48 * time.Hour
				o.CancelReason = func(r string) { reasons = append(reasons, r) }
				o.OrderAttributed = func(p string) { providers = append(providers, p) }
			})
			ctx := context.Background()
			first := &model.Attribution{Provider: "impact.com", Token: "atp_first", PublisherID: "pub_1"}
			sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, Buyer: tc.buyer, FulfillmentDetails: tc.details, Attribution: first})
			done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{
				Payment: cardPayment("spt_ok"), MarketingConsents: decisions, OrderNotes: "gift wrap",
				Attribution: &model.Attribution{Provider: "other.example", PublisherID: "pub_2"},
				RiskSignals: &model.RiskSignals{IPAddress: "203.0.113.7"},
			}, nil)
			if err != nil || done.Order == nil {
				t.Fatalf("Complete() = %v, %v", done, err)
			}
			if done.Order.Insights != nil {
				t.Errorf("answered session's order insights = %+v; want none (the order record keeps them)", done.Order.Insights)
			}
			order, err := store.Read(ctx, f.store, func(r store.Reader) (*model.Order, error) { return r.Order(done.Order.ID) })
			if err != nil {
				t.Fatal(err)
			}
			in := order.Insights
			if in == nil || !slices.Equal(in.MarketingConsents, tc.want) {
				t.Fatalf("order consents = %+v, want %+v", in, tc.want)
			}
			if in.FirstTouch.Token != "atp_first" || in.LastTouch.Provider != "other.example" || in.RiskSignals.IPAddress != "203.0.113.7" ||
				!in.ExpiresAt.Equal(order.CreatedAt.Add(48*time.Hour)) {
				t.Errorf("order insights = %+v", in)
			}
			if len(orders.reqs) != 1 {
				t.Fatalf("order system got %d requests", len(orders.reqs))
			}
			req := orders.reqs[0]
			var got []model.MarketingConsent
			for _, c := range req.MarketingConsents {
				got = append(got, model.MarketingConsent(c))
			}
			if !slices.Equal(got, tc.want) || req.OrderNotes != "gift wrap" || len(req.Attribution) != 2 ||
				req.Attribution[0].Touchpoint != "first" || req.Attribution[1].Touchpoint != "last" || req.RiskSignals == nil {
				data, _ := json.Marshal(req)
				t.Errorf("PlaceOrderRequest = %s", data)
			}
			// The stored session keeps no copy of what the order took.
			stored, err := store.Read(ctx, f.store, func(r store.Reader) (*model.Session, error) { return r.Session(sess.ID) })
			if err != nil {
				t.Fatal(err)
			}
			if w := stored.WriteOnly; w.FirstTouchAttribution != nil || w.LastTouchAttribution != nil || w.MarketingConsents != nil || w.RiskSignals != nil {
				t.Errorf("completed session's write-only data = %+v; want the attributions, consents and risk signals cleared", w)
			}
			if stored.Order == nil || stored.Order.Insights != nil {
				t.Errorf("completed session's copy of the order = %+v; want it without insights (they outlive orders.insights_retention there)", stored.Order)
			}
			// The sale is credited to the first touch.
			if !slices.Equal(providers, []string{"impact.com"}) || len(reasons) != 0 {
				t.Errorf("hooks heard providers %v, reasons %v", providers, reasons)
			}
		})
	}
}

// TestCancelReasons: each cancel reports its reason code, folded into
// ACP's list.
func TestCancelReasons(t *testing.T) {
	t.Parallel()
	var reasons []string
	f := newFixtureWith(t, func(o *checkout.Options) { o.CancelReason = func(r string) { reasons = append(reasons, r) } })
	ctx := context.Background()
	for _, trace := range []string{`{"reason_code":"shipping_cost"}`, `{"reason_code":"made_up"}`, ``} {
		sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
		in := checkout.CancelInput{}
		if trace != "" {
			in.IntentTrace = json.RawMessage(trace)
		}
		if _, err := f.svc.Cancel(ctx, "agent", sess.ID, in, nil); err != nil {
			t.Fatal(err)
		}
		// A refused second cancel is not counted.
		if _, err := f.svc.Cancel(ctx, "agent", sess.ID, in, nil); err == nil {
			t.Fatal("a second cancel succeeded")
		}
	}
	if want := []string{"shipping_cost", "other", "none"}; !slices.Equal(reasons, want) {
		t.Errorf("reasons = %v, want %v", reasons, want)
	}
}

// TestCaptureRefusedKeepsNoInsights: a complete whose capture is refused
// after the order system accepted the order stores the order with its
// insights, while the session (kept for store.session_retention) holds
// neither the write-only data nor the order's insights.
func TestCaptureRefusedKeepsNoInsights(t *testing.T) {
	t.Parallel()
	f := newMoneyFixtureWith(t, payment.CaptureManual, func(o *checkout.Options) { o.MarketingChannels = []string{"email"} })
	ctx := context.Background()
	sess, err := f.svc.Create(ctx, "agent", "2026-04-17", checkout.CreateInput{
		Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, Buyer: &model.Buyer{Email: "buyer@example.com"},
		Attribution: &model.Attribution{Provider: "impact.com", Token: "atp_first"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{
		Payment:           cardPayment("spt" + sandbox.CaptureFailSuffix),
		MarketingConsents: []model.MarketingConsent{{Channel: "email", OptedIn: true}},
		RiskSignals:       &model.RiskSignals{IPAddress: "203.0.113.7"},
	}, nil)
	if err != nil || done.Order == nil || done.Payment.State != model.PaymentCaptureFailed {
		t.Fatalf("Complete() = %+v, %v; want the capture refused", done, err)
	}
	stored, err := store.Read(ctx, f.st, func(r store.Reader) (*model.Session, error) { return r.Session(sess.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if w := stored.WriteOnly; w.FirstTouchAttribution != nil || w.LastTouchAttribution != nil || w.MarketingConsents != nil || w.RiskSignals != nil {
		t.Errorf("session's write-only data = %+v; want the attributions, consents and risk signals cleared", w)
	}
	if stored.Order == nil || stored.Order.Insights != nil {
		t.Errorf("session's copy of the order = %+v; want it without insights", stored.Order)
	}
	order, err := store.Read(ctx, f.st, func(r store.Reader) (*model.Order, error) { return r.Order(done.Order.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if in := order.Insights; in == nil || in.FirstTouch == nil || in.FirstTouch.Token != "atp_first" || len(in.MarketingConsents) != 1 || in.RiskSignals == nil {
		t.Errorf("order insights = %+v; want the attribution, the consent and the risk signals", in)
	}
}

// TestConsentsResolvedFromGroups: in a checkout whose every line is in a
// fulfillment group (no buyer contact, no top-level fulfillment details)
// a consent applies to the first group's contact that has one.
func TestConsentsResolvedFromGroups(t *testing.T) {
	t.Parallel()
	orders := &placedOrders{}
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Fulfillment = orders
		o.MarketingChannels = []string{"email", "sms"}
	})
	ctx := context.Background()
	sess := f.create(t, checkout.CreateInput{
		Items: []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}},
		Groups: []checkout.GroupInput{
			{ID: "g1", ItemIDs: []string{"li_mug"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Name: "Ada", Address: address("US", "CA")}},
			{ID: "g2", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping,
				Details: &model.FulfillmentDetails{Name: "Grace", Email: "grace@example.com", PhoneNumber: "+12125550100", Address: address("US", "NY")}},
		},
	})
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{
		Payment: cardPayment("spt_ok"), MarketingConsents: []model.MarketingConsent{{Channel: "email", OptedIn: true}, {Channel: "sms", OptedIn: false}},
	}, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v (messages %+v)", done, err, sess.Messages)
	}
	want := []model.MarketingConsent{{Channel: "email", OptedIn: true, Contact: "grace@example.com"}, {Channel: "sms", Contact: "+12125550100"}}
	order, err := store.Read(ctx, f.store, func(r store.Reader) (*model.Order, error) { return r.Order(done.Order.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if order.Insights == nil || !slices.Equal(order.Insights.MarketingConsents, want) {
		t.Errorf("order insights = %+v, want consents %+v", order.Insights, want)
	}
	if len(orders.reqs) != 1 || len(orders.reqs[0].MarketingConsents) != 2 || orders.reqs[0].MarketingConsents[0].Contact != "grace@example.com" {
		t.Errorf("order system requests = %+v", orders.reqs)
	}
}
