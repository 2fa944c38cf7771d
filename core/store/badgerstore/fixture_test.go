package badgerstore

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// writeFixture makes TestWriteFixture write the fixture store:
//
//	go test ./core/store/badgerstore -run TestWriteFixture -args -write-fixture
var writeFixture = flag.Bool("write-fixture", false, "write the fixture store under testdata/")

// fixtureDir is where TestWriteFixture writes the store of this release,
// named after the record format it writes. The stores of earlier formats
// stay: each was written by the release whose format it names.
var fixtureDir = fmt.Sprintf("testdata/format%d", record.Format)

// fixture is every kind of record the store keeps, with every field set
// somewhere (TestFixtureSetsEveryField checks it): what the fixture
// generator writes and what reading a fixture store must give back.
type fixture struct {
	sessions []*model.Session
	// orders are stored on their own (a completed session also holds its
	// order).
	orders []*model.Order
	// plain are the keys of the records written as plain JSON, as the
	// release before compression wrote every record; the others are
	// written by this release.
	plain       []string
	idempotency map[string]*model.IdempotencyRecord
	// pending and dead are the outbox's events by state; delivered were
	// written and then deleted, as the dispatcher does.
	pending, dead, delivered []*model.WebhookEvent
	// Format 3: stock levels (by SKU), reservations (by session) and
	// failed orders (newest first).
	stockLevels  []*model.StockLevel
	reservations []*model.Reservation
	failed       []*model.FailedOrder
	// Format 5: feed targets (by name) and the products their platforms
	// accepted (by target, then product id).
	feedTargets  []*model.FeedTarget
	feedProducts []*model.FeedProduct
	// Format 6: the records made over UCP (also among sessions, orders,
	// pending and dead), which the stores of earlier formats do not
	// have.
	ucpSessions []string
	ucpOrders   []string
	ucpEvents   []string
}

// asWrittenBy returns f as a release writing the given format stored it:
// without the fields that later formats added, which such a store cannot
// hold and which read back as their zero values.
func (f fixture) asWrittenBy(format int) fixture {
	if format < 6 {
		// Format 6 added the records made over UCP.
		f.sessions = slices.DeleteFunc(f.sessions, func(s *model.Session) bool { return slices.Contains(f.ucpSessions, s.ID) })
		f.orders = slices.DeleteFunc(f.orders, func(o *model.Order) bool { return slices.Contains(f.ucpOrders, o.ID) })
		notUCP := func(e *model.WebhookEvent) bool { return slices.Contains(f.ucpEvents, e.ID) }
		f.pending, f.dead = slices.DeleteFunc(f.pending, notUCP), slices.DeleteFunc(f.dead, notUCP)
		f.ucpSessions, f.ucpOrders, f.ucpEvents = nil, nil, nil
	}
	if format < 5 {
		// Format 5 added the feed records.
		f.feedTargets, f.feedProducts = nil, nil
	}
	if format < 4 {
		// Format 4 added split fulfillment, escalation and an order's
		// insights.
		for _, s := range f.sessions {
			s.Groups, s.ContinueURL, s.Notices, s.Discounts = nil, "", nil, nil
			s.Totals.Discount, s.Totals.FulfillmentDiscount = 0, 0
			for i := range s.Lines {
				s.Lines[i].Escalation, s.Lines[i].Categories = nil, nil
			}
			for i := range s.Options {
				s.Options[i].GroupID = ""
			}
		}
		orders := slices.Clone(f.orders)
		for _, s := range f.sessions {
			if s.Order != nil {
				orders = append(orders, s.Order)
			}
		}
		for _, o := range orders {
			o.Insights, o.Discounts = nil, nil
			o.Totals.Discount, o.Totals.FulfillmentDiscount = 0, 0
			for i := range o.Fulfillments {
				o.Fulfillments[i].Destination, o.Fulfillments[i].Planned = nil, false
			}
		}
	}
	if format < 3 {
		// Format 3 added the stock and failed-order records, and the
		// request keys of a payment attempt and its order's cancel.
		f.stockLevels, f.reservations, f.failed = nil, nil, nil
		for _, s := range f.sessions {
			if p := s.Payment; p != nil {
				p.RequestKeys, p.OrderCanceled = nil, false
			}
		}
	}
	if format < 2 {
		// Format 2 added where an attempt's and an order's money is.
		for _, s := range f.sessions {
			if p := s.Payment; p != nil {
				p.CaptureMethod, p.State, p.PlaceBy = "", "", time.Time{}
				p.OrderAccepted, p.OrderNumber, p.OrderPermalink, p.Release = false, "", "", ""
			}
			if s.Order != nil {
				s.Order.PaymentState = ""
			}
		}
		for _, o := range f.orders {
			o.PaymentState = ""
		}
	}
	if format < record.Format {
		// The large idempotency record's body is the completed session as
		// that release encoded it.
		for _, sess := range f.sessions {
			if sess.ID == "cs_completed" {
				f.idempotency["openai/create/key-large"].Body = mustMarshal(sess)
			}
		}
	}
	return f
}

func fixtureContent() fixture {
	at := func(minute int) time.Time {
		return time.Date(2026, 12, 6, 12, minute, 0, 123456789, time.UTC)
	}
	later := at(30)
	earliest, latest := at(0).Add(48*time.Hour), at(0).Add(96*time.Hour)
	available := int64(7)
	address := acp.Address{Name: "Ada Lovelace", LineOne: "1 Analytical Way", LineTwo: "Flat 2", City: "London", State: "LND", Country: "GB", PostalCode: "N1 9GU", Company: "Engines Ltd"}
	billing := acp.Address{Name: "Ada Lovelace", LineOne: "2 Billing Street", City: "London", State: "LND", Country: "GB", PostalCode: "N1 9GV"}
	lines := []model.Line{
		{
			ID: "li_mug", ItemID: "mug", Quantity: 2, Found: true, Name: "Classic mug", Description: "A mug for tea.",
			Images: []string{"https://shop.example/mug.png", "https://shop.example/mug-2.png"}, ProductID: "prod_mug", TaxCategory: "txcd_99999999",
			Weight: &acp.Weight{Value: 0.35, Unit: "kg"}, Available: &available, MaxPerOrder: 5,
			FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentShipping, acp.FulfillmentPickup},
			UnitAmount:       1500, BaseAmount: 3000, Discount: 300, Subtotal: 2700, Tax: 540, Total: 3240,
			Categories: []string{"kitchen", "gifts"},
			Escalation: &model.Escalation{Code: "age_verification_required", Reason: "Buyers must be 18 or over.", ContinueURL: "https://shop.example/verify-age"},
		},
		{
			ID: "li_ebook", ItemID: "ebook", Quantity: 1, Found: true, Name: "Tea, an e-book",
			FulfillmentTypes: []acp.FulfillmentType{acp.FulfillmentDigital},
			UnitAmount:       900, BaseAmount: 900, Subtotal: 900, Tax: 180, Total: 1080,
		},
	}
	options := []model.FulfillmentOption{
		{ID: "ship_standard", GroupID: "fg_home", Type: acp.FulfillmentShipping, Title: "Standard", Description: "Two to four days", Carrier: "Royal Mail",
			LineIDs: []string{"li_mug"}, Amount: 500, EarliestDelivery: &earliest, LatestDelivery: &latest},
		{ID: "pickup_shop", Type: acp.FulfillmentPickup, Title: "Pick up", LineIDs: []string{"li_mug"},
			Pickup: &model.PickupLocation{Name: "The shop", Address: address, Phone: "+442079460000", Instructions: "Ring twice."}},
		{ID: "digital", Type: acp.FulfillmentDigital, Title: "Download", LineIDs: []string{"li_ebook"}},
	}
	selected := []model.SelectedOption{
		{Type: acp.FulfillmentShipping, OptionID: "ship_standard", LineIDs: []string{"li_mug"}, Amount: 500},
		{Type: acp.FulfillmentDigital, OptionID: "digital", LineIDs: []string{"li_ebook"}},
	}
	totals := model.Totals{ItemsBaseAmount: 3900, ItemsDiscount: 300, Discount: 100, FulfillmentDiscount: 500, Subtotal: 3600, Fulfillment: 500, Tax: 720, Total: 4820}
	discounts := []model.AppliedDiscount{
		{ID: "promo_welcome", Code: "welcome10", Name: "Welcome", PercentOff: 10, Method: "across", Priority: 1, Start: &earliest, End: &latest,
			Amount: 400, Allocations: []model.DiscountAllocation{{LineID: "li_mug", Amount: 300}, {LineID: "li_ebook", Amount: 100}}, UsageLimited: true},
		{ID: "promo_ship", Automatic: true, Name: "Free shipping", AmountOff: 500, Method: "each", Priority: 2,
			Amount: 500, Allocations: []model.DiscountAllocation{{OptionID: "ship_standard", Amount: 500}}},
	}
	buyer := &model.Buyer{
		FirstName: "Ada", LastName: "Lovelace", FullName: "Ada Lovelace", Email: "ada@example.com", PhoneNumber: "+447700900000",
		CustomerID: "cus_1", AccountType: "business", AuthenticationStatus: "authenticated",
		Company:      json.RawMessage(`{"name":"Engines Ltd","tax_id":"GB123"}`),
		Loyalty:      json.RawMessage(`{"tier":"gold","points_balance":120}`),
		TaxExemption: json.RawMessage(`{"certificate_id":"c1","certificate_type":"resale"}`),
	}
	interventions := model.Interventions{Supported: []string{"3ds"}, Required: []string{"3ds"}, Enforcement: "always"}

	// order is the completed session's order: shipped in part, with a
	// digital delivery, a refund, a pending refund and a cancellation.
	order := &model.Order{
		ID: "ord_full", CheckoutSessionID: "cs_completed", PermalinkURL: "https://shop.example/orders/ord_full",
		Status: model.OrderProcessing, OrderNumber: "1001", Currency: "gbp", Total: 4820, Totals: totals, PaymentState: model.PaymentCaptured,
		Lines: []model.OrderLine{
			{ID: "li_mug", ProductID: "prod_mug", Title: "Classic mug", ImageURL: "https://shop.example/mug.png", Ordered: 2, Current: 1, Fulfilled: 1, UnitPrice: 1500, Subtotal: 3000},
			{ID: "li_ebook", Title: "Tea, an e-book", Ordered: 1, Current: 1, Fulfilled: 1, UnitPrice: 900, Subtotal: 900},
		},
		Fulfillments: []model.Fulfillment{
			{ID: "ful_ship", Type: "shipping", Status: model.FulfillmentInTransit, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}},
				Carrier: "Royal Mail", TrackingNumber: "RM123", TrackingURL: "https://track.example/RM123", Description: "First parcel",
				Destination: &address, Planned: true,
				Events: []model.FulfillmentEvent{
					{ID: "fev_1", Type: "shipped", OccurredAt: at(10), Description: "Left the warehouse", Location: "Leeds"},
					{ID: "fev_2", Type: "in_transit", OccurredAt: at(20)},
				}},
			{ID: "ful_digital", Type: "digital", Status: model.FulfillmentDelivered, Lines: []model.LineQuantity{{ID: "li_ebook", Quantity: 1}},
				Digital: &model.DigitalDelivery{AccessURL: "https://shop.example/dl/ebook", LicenseKey: "KEY-1", ExpiresAt: &later}},
		},
		Adjustments: []model.Adjustment{
			{ID: "re_1", Type: model.AdjustmentRefund, Status: model.AdjustmentCompleted, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}},
				Amount: 1500, Currency: "gbp", Description: "One mug broke", Reason: "damaged", OccurredAt: at(25)},
			{ID: "re_2", Type: model.AdjustmentRefund, Status: model.AdjustmentPending, Amount: 200, Currency: "gbp", OccurredAt: at(26)},
			{ID: "adj_cancel", Type: model.AdjustmentCancellation, Status: model.AdjustmentCompleted, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}},
				Currency: "gbp", OccurredAt: at(24)},
		},
		AmountRefunded: 1500, PaymentID: "pi_full", HandlerID: "stripe", OrderNotes: "Gift wrap, please.",
		Discounts: discounts,
		Insights: &model.Insights{
			FirstTouch: &model.Attribution{Provider: "impact.com", Token: "atok_first", PublisherID: "pub_1", CampaignID: "camp_1",
				CreativeID: "cr_1", SubID: "sub_1", SourceType: "url", SourceURL: "https://blog.example/tea", IssuedAt: &earliest, ExpiresAt: &latest,
				Metadata: map[string]string{"placement": `"sidebar"`}},
			LastTouch:         &model.Attribution{Provider: "impact.com", PublisherID: "pub_2"},
			MarketingConsents: []model.MarketingConsent{{Channel: "email", OptedIn: true, Contact: "ada@example.com"}},
			RiskSignals: &model.RiskSignals{IPAddress: "192.0.2.1", UserAgent: "Mozilla/5.0", AcceptLanguage: "en-GB",
				SessionID: "sess_1", DeviceFingerprint: "fp_1"},
			ExpiresAt: at(5).Add(90 * 24 * time.Hour),
		},
		Agent: "openai", APIVersion: "2026-04-17", CreatedAt: at(5), UpdatedAt: at(26),
	}
	// plainOrder is a new order with nothing happened to it yet.
	plainOrder := &model.Order{
		ID: "ord_new", CheckoutSessionID: "cs_other", PermalinkURL: "https://shop.example/orders/ord_new", Status: model.OrderCreated,
		Currency: "usd", Total: 1000, Totals: model.Totals{ItemsBaseAmount: 1000, Subtotal: 1000, Total: 1000},
		Lines:     []model.OrderLine{{ID: "li_1", Title: "Thing", Ordered: 1, Current: 1, UnitPrice: 1000, Subtotal: 1000}},
		PaymentID: "pi_new", HandlerID: "stripe", Agent: "openai", APIVersion: "2025-09-29", CreatedAt: at(40),
	}

	session := func(id string, status model.Status) *model.Session {
		return &model.Session{
			ID: id, Agent: "openai", APIVersion: "2026-04-17", Status: status, Currency: "gbp",
			CreatedAt: at(0), UpdatedAt: at(1), ExpiresAt: at(0).Add(6 * time.Hour),
			Buyer: buyer, Lines: lines,
			FulfillmentDetails: &model.FulfillmentDetails{Name: "Ada Lovelace", PhoneNumber: "+447700900000", Email: "ada@example.com", Address: &address},
			Groups: []model.FulfillmentGroup{{ID: "fg_home", LineIDs: []string{"li_mug"}, Type: acp.FulfillmentShipping,
				Details:    &model.FulfillmentDetails{Name: "Ada Lovelace", Address: &billing},
				LocationID: "loc_1", Instructions: "Leave it with the neighbour."}},
			ContinueURL: "https://shop.example/checkout/continue",
			Discounts: &model.Discounts{Negotiated: true, Codes: []string{"WELCOME10", "SPRING5"}, Applied: discounts,
				Rejected: []model.RejectedDiscount{{Code: "SPRING5", Reason: "discount_code_expired", Message: "This code ended on 1 May."}}},
			Notices: []model.Notice{{Param: "$.discounts", Also: []string{"$.coupons"}, Message: "This store does not apply discount codes yet."}},
			Options: options, Selected: selected, Chosen: selected[:1], Totals: totals,
			TaxBreakdown:  []model.TaxShare{{Jurisdiction: "GB", Rate: 0.2, Amount: 720}},
			Messages:      acp.Messages{{Type: acp.MessageWarning, Code: "low_stock", Param: "$.line_items[0]", Content: "Only 7 left.", Resolution: acp.ResolutionBuyerReview}},
			Interventions: interventions,
			Locale:        "en-GB", Timezone: "Europe/London", QuoteID: "quote_1",
			Metadata: json.RawMessage(`{"campaign":"winter"}`), OrderNotes: "Gift wrap, please.",
			WriteOnly: model.WriteOnly{
				FirstTouchAttribution: json.RawMessage(`{"source":"ad"}`), LastTouchAttribution: json.RawMessage(`{"source":"mail"}`),
				MarketingConsents: json.RawMessage(`{"email":true}`), RiskSignals: json.RawMessage(`{"ip_address":"192.0.2.1"}`),
				AgentCapabilities: json.RawMessage(`{"interventions":{"supported":["3ds"]}}`),
			},
		}
	}
	authRequired := session("cs_auth", model.StatusAuthenticationRequired)
	authRequired.AuthenticationMetadata = json.RawMessage(`{"acquirer_details":{"bin":"400000"}}`)
	authRequired.Payment = &model.Payment{HandlerID: "stripe", Attempt: 1, Amount: 4820, Token: "spt_auth", InstrumentType: "card", CredentialType: "spt", BillingAddress: &billing}
	inProgress := session("cs_in_progress", model.StatusCompleteInProgress)
	inProgress.Payment = &model.Payment{HandlerID: "stripe", Attempt: 2, Amount: 4820, Token: "spt_retry", InstrumentType: "card", CredentialType: "spt",
		AuthenticationOutcome: "authenticated", AuthenticationDetails: json.RawMessage(`{"eci":"05"}`),
		// Format 2: where the attempt's money is.
		CaptureMethod: "manual", State: model.PaymentAuthorized, PlaceBy: at(45), OrderAccepted: true, OrderNumber: "1001",
		OrderPermalink: "https://shop.example/orders/1001", Release: "order_refused",
		// Format 3: the complete requests of the attempt, with their
		// bodies' fingerprints, and the cancel of the attempt's order.
		OrderCanceled: true,
		RequestKeys:   []model.RequestKey{{Key: "5f1c0e2a", Fingerprint: "2026-04-17:3b1f"}, {Key: "9d3b7a41", Fingerprint: "2026-04-17:c07a"}}}
	completed := session("cs_completed", model.StatusCompleted)
	completed.Payment = &model.Payment{HandlerID: "stripe", Attempt: 1, Amount: 4820, InstrumentType: "card", CredentialType: "spt", PaymentID: "pi_full"}
	completed.Order = order.SessionCopy() // a session keeps no copy of its order's insights
	canceled := session("cs_canceled", model.StatusCanceled)
	canceled.WriteOnly.IntentTrace = json.RawMessage(`{"reason_code":"price_sensitivity"}`)
	// bare is a session just created, with nothing but what create sets.
	bare := &model.Session{
		ID: "cs_bare", Agent: "gemini", APIVersion: "2025-09-29", Status: model.StatusNotReadyForPayment, Currency: "usd",
		CreatedAt: at(2), UpdatedAt: at(2), ExpiresAt: at(2).Add(time.Hour),
		Lines: []model.Line{{ID: "li_1", ItemID: "missing", Quantity: 1}},
	}
	ready := session("cs_ready", model.StatusReadyForPayment)
	expired := session("cs_expired", model.StatusExpired)

	event := func(id string, seq uint64, state string, payload []byte) *model.WebhookEvent {
		return &model.WebhookEvent{
			ID: id, Seq: seq, Agent: "openai", Target: "orders", OrderID: "ord_full", Type: model.EventOrderUpdate,
			APIVersion: "2026-04-17", Payload: payload, State: state, CreatedAt: at(30), NextAttemptAt: at(31),
		}
	}
	payload := []byte(`{"type":"order_update","data":{"type":"order","checkout_session_id":"cs_completed","permalink_url":"https://shop.example/orders/ord_full","status":"processing","refunds":[]}}`)
	created := event("evt_create", 1, model.EventPending, payload)
	created.Type = model.EventOrderCreate
	retrying := event("evt_retry", 2, model.EventPending, payload)
	retrying.Attempts, retrying.LastError, retrying.LastStatus = 3, "target answered 503", 503
	binary := event("evt_binary", 3, model.EventPending, noise(300))
	dead := event("evt_dead", 4, model.EventDead, payload)
	dead.Attempts, dead.LastError = 12, "connection refused"
	delivered := event("evt_delivered", 5, model.EventPending, payload)

	// Format 3: stock and failed orders. The attempt in progress holds
	// two mugs.
	fileFigure := int64(20)
	mugLevel := &model.StockLevel{SKU: "mug", OnHand: 12, Reserved: 2, Sold: 8, FileFigure: &fileFigure, SetAt: at(0), UpdatedAt: at(3)}
	teaLevel := &model.StockLevel{SKU: "tea", OnHand: 3, SetAt: at(1), UpdatedAt: at(1)}
	held := &model.Reservation{SessionID: "cs_in_progress", Attempt: 2, Lines: []model.ReservedLine{{SKU: "mug", Quantity: 2}},
		CreatedAt: at(3), ExpiresAt: at(0).Add(6 * time.Hour)}
	// The attempt awaiting issuer authentication holds a tea through a
	// catalog plugin, the host having died before the plugin answered.
	pluginHold := &model.Reservation{SessionID: "cs_auth", Attempt: 1, Lines: []model.ReservedLine{{SKU: "tea", Quantity: 1}},
		CreatedAt: at(4), ExpiresAt: at(0).Add(6 * time.Hour), Provider: "catalog-file", State: model.HoldInDoubt, Owner: "badger-4242-k3x9"}
	captureRefused := &model.FailedOrder{SessionID: "cs_canceled", Attempt: 1, Agent: "openai", OrderID: "ord_gone", HandlerID: "stripe",
		PaymentID: "pi_gone", Amount: 4820, Currency: "gbp", Reason: model.FailureCaptureRefused, Money: model.PaymentCaptureFailed,
		Detail: "The order system accepted order ord_gone but the processor refused the capture; the order was canceled. Nothing was charged.", CreatedAt: at(50)}
	refused := &model.FailedOrder{SessionID: "cs_ready", Attempt: 1, Agent: "openai", HandlerID: "stripe", Amount: 1000, Currency: "gbp",
		Reason: model.FailureOrderRefused, Money: model.PaymentVoided, CreatedAt: at(49)}

	// Format 5: the publishing state of two feed targets. The shop's
	// platform accepted the mug and the tea, then the tea as removed; the
	// marketplace's feed is not created yet, its first attempt failed.
	// The marketplace's product ids hold the key separator and bytes that
	// are not UTF-8.
	shopFeed := &model.FeedTarget{Name: "shop", URL: "https://platform.example/v1", FeedID: "feed_8f2a", Fingerprint: "sha256:3b1f",
		PushRequestedAt: at(52), LastPublishAt: at(53), LastFullPublishAt: at(51), Pending: 1, UpdatedAt: at(53)}
	marketFeed := &model.FeedTarget{Name: "marketplace", URL: "https://market.example/acp", Failures: 2, NextAttemptAt: at(58),
		LastError: "the platform answered 503", LastStatus: 503, UpdatedAt: at(55)}
	feedProducts := []*model.FeedProduct{
		{Target: "marketplace", ProductID: "prod/\xff", Body: []byte(`{"id":"prod/\ufffd","title":"Odd"}`), Hash: "9c0d", AcceptedAt: at(54)},
		{Target: "shop", ProductID: "prod_mug", Body: []byte(`{"id":"prod_mug","title":"Classic mug","variants":[{"id":"mug","price":{"amount":1500,"currency":"gbp"}}]}`),
			Hash: "4e5a", FeedUpdateID: "fu_1", AcceptedAt: at(51)},
		{Target: "shop", ProductID: "prod_tea", Body: []byte(`{"id":"prod_tea","variants":[{"id":"tea","availability":{"available":false}}]}`),
			Hash: "77b2", Removed: true, FeedUpdateID: "fu_2", AcceptedAt: at(53)},
	}

	// Format 6: a checkout made over UCP, its order (placed, then
	// shipped in part) and its order events for the platform's webhook,
	// one pending, one dead.
	ucpContext := &model.UCPContext{
		Profile:         "https://platform.example/.well-known/ucp",
		Capabilities:    map[string]string{"dev.ucp.shopping.checkout": "2026-04-08", "dev.ucp.shopping.order": "2026-04-08"},
		OrderWebhookURL: "https://platform.example/webhooks/ucp/orders",
	}
	ucpOrder := &model.Order{
		ID: "ord_ucp", CheckoutSessionID: "cs_ucp", PermalinkURL: "https://shop.example/orders/ord_ucp", Status: model.OrderProcessing,
		Currency: "gbp", Total: 3240, Totals: model.Totals{ItemsBaseAmount: 3000, ItemsDiscount: 300, Subtotal: 2700, Tax: 540, Total: 3240},
		PaymentState: model.PaymentCaptured,
		Lines: []model.OrderLine{{ID: "li_mug", ItemID: "mug", ProductID: "prod_mug", Title: "Classic mug", ImageURL: "https://shop.example/mug.png",
			Ordered: 2, Current: 2, Fulfilled: 1, UnitPrice: 1500, Subtotal: 3000}},
		Fulfillments: []model.Fulfillment{{ID: "ful_ucp", Type: "shipping", Status: model.FulfillmentShipped, Lines: []model.LineQuantity{{ID: "li_mug", Quantity: 1}},
			Carrier: "Royal Mail", TrackingNumber: "RM456", TrackingURL: "https://track.example/RM456",
			Events: []model.FulfillmentEvent{{ID: "fev_ucp", Type: "shipped", OccurredAt: at(47)}}}},
		PaymentID: "pi_ucp", HandlerID: "stripe", Agent: "gemini", APIVersion: "ucp/2026-04-08", CreatedAt: at(45), UpdatedAt: at(47),
		UCP: ucpContext,
	}
	ucpSession := session("cs_ucp", model.StatusCompleted)
	ucpSession.Agent, ucpSession.APIVersion, ucpSession.UCP = "gemini", "ucp/2026-04-08", ucpContext
	ucpSession.Payment = &model.Payment{HandlerID: "stripe", Attempt: 1, Amount: 3240, InstrumentType: "card", CredentialType: "card", PaymentID: "pi_ucp"}
	ucpSession.Order = ucpOrder.SessionCopy()
	ucpEvent := func(id string, seq uint64, state string) *model.WebhookEvent {
		return &model.WebhookEvent{
			ID: id, Seq: seq, Agent: "gemini", Target: model.TargetUCP, Protocol: model.ProtocolUCP, URL: ucpContext.OrderWebhookURL,
			OrderID: "ord_ucp", Type: model.EventOrderUpdate, APIVersion: "ucp/2026-04-08", State: state, CreatedAt: at(47), NextAttemptAt: at(48),
			Payload: []byte(`{"ucp":{"version":"2026-04-08","capabilities":{"dev.ucp.shopping.order":[{"version":"2026-04-08"}]}},"id":"ord_ucp","checkout_id":"cs_ucp","permalink_url":"https://shop.example/orders/ord_ucp","currency":"GBP","line_items":[],"fulfillment":{"expectations":[],"events":[]},"totals":[{"type":"subtotal","amount":3000},{"type":"total","amount":3240}],"event_id":"` + id + `","created_time":"2026-12-06T12:47:00Z"}`),
		}
	}
	ucpPending := ucpEvent("evt_ucp", 6, model.EventPending)
	ucpDead := ucpEvent("evt_ucp_dead", 7, model.EventDead)
	ucpDead.Attempts, ucpDead.LastError, ucpDead.LastStatus = 12, "target answered 410", 410

	return fixture{
		ucpSessions:  []string{ucpSession.ID},
		ucpOrders:    []string{ucpOrder.ID},
		ucpEvents:    []string{ucpPending.ID, ucpDead.ID},
		feedTargets:  []*model.FeedTarget{marketFeed, shopFeed},
		feedProducts: feedProducts,
		stockLevels:  []*model.StockLevel{mugLevel, teaLevel},
		reservations: []*model.Reservation{pluginHold, held},
		failed:       []*model.FailedOrder{captureRefused, refused},
		sessions:     []*model.Session{bare, ready, authRequired, inProgress, completed, canceled, expired, ucpSession},
		orders:       []*model.Order{order, plainOrder, ucpOrder},
		plain: []string{sessionPrefix + bare.ID, orderPrefix + plainOrder.ID, string(webhookKey(binary.State, binary.Seq)),
			string(webhookKey(ucpDead.State, ucpDead.Seq))},
		idempotency: map[string]*model.IdempotencyRecord{
			// Far in the future: Badger drops a record at its expiry.
			"openai/create/key-small": {Fingerprint: "3f2a", ExpiresAt: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), Status: 400, Body: []byte(`{"type":"invalid_request"}`)},
			"openai/create/key-large": {Fingerprint: "9b1c", ExpiresAt: time.Date(2200, 1, 2, 0, 0, 0, 5, time.UTC), Status: 201, Body: mustMarshal(completed)},
		},
		pending:   []*model.WebhookEvent{created, retrying, binary, ucpPending},
		dead:      []*model.WebhookEvent{dead, ucpDead},
		delivered: []*model.WebhookEvent{delivered},
	}
}

func mustMarshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// TestWriteFixture writes the fixture store of this release into
// testdata/ when asked to with -write-fixture; otherwise it does nothing.
func TestWriteFixture(t *testing.T) {
	if !*writeFixture {
		t.Skip("writes the fixture store only when run with -args -write-fixture")
	}
	if _, err := os.Stat(fixtureDir); err == nil {
		t.Fatalf("%s exists: it is the store a release wrote; remove it first only if this release writes the same format", fixtureDir)
	}
	s, err := Open(Options{Dir: fixtureDir})
	if err != nil {
		t.Fatal(err)
	}
	f := fixtureContent()
	err = s.Update(context.Background(), func(tx store.Tx) error {
		for _, sess := range f.sessions {
			if err := tx.PutSession(sess); err != nil {
				return err
			}
		}
		for _, o := range f.orders {
			if err := tx.PutOrder(o); err != nil {
				return err
			}
		}
		for key, r := range f.idempotency {
			if err := tx.PutIdempotencyRecord(key, r); err != nil {
				return err
			}
		}
		// Events are written in Seq order with Seq unset, as the outbox
		// does; the store numbers them.
		events := slices.Concat(f.pending, f.dead, f.delivered)
		slices.SortFunc(events, func(a, b *model.WebhookEvent) int { return int(a.Seq) - int(b.Seq) })
		for _, e := range events {
			written := *e
			written.Seq = 0
			if err := tx.PutWebhookEvent(&written); err != nil {
				return err
			}
			if written.Seq != e.Seq {
				t.Fatalf("event %s got Seq %d, want %d", e.ID, written.Seq, e.Seq)
			}
		}
		for _, fo := range f.failed {
			if err := tx.PutFailedOrder(fo); err != nil {
				return err
			}
		}
		for _, r := range f.reservations {
			if err := tx.PutReservation(r); err != nil {
				return err
			}
		}
		for _, ft := range f.feedTargets {
			if err := tx.PutFeedTarget(ft); err != nil {
				return err
			}
		}
		for _, p := range f.feedProducts {
			if err := tx.PutFeedProduct(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var skus []string
	for _, l := range f.stockLevels {
		skus = append(skus, l.SKU)
	}
	err = s.UpdateStock(context.Background(), skus, func(tx store.Tx) error {
		for _, l := range f.stockLevels {
			if err := tx.PutStockLevel(l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx store.Tx) error {
		for _, e := range f.delivered {
			if err := tx.DeleteWebhookEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Some records are rewritten uncompressed, as the store writes a
	// record that compression does not shrink (and as the release before
	// compression wrote every record).
	err = s.db.Update(func(txn *badger.Txn) error {
		for _, key := range f.plain {
			item, err := txn.Get([]byte(key))
			if err != nil {
				return err
			}
			val, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			format, data, err := openRecord(val)
			if err != nil {
				return err
			}
			if format > 0 {
				data = append([]byte{formatMark, byte(format)}, data...)
			}
			if err := txn.Set([]byte(key), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// DISCARD is Badger's 1 MB table of garbage per value-log file, which
	// it creates when missing; the fixture does without it.
	if err := os.Remove(filepath.Join(fixtureDir, "DISCARD")); err != nil {
		t.Fatal(err)
	}
}

// TestReadFixtures opens every fixture store under testdata/, each
// written by the release whose format it names, and reads every kind of
// record back whole.
func TestReadFixtures(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/format*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no fixture store under testdata/")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			readFixture(t, dir)
		})
	}
}

func readFixture(t *testing.T, dir string) {
	// Opening a Badger directory writes to it: the test works on a copy.
	work := t.TempDir()
	if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: work})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Every value of a feed record is of the feed records' format as of
	// then (record.FeedFormat), every other of the checkout's
	// (record.CheckoutFormat): each stays behind formats that leave its
	// kinds alone. Each kind has compressed and plain ones.
	format := strings.TrimPrefix(filepath.Base(dir), "format")
	n, err := strconv.Atoi(format)
	if err != nil {
		t.Fatalf("fixture directory %s: %v", dir, err)
	}
	checkout := strconv.Itoa(min(n, record.CheckoutFormat))
	kinds := encodings(t, s)
	wantKinds := map[string]map[string]bool{
		sessionPrefix:     {"format " + checkout + ", plain": true, "format " + checkout + ", compressed": true},
		orderPrefix:       {"format " + checkout + ", plain": true, "format " + checkout + ", compressed": true},
		webhookPrefix:     {"format " + checkout + ", plain": true, "format " + checkout + ", compressed": true},
		idempotencyPrefix: {"plain": true, "compressed": true},
	}
	if n >= record.UCPFormat {
		// The records made over UCP, beside the others in the format
		// ACP's stay in.
		ucp := "format " + strconv.Itoa(record.UCPFormat)
		wantKinds[sessionPrefix][ucp+", compressed"] = true
		wantKinds[orderPrefix][ucp+", compressed"] = true
		wantKinds[webhookPrefix][ucp+", compressed"] = true
		wantKinds[webhookPrefix][ucp+", plain"] = true
	}
	for prefix, want := range wantKinds {
		if diff := cmp.Diff(want, kinds[prefix]); diff != "" {
			t.Errorf("the fixture's %s values (-want +got):\n%s", prefix, diff)
		}
	}
	feed := strconv.Itoa(min(n, record.FeedFormat))
	for prefix, c := range map[string]struct {
		since int
		stamp string
	}{
		stockPrefix: {3, checkout}, reservationPrefix: {3, checkout}, failedPrefix: {3, checkout},
		feedTargetPrefix: {5, feed}, feedProductPrefix: {5, feed},
	} {
		since, stamp := c.since, c.stamp
		for kind := range kinds[prefix] {
			if !strings.HasPrefix(kind, "format "+stamp+",") {
				t.Errorf("the fixture's %s values include %q", prefix, kind)
			}
		}
		if n >= since && len(kinds[prefix]) == 0 {
			t.Errorf("the fixture has no %s values", prefix)
		}
	}
	want := fixtureContent().asWrittenBy(n)
	err = s.View(context.Background(), func(r store.Reader) error {
		for _, w := range want.sessions {
			got, err := r.Session(w.ID)
			if err != nil {
				t.Errorf("session %s: %v", w.ID, err)
				continue
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("session %s (-written +read):\n%s", w.ID, diff)
			}
		}
		for _, w := range want.orders {
			got, err := r.Order(w.ID)
			if err != nil {
				t.Errorf("order %s: %v", w.ID, err)
				continue
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("order %s (-written +read):\n%s", w.ID, diff)
			}
			byPayment, err := r.OrderByPayment(w.PaymentID)
			if err != nil || byPayment.ID != w.ID {
				t.Errorf("OrderByPayment(%s) = %v, %v; want %s", w.PaymentID, byPayment, err, w.ID)
			}
		}
		orders, err := r.Orders("", 10)
		if err != nil {
			return err
		}
		var ids []string
		for _, o := range orders {
			ids = append(ids, o.ID)
		}
		wantIDs := []string{"ord_new", "ord_full"}
		if len(want.ucpOrders) > 0 {
			wantIDs = slices.Insert(wantIDs, 0, want.ucpOrders...)
		}
		if diff := cmp.Diff(wantIDs, ids); diff != "" {
			t.Errorf("Orders, newest first (-want +got):\n%s", diff)
		}
		inProgress, err := r.SessionsInProgress("", 10)
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"cs_in_progress"}, inProgress); diff != "" {
			t.Errorf("SessionsInProgress (-want +got):\n%s", diff)
		}
		for key, w := range want.idempotency {
			got, err := r.IdempotencyRecord(key)
			if err != nil {
				t.Errorf("idempotency record %s: %v", key, err)
				continue
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("idempotency record %s (-written +read):\n%s", key, diff)
			}
		}
		if _, err := r.IdempotencyRecord("openai/create/unknown"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown idempotency key: %v, want ErrNotFound", err)
		}
		for state, w := range map[string][]*model.WebhookEvent{model.EventPending: want.pending, model.EventDead: want.dead} {
			got, err := r.WebhookEvents(state, 0, 10)
			if err != nil {
				return err
			}
			// Delivered events were deleted: they are not among them.
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("%s webhook events (-written +read):\n%s", state, diff)
			}
		}
		// Format 3's records; none in a store of an earlier format.
		levels, err := r.StockLevels()
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want.stockLevels, levels, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("stock levels (-written +read):\n%s", diff)
		}
		held, err := r.Reservations("", 10)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want.reservations, held, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("reservations (-written +read):\n%s", diff)
		}
		failed, err := r.FailedOrders("", 10)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want.failed, failed, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("failed orders, newest first (-written +read):\n%s", diff)
		}
		// Format 5's records; none in a store of an earlier format.
		targets, err := r.FeedTargets()
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want.feedTargets, targets, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("feed targets (-written +read):\n%s", diff)
		}
		var products []*model.FeedProduct
		for _, ft := range fixtureContent().feedTargets {
			page, err := r.FeedProducts(ft.Name, "", 10)
			if err != nil {
				return err
			}
			products = append(products, page...)
		}
		if diff := cmp.Diff(want.feedProducts, products, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("feed products, by target (-written +read):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The outbox sequence goes on after the last event written.
	next := &model.WebhookEvent{ID: "evt_next", State: model.EventPending}
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.PutWebhookEvent(next) }); err != nil {
		t.Fatal(err)
	}
	if last := want.delivered[len(want.delivered)-1].Seq; next.Seq <= last {
		t.Errorf("a new event got Seq %d, not after the fixture's %d", next.Seq, last)
	}
}

// encodings lists, by key prefix, how the store's values are encoded
// (compressed or not), so that a fixture can show it covers both.
func encodings(t *testing.T, s *Store) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := string(it.Item().Key())
			prefix := key[:strings.IndexByte(key, '/')+1]
			err := it.Item().Value(func(val []byte) error {
				kind := ""
				if prefix == idempotencyPrefix {
					val = val[recordHeader+int(val[11]):]
				} else {
					format, _, err := openRecord(val)
					if err != nil {
						return err
					}
					kind = fmt.Sprintf("format %d, ", format)
					if format > 0 {
						val = val[2:]
					}
				}
				kind += "plain"
				if packed(val) {
					kind = strings.TrimSuffix(kind, "plain") + "compressed"
				}
				if out[prefix] == nil {
					out[prefix] = map[string]bool{}
				}
				out[prefix][kind] = true
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
