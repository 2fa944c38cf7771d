package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// Platform profiles the test negotiator knows.
const (
	ucpProfile     = "https://platform.test/.well-known/ucp"
	ucpBareProfile = "https://platform.test/bare"
	ucpNoneProfile = "https://platform.test/none"
)

// fixedNegotiator negotiates every known profile with a fixed platform,
// for both test agents.
type fixedNegotiator struct{}

func (fixedNegotiator) Negotiate(_ context.Context, agent, profile string) (*ucp.Platform, error) {
	caps := map[string]string{}
	switch profile {
	case ucpProfile:
		caps = map[string]string{ucp.CapCheckout: ucp.Version, ucp.CapFulfillment: ucp.Version, ucp.CapDiscount: ucp.Version, ucp.CapOrder: ucp.Version}
	case ucpBareProfile:
		caps = map[string]string{ucp.CapCheckout: ucp.Version}
	case ucpNoneProfile:
	default:
		return nil, ucp.NewError(http.StatusForbidden, "profile_not_allowed", "This agent may not present that profile.")
	}
	return &ucp.Platform{Agent: agent, Profile: profile, Version: ucp.Version, Capabilities: caps}, nil
}

// startUCPServer starts a gateway serving UCP under /ucp beside ACP.
func startUCPServer(t testing.TB, edit func(*config.Config)) *server {
	t.Helper()
	cfg := loadTestConfig(t, filepath.Join(t.TempDir(), "data"))
	cfg.UCP.Enabled, cfg.UCP.BasePath = true, "/ucp"
	cfg.Escalation.ContinueURL = "https://shop.test/checkout/{checkout_session_id}"
	cfg.Merchant.Links.AboutUs = "https://shop.test/"
	if edit != nil {
		edit(cfg)
	}
	return startServer(t, cfg, host.WithUCPNegotiator(fixedNegotiator{}))
}

// ucpRequest is a UCP REST call; zero fields take the defaults of the
// test agent with the full profile, a fresh Request-Id and, on POST and
// PUT, a fresh Idempotency-Key.
type ucpRequest struct {
	method, path, body, token, profile, key string
	apiKey                                  bool
	omit                                    []string
	header                                  map[string]string
}

func (s *server) ucp(t *testing.T, r ucpRequest) response {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, s.base+"/ucp"+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	token := r.token
	if token == "" {
		token = testToken
	}
	if r.apiKey {
		req.Header.Set("X-API-Key", token)
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	profile := r.profile
	if profile == "" {
		profile = ucpProfile
	}
	req.Header.Set("UCP-Agent", `profile="`+profile+`"`)
	req.Header.Set("Request-Id", fmt.Sprintf("req-%d", keyCounter.Add(1)))
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.method == http.MethodPost || r.method == http.MethodPut {
		key := r.key
		if key == "" {
			key = fmt.Sprintf("ucp-key-%d", keyCounter.Add(1))
		}
		req.Header.Set("Idempotency-Key", key)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	for _, h := range r.omit {
		req.Header.Del(h)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: data}
	if out.status >= 500 {
		t.Errorf("%s %s answered %d: %s", r.method, r.path, out.status, data)
	}
	if id := req.Header.Get("Request-Id"); id != "" && resp.Header.Get("Request-Id") != id {
		t.Errorf("Request-Id not echoed: got %q, want %q", resp.Header.Get("Request-Id"), id)
	}
	validateUCP(t, r, out)
	return out
}

// ucpCheckout is a decoded checkout response.
type ucpCheckout struct {
	UCP struct {
		Version         string                       `json:"version"`
		Status          string                       `json:"status"`
		Capabilities    map[string][]json.RawMessage `json:"capabilities"`
		PaymentHandlers map[string][]json.RawMessage `json:"payment_handlers"`
	} `json:"ucp"`
	ID        string `json:"id"`
	Status    string `json:"status"`
	Currency  string `json:"currency"`
	LineItems []struct {
		ID   string `json:"id"`
		Item struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			Price int64  `json:"price"`
		} `json:"item"`
		Quantity int64 `json:"quantity"`
	} `json:"line_items"`
	Totals []struct {
		Type   string `json:"type"`
		Amount int64  `json:"amount"`
	} `json:"totals"`
	Messages []struct {
		Type, Code, Path, Content, Severity string
	} `json:"messages"`
	Fulfillment *struct {
		Methods []struct {
			ID                    string   `json:"id"`
			Type                  string   `json:"type"`
			LineItemIDs           []string `json:"line_item_ids"`
			SelectedDestinationID string   `json:"selected_destination_id"`
			Groups                []struct {
				ID               string `json:"id"`
				SelectedOptionID string `json:"selected_option_id"`
				Options          []struct {
					ID    string `json:"id"`
					Title string `json:"title"`
				} `json:"options"`
			} `json:"groups"`
		} `json:"methods"`
	} `json:"fulfillment"`
	Discounts *struct {
		Codes   []string `json:"codes"`
		Applied []struct {
			Code   string `json:"code"`
			Amount int64  `json:"amount"`
		} `json:"applied"`
	} `json:"discounts"`
	ContinueURL string `json:"continue_url"`
	Order       *struct {
		ID           string `json:"id"`
		PermalinkURL string `json:"permalink_url"`
	} `json:"order"`
}

func decodeCheckout(t *testing.T, r response) ucpCheckout {
	t.Helper()
	var c ucpCheckout
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatalf("not a checkout: %v\n%s", err, r.body)
	}
	return c
}

func (c ucpCheckout) total(typ string) int64 {
	for _, tot := range c.Totals {
		if tot.Type == typ {
			return tot.Amount
		}
	}
	return -1
}

// ucpShipping is an update body shipping item_123 to a US address, with
// the discount codes and, when option is set, that option selected.
func ucpShipping(quantity int, option string, codes ...string) string {
	list, _ := json.Marshal(codes)
	selected := ""
	if option != "" {
		selected = `,"groups":[{"id":"method_1","selected_option_id":"` + option + `"}]`
	}
	return fmt.Sprintf(`{"line_items":[{"id":"li_item_123","item":{"id":"item_123"},"quantity":%d}],
		"buyer":{"email":"jane@example.com","first_name":"Jane","last_name":"Doe"},
		"fulfillment":{"methods":[{"type":"shipping","line_item_ids":["li_item_123"],
			"destinations":[{"id":"home","street_address":"1 Main St","address_locality":"Los Angeles","address_region":"CA","postal_code":"90001","address_country":"US"}],
			"selected_destination_id":"home"%s}]},
		"discounts":{"codes":%s}}`, quantity, selected, list)
}

const ucpComplete = `{"payment":{"instruments":[{"id":"pi_1","handler_id":"card_tokenized","type":"card","selected":true,
	"credential":{"type":"PAYMENT_GATEWAY","token":"%s"},
	"billing_address":{"street_address":"1 Main St","address_locality":"Los Angeles","address_region":"CA","postal_code":"90001","address_country":"US"}}]},
	"signals":{"dev.ucp.buyer_ip":"203.0.113.42","dev.ucp.user_agent":"test"}}`

// TestUCPCheckoutFlow: create, update (buyer, fulfillment, discount
// code), select an option, complete with the sandbox handler, get, and
// cancel another session, over UCP's REST binding; every body valid.
func TestUCPCheckoutFlow(t *testing.T) {
	t.Parallel()
	s := startUCPServer(t, func(cfg *config.Config) {
		cfg.Promotions = []config.Promotion{{ID: "save5", Name: "$5 off", Code: "SAVE5", Kind: "amount_off", Value: 500}}
	})
	created := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"item_123"},"quantity":2}]}`})
	wantStatus(t, created, http.StatusCreated)
	c := decodeCheckout(t, created)
	if c.UCP.Status != "success" || c.UCP.Version != ucp.Version || len(c.UCP.Capabilities[ucp.CapCheckout]) != 1 || len(c.UCP.Capabilities[ucp.CapFulfillment]) != 1 {
		t.Fatalf("ucp envelope = %+v", c.UCP)
	}
	if c.Status != "incomplete" || c.Currency != "USD" || len(c.LineItems) != 1 || c.LineItems[0].Item.Title != "Vintage Denim Jacket" ||
		c.LineItems[0].Item.Price != 300 || c.total("subtotal") != 600 || c.ContinueURL != "https://shop.test/checkout/"+c.ID {
		t.Fatalf("created = %s", created.body)
	}
	path := "/checkout-sessions/" + c.ID

	updated := decodeCheckout(t, s.ucp(t, ucpRequest{method: http.MethodPut, path: path, body: ucpShipping(2, "", "SAVE5")}))
	if updated.Fulfillment == nil || len(updated.Fulfillment.Methods) != 1 {
		t.Fatalf("fulfillment = %+v", updated.Fulfillment)
	}
	m := updated.Fulfillment.Methods[0]
	if m.ID != "method_1" || m.Type != "shipping" || m.SelectedDestinationID == "" || len(m.Groups) != 1 || len(m.Groups[0].Options) < 2 {
		t.Fatalf("method = %+v", m)
	}
	if updated.Discounts == nil || len(updated.Discounts.Applied) != 1 || updated.Discounts.Applied[0].Code != "SAVE5" || updated.total("discount") != -500 {
		t.Fatalf("discounts = %+v, totals %+v", updated.Discounts, updated.Totals)
	}

	selected := decodeCheckout(t, s.ucp(t, ucpRequest{method: http.MethodPut, path: path, body: ucpShipping(2, "fulfillment_option_456", "SAVE5")}))
	if selected.Status != "ready_for_complete" || selected.Fulfillment.Methods[0].Groups[0].SelectedOptionID != "fulfillment_option_456" || selected.total("fulfillment") != 500 {
		t.Fatalf("selected = %+v", selected)
	}
	var sum int64
	for _, tot := range selected.Totals {
		if tot.Type != "total" {
			sum += tot.Amount
		}
	}
	if sum != selected.total("total") {
		t.Errorf("totals %+v do not add up to the total", selected.Totals)
	}

	done := decodeCheckout(t, s.ucp(t, ucpRequest{path: path + "/complete", body: fmt.Sprintf(ucpComplete, "tok_ok")}))
	if done.Status != "completed" || done.Order == nil || done.Order.ID == "" || !strings.HasPrefix(done.Order.PermalinkURL, "https://shop.test/orders/") || done.ContinueURL != "" {
		t.Fatalf("completed = %+v", done)
	}
	if s.charges(t) != 1 {
		t.Errorf("charges = %d, want 1", s.charges(t))
	}
	got := decodeCheckout(t, s.ucp(t, ucpRequest{method: http.MethodGet, path: path}))
	if got.Status != "completed" || got.Order == nil || got.Order.ID != done.Order.ID {
		t.Fatalf("get = %+v", got)
	}
	if rec, err := s.host.Service.Get(context.Background(), "test-agent", c.ID); err != nil || rec.APIVersion != ucp.APIVersion(ucp.Version) || rec.UCP == nil || rec.UCP.Profile != ucpProfile {
		t.Fatalf("stored session: %v, %+v", err, rec)
	}

	other := decodeCheckout(t, s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"ebook"},"quantity":1}]}`}))
	canceled := decodeCheckout(t, s.ucp(t, ucpRequest{path: "/checkout-sessions/" + other.ID + "/cancel", body: `{}`}))
	if canceled.Status != "canceled" || canceled.ContinueURL != "" {
		t.Fatalf("canceled = %+v", canceled)
	}
}

// validateUCP checks a UCP body against the schemas of what it answers:
// a checkout (with the extensions the test profile negotiates) on 2xx
// checkout answers, an error_response when ucp.status is error, UCP's
// protocol error {code, content} otherwise.
func validateUCP(t *testing.T, r ucpRequest, out response) {
	t.Helper()
	if ct := out.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var shape struct {
		UCP *struct {
			Status string `json:"status"`
		} `json:"ucp"`
		Code    string `json:"code"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(out.body, &shape); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v\n%s", r.method, r.path, err, out.body)
	}
	switch {
	case out.status >= 300:
		if shape.Code == "" || shape.Content == "" || shape.UCP != nil {
			t.Errorf("%s %s answered %d without a UCP protocol error {code, content}: %s", r.method, r.path, out.status, out.body)
		}
	case shape.UCP != nil && shape.UCP.Status == "error":
		ucpschema.Response(t, "shopping/types/error_response.json", out.body)
	case strings.HasPrefix(r.path, "/checkout-sessions"):
		switch r.profile {
		case "", ucpProfile:
			ucpschema.Response(t, "shopping/fulfillment.json#/$defs/dev.ucp.shopping.checkout", out.body)
			ucpschema.Response(t, "shopping/discount.json#/$defs/dev.ucp.shopping.checkout", out.body)
		default:
			ucpschema.Response(t, "shopping/checkout.json", out.body)
		}
	}
}
