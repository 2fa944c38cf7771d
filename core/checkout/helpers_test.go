package checkout_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

func int64Ptr(v int64) *int64 { return &v }

// messagesAt returns the session's messages at param of type typ and
// code code (any type or code when empty).
func messagesAt(sess *model.Session, typ acp.MessageType, code, param string) []acp.Message {
	var out []acp.Message
	for _, m := range sess.Messages {
		if m.Param == param && (typ == "" || m.Type == typ) && (code == "" || m.Code == code) {
			out = append(out, m)
		}
	}
	return out
}

// wantAPIError fails the test unless err is an API error of status, code
// and param.
func wantAPIError(t *testing.T, err error, status int, code, param string) {
	t.Helper()
	ae := apiError(t, err)
	if ae.Status != status || ae.Code != code || ae.Param != param {
		t.Fatalf("error = %d %s %q, want %d %s %q (%s)", ae.Status, ae.Code, ae.Param, status, code, param, ae.Message)
	}
}

// apiError returns err as an API error, failing the test when it is not
// one.
func apiError(t *testing.T, err error) *apierr.Error {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an API error", err)
	}
	return e
}

// testCatalog is a small catalog covering every fulfillment shape: each
// item a product of its own.
var testCatalog = itemProducts([]catalog.Item{
	{ID: "mug", Title: "Mug", UnitPrice: 1500, TaxCategory: "standard", Available: int64Ptr(100), MaxPerOrder: 10, FulfillmentTypes: []acp.FulfillmentType{"shipping", "pickup"}},
	{ID: "beans", Title: "Beans", UnitPrice: 2399, TaxCategory: "food", FulfillmentTypes: []acp.FulfillmentType{"shipping", "pickup"}},
	{ID: "ebook", Title: "Ebook", UnitPrice: 999, TaxCategory: "standard", FulfillmentTypes: []acp.FulfillmentType{"digital"}},
	{ID: "grinder", Title: "Grinder", UnitPrice: 8900, TaxCategory: "standard", Available: int64Ptr(0), FulfillmentTypes: []acp.FulfillmentType{"shipping"}},
	{ID: "tee", Title: "Tee", UnitPrice: 2001, TaxCategory: "standard", Available: int64Ptr(5), MaxPerOrder: 2, FulfillmentTypes: []acp.FulfillmentType{"shipping"}},
})

// itemProducts makes each item a product of its own, as a catalog
// without products lists it (catalog.ItemProduct).
func itemProducts(items []catalog.Item) []catalog.Product {
	out := make([]catalog.Product, len(items))
	for i, it := range items {
		out[i] = catalog.ItemProduct(catalog.Variant{Item: it})
	}
	return out
}

var testTax = builtin.TaxTable{
	ShippingTaxable: true,
	Origin:          acp.Address{Country: "US", State: "CA"},
	Rates: []builtin.TaxRate{
		{Country: "US", Region: "CA", Rate: 0.0725, Categories: map[string]float64{"food": 0}},
		{Country: "US", Region: "NY", Rate: 0.04, Categories: map[string]float64{"food": 0}},
		{Country: "US", Rate: 0.05, Categories: map[string]float64{"food": 0.01}},
	},
}

var testOptions = []builtin.ShippingOption{
	{ID: "standard", Type: "shipping", Title: "Standard", Carrier: "USPS", Price: builtin.PriceRule{Flat: 500, FreeOver: 5000}, DeliveryDays: &builtin.DayRange{Min: 4, Max: 6}, Countries: []string{"US", "CA"}},
	{ID: "express", Type: "shipping", Title: "Express", Carrier: "UPS", Price: builtin.PriceRule{Flat: 1500, PerItem: 100}, DeliveryDays: &builtin.DayRange{Min: 1, Max: 2}, Countries: []string{"US"}},
	{ID: "pickup", Type: "pickup", Title: "Pickup", Pickup: &shipping.PickupLocation{Name: "Shop", Address: acp.Address{Name: "Shop", LineOne: "1 Main", City: "SF", State: "CA", Country: "US", PostalCode: "94111"}}},
	{ID: "email", Type: "digital", Title: "Email"},
}

// flakyHandler fails the first failures charges with an unknown outcome,
// as an unreachable processor would, then delegates.
type flakyHandler struct {
	payment.Handler
	mu       sync.Mutex
	failures int
}

func (f *flakyHandler) Charge(ctx context.Context, req *payment.ChargeRequest) (*payment.ChargeResult, error) {
	f.mu.Lock()
	fail := f.failures > 0
	if fail {
		f.failures--
	}
	f.mu.Unlock()
	if fail {
		return nil, errors.New("processor unreachable")
	}
	return f.Handler.Charge(ctx, req)
}

// mutableCatalog lets a test change a price between two calls.
type mutableCatalog struct {
	catalog.Catalog
	mu     sync.Mutex
	prices map[string]int64
}

func (m *mutableCatalog) setPrice(sku string, price int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prices[sku] = price
}

func (m *mutableCatalog) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp, err := m.Catalog.ResolveItems(ctx, req)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range resp.Items {
		if p, ok := m.prices[resp.Items[i].ID]; ok {
			resp.Items[i].UnitPrice = p
		}
	}
	return resp, nil
}

type fixture struct {
	store   *badgerstore.Store
	catalog *mutableCatalog
	svc     *checkout.Service
	sandbox *sandbox.Handler
	flaky   *flakyHandler
	clock   *clocktest.Clock
}

func newFixture(t testing.TB, required ...string) *fixture {
	t.Helper()
	return newFixtureWith(t, nil, required...)
}

// newFixtureWith is newFixture with its engine options adjusted by adjust
// (when set).
func newFixtureWith(t testing.TB, adjust func(*checkout.Options), required ...string) *fixture {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sb := sandbox.New(sandbox.Config{ID: "card", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}, MerchantName: "Test"})
	flaky := &flakyHandler{Handler: sandbox.New(sandbox.Config{ID: "flaky", MerchantID: "acct_test", AcceptedBrands: []string{"visa"}})}
	clk := clocktest.New(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	enforcement := "conditional"
	if len(required) > 0 {
		enforcement = "always"
	}
	cat := &mutableCatalog{Catalog: builtin.NewProductCatalog(testCatalog), prices: map[string]int64{}}
	opts := checkout.Options{
		Store: st,
		Capabilities: checkout.Capabilities{
			Catalog:     cat,
			Tax:         builtin.NewTax(testTax),
			Shipping:    builtin.NewShipping(testOptions, clk.Now),
			Fulfillment: builtin.Fulfillment{},
		},
		Handlers:               []payment.Handler{sb, flaky},
		Currency:               "usd",
		CurrencyExponent:       2,
		SessionLifetime:        6 * time.Hour,
		OrderPermalinkTemplate: "https://shop.test/orders/{order_id}",
		Interventions:          model.Interventions{Supported: []string{"3ds"}, Required: required, Enforcement: enforcement},
		Now:                    clk.Now,
	}
	if adjust != nil {
		adjust(&opts)
	}
	return &fixture{store: st, catalog: cat, svc: checkout.New(opts), sandbox: sb, flaky: flaky, clock: clk}
}

func address(country, state string) *acp.Address {
	return &acp.Address{Name: "Ada", LineOne: "1 Test St", City: "Town", State: state, Country: country, PostalCode: "00001"}
}

func (f *fixture) create(t testing.TB, in checkout.CreateInput) *model.Session {
	t.Helper()
	if in.Currency == "" {
		in.Currency = "usd"
	}
	sess, err := f.svc.Create(context.Background(), "agent", "2026-04-17", in, nil)
	if err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	return sess
}

func cardPayment(token string) checkout.PaymentInput {
	return checkout.PaymentInput{HandlerID: "card", InstrumentType: "card", CredentialType: "spt", Token: token}
}
