package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// escalatingCatalog adds the escalations a test sets to the items of the
// catalog it wraps, as a catalog plugin deciding them would.
type escalatingCatalog struct {
	catalog.Catalog
	mu          sync.Mutex
	escalations map[string]*catalog.Escalation
}

func (c *escalatingCatalog) set(id string, e *catalog.Escalation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.escalations[id] = e
}

func (c *escalatingCatalog) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	resp, err := c.Catalog.ResolveItems(ctx, req)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range resp.Items {
		resp.Items[i].Escalation = c.escalations[resp.Items[i].ID]
	}
	return resp, nil
}

// newEscalationFixture is the test engine with the escalation rules rules
// over an escalating catalog.
func newEscalationFixture(t *testing.T, rules checkout.Escalation) (*fixture, *escalatingCatalog) {
	t.Helper()
	var cat *escalatingCatalog
	f := newFixtureWith(t, func(o *checkout.Options) {
		cat = &escalatingCatalog{Catalog: o.Capabilities.Catalog, escalations: map[string]*catalog.Escalation{}}
		o.Capabilities.Catalog = cat
		o.Escalation = rules
		o.CurrencyExponent = 2
	})
	return f, cat
}

const testPage = "https://shop.test/go?s={checkout_session_id}&i={item_id}"

// TestEscalationStatus checks the status, continue_url and message an
// escalation gives, and how it ranks against other errors.
func TestEscalationStatus(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		rules       checkout.Escalation
		escalation  *catalog.Escalation
		items       []checkout.ItemInput
		wantStatus  model.Status
		wantURL     string // with S for the session id
		wantCode    string
		wantParam   string
		wantContent string
		wantOthers  bool // other errors are listed too
		wantResolve acp.Resolution
	}{
		"age restriction wins over a missing address": {
			rules: checkout.Escalation{ContinueURL: testPage}, escalation: &catalog.Escalation{Code: acp.CodeAgeVerificationRequired},
			items:      []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "ebook", Quantity: 1}},
			wantStatus: model.StatusRequiresEscalation, wantURL: "https://shop.test/go?s=S&i=ebook", wantCode: acp.CodeAgeVerificationRequired,
			wantParam: "$.line_items[1]", wantContent: "Ebook is age-restricted: the buyer's age must be verified on the store's own page. Continue at https://shop.test/go?s=S&i=ebook",
			wantOthers: true,
		},
		"the item's own page, its reason made plain": {
			rules:      checkout.Escalation{ContinueURL: testPage},
			escalation: &catalog.Escalation{Code: acp.CodeRequiresSignIn, Reason: " Mem\u200bbers\n\tonly.\x07\u202e ", ContinueURL: "https://shop.test/members/{item_id}"},
			items:      []checkout.ItemInput{{ID: "ebook", Quantity: 1}},
			wantStatus: model.StatusRequiresEscalation, wantURL: "https://shop.test/members/ebook", wantCode: acp.CodeRequiresSignIn,
			wantParam: "$.line_items[0]", wantContent: "Members only. Continue at https://shop.test/members/ebook",
		},
		"no page known: not ready, without a URL": {
			escalation: &catalog.Escalation{Code: acp.CodeUnsupported},
			items:      []checkout.ItemInput{{ID: "ebook", Quantity: 1}},
			wantStatus: model.StatusNotReadyForPayment, wantCode: acp.CodeUnsupported,
			wantParam: "$.line_items[0]", wantContent: "Ebook has options that must be chosen on the store's own page.",
		},
		"cart above the limit": {
			rules:      checkout.Escalation{ContinueURL: testPage, MaxCartTotal: 2000},
			items:      []checkout.ItemInput{{ID: "ebook", Quantity: 2}},
			wantStatus: model.StatusRequiresEscalation, wantURL: "https://shop.test/go?s=S&i=", wantCode: acp.CodeMaximumExceeded,
			wantParam: "$.totals", wantContent: "Orders over 20.00 USD can only be placed on the store's own page. Continue at https://shop.test/go?s=S&i=",
			wantResolve: acp.ResolutionRecoverable,
		},
		"cart at the limit": {
			// 999 + 7.25 % tax is 1071.
			rules:      checkout.Escalation{ContinueURL: testPage, MaxCartTotal: 1071},
			items:      []checkout.ItemInput{{ID: "ebook", Quantity: 1}},
			wantStatus: model.StatusReadyForPayment,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, cat := newEscalationFixture(t, tc.rules)
			cat.set("ebook", tc.escalation)
			in := checkout.CreateInput{Items: tc.items}
			if tc.wantStatus == model.StatusReadyForPayment {
				in.FulfillmentDetails = &model.FulfillmentDetails{Address: address("US", "CA")}
			}
			sess := f.create(t, in)
			wantURL := strings.ReplaceAll(tc.wantURL, "S", sess.ID)
			if sess.Status != tc.wantStatus || sess.ContinueURL != wantURL {
				t.Fatalf("status %s, continue_url %q; want %s, %q\n%+v", sess.Status, sess.ContinueURL, tc.wantStatus, wantURL, sess.Messages)
			}
			if tc.wantCode == "" {
				if sess.Messages.HasErrors() {
					t.Errorf("unexpected errors: %+v", sess.Messages)
				}
				return
			}
			wantResolve := tc.wantResolve
			if wantResolve == "" {
				wantResolve = acp.ResolutionBuyerInput
			}
			errs := messagesAt(sess, acp.MessageError, "", tc.wantParam)
			var m *acp.Message
			if len(errs) > 0 {
				m = &errs[0]
			}
			if m == nil || m.Code != tc.wantCode || m.Content != strings.ReplaceAll(tc.wantContent, "=S", "="+sess.ID) || m.Resolution != wantResolve {
				t.Errorf("message at %s = %+v, want code %s, content %q", tc.wantParam, m, tc.wantCode, tc.wantContent)
			}
			if others := len(messagesAt(sess, acp.MessageError, "", "$.fulfillment_details.address")) > 0; others != tc.wantOthers {
				t.Errorf("other errors listed %v, want %v: %+v", others, tc.wantOthers, sess.Messages)
			}
		})
	}
}

// TestEscalationBrokenCatalog checks that a catalog escalating with a code
// ACP lacks or a page that is no absolute http(s) URL fails the call as
// an unavailable capability, never reaching the agent as such.
func TestEscalationBrokenCatalog(t *testing.T) {
	t.Parallel()
	for name, e := range map[string]*catalog.Escalation{
		"unknown code":  {Code: "adults_only"},
		"no code":       {Code: ""},
		"relative page": {Code: acp.CodeRequiresSignIn, ContinueURL: "/members"},
		"page in HTML":  {Code: acp.CodeRequiresSignIn, ContinueURL: `https://shop.test/"><script>`},
		"payment code":  {Code: acp.CodeRequires3DS},
		"stock code":    {Code: acp.CodeOutOfStock},
		"script page":   {Code: acp.CodeRequiresSignIn, ContinueURL: "javascript://shop.test/%0Aalert(1)"},
		"item as host":  {Code: acp.CodeRequiresSignIn, ContinueURL: "https://{item_id}/x"},
		"backslash":     {Code: acp.CodeRequiresSignIn, ContinueURL: `https://shop.test\@evil.test/`},
		"bidi override": {Code: acp.CodeRequiresSignIn, ContinueURL: "https://shop.test/\u202egpj.exe"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, cat := newEscalationFixture(t, checkout.Escalation{ContinueURL: testPage})
			cat.set("ebook", e)
			_, err := f.svc.Create(context.Background(), "agent", "2026-04-17", checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}, nil)
			var apiErr *apierr.Error
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable || apiErr.Code != apierr.CodeUpstreamUnavailable {
				t.Errorf("Create() error = %v, want the catalog unavailable", err)
			}
		})
	}
}

// TestEscalationLifecycle checks that removing the escalated item clears
// the escalation, that complete refuses an escalated session without
// calling the handler, and that an item escalating between the last
// answer and complete is reported, not charged.
func TestEscalationLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, cat := newEscalationFixture(t, checkout.Escalation{ContinueURL: testPage})
	cat.set("ebook", &catalog.Escalation{Code: acp.CodeAgeVerificationRequired})
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	if sess.Status != model.StatusRequiresEscalation {
		t.Fatalf("status %s, want requires_escalation", sess.Status)
	}

	_, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	var apiErr *apierr.Error
	if !errors.As(err, &apiErr) || apiErr.Code != apierr.CodeRequiresEscalation || apiErr.Param != "$.line_items[0]" ||
		!strings.Contains(apiErr.Message, "https://shop.test/go?s="+sess.ID) || apiErr.Status != http.StatusBadRequest {
		t.Fatalf("Complete() error = %v, want requires_escalation naming the page", err)
	}
	if f.sandbox.Steps(sess.ID+":attempt:1") != nil || f.sandbox.Charges() != 0 {
		t.Fatalf("the handler was called: %v", f.sandbox.Steps(sess.ID+":attempt:1"))
	}

	sess, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{Items: optional.Of([]checkout.ItemInput{{ID: "beans", Quantity: 1}}),
		FulfillmentDetails: optional.Of(&model.FulfillmentDetails{Address: address("US", "CA")})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Status != model.StatusReadyForPayment || sess.ContinueURL != "" || sess.Messages.HasErrors() {
		t.Fatalf("after removing the item: status %s, continue_url %q, %+v", sess.Status, sess.ContinueURL, sess.Messages)
	}

	// The catalog escalates beans after the session was last answered.
	cat.set("beans", &catalog.Escalation{Code: acp.CodeRequiresSignIn})
	sess, err = f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Status != model.StatusRequiresEscalation || sess.Payment != nil || f.sandbox.Charges() != 0 {
		t.Fatalf("complete of a newly escalated cart: status %s, payment %+v, %d charges", sess.Status, sess.Payment, f.sandbox.Charges())
	}
}

// TestEscalationCompleteError checks that complete's refusal quotes the
// escalation (its reason and page, at its param), not another error the
// escalated line or the totals also carry: a line that cannot be shipped
// where it goes, a line in a fulfillment group, the cart limit.
func TestEscalationCompleteError(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		rules      checkout.Escalation
		escalate   string // the escalated item, if any
		in         checkout.CreateInput
		wantParam  string
		wantReason string
		wantURL    string // with S for the session id
	}{
		"escalated item that cannot be shipped there": {
			rules: checkout.Escalation{ContinueURL: testPage}, escalate: "tee",
			in:        checkout.CreateInput{Items: []checkout.ItemInput{{ID: "tee", Quantity: 1}}, FulfillmentDetails: &model.FulfillmentDetails{Address: address("FR", "")}},
			wantParam: "$.line_items[0]", wantReason: "Tee can only be bought signed in to an account on the store's own page.",
			wantURL: "https://shop.test/go?s=S&i=tee",
		},
		"escalated item in a fulfillment group": {
			rules: checkout.Escalation{ContinueURL: testPage}, escalate: "tee",
			in: checkout.CreateInput{
				Items:              []checkout.ItemInput{{ID: "ebook", Quantity: 1}, {ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}},
				FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
				Groups:             []checkout.GroupInput{{ID: "g", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: address("FR", "")}}},
			},
			wantParam: "$.line_items[2]", wantReason: "Tee can only be bought signed in to an account on the store's own page.",
			wantURL: "https://shop.test/go?s=S&i=tee",
		},
		"cart above the limit, shipped nowhere": {
			rules:     checkout.Escalation{ContinueURL: testPage, MaxCartTotal: 1000},
			in:        checkout.CreateInput{Items: []checkout.ItemInput{{ID: "tee", Quantity: 1}}, FulfillmentDetails: &model.FulfillmentDetails{Address: address("FR", "")}},
			wantParam: "$.totals", wantReason: "Orders over 10.00 USD can only be placed on the store's own page.",
			wantURL: "https://shop.test/go?s=S&i=",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, cat := newEscalationFixture(t, tc.rules)
			if tc.escalate != "" {
				cat.set(tc.escalate, &catalog.Escalation{Code: acp.CodeRequiresSignIn})
			}
			sess := f.create(t, tc.in)
			wantURL := strings.ReplaceAll(tc.wantURL, "=S", "="+sess.ID)
			if sess.Status != model.StatusRequiresEscalation || sess.ContinueURL != wantURL {
				t.Fatalf("status %s, continue_url %q; want requires_escalation, %q\n%+v", sess.Status, sess.ContinueURL, wantURL, sess.Messages)
			}
			if len(sess.Messages) < 2 {
				t.Fatalf("want another error besides the escalation: %+v", sess.Messages)
			}
			_, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
			want := "Checkout session " + sess.ID + " cannot be paid through the API: " + tc.wantReason + " Continue at " + wantURL
			var apiErr *apierr.Error
			if !errors.As(err, &apiErr) || apiErr.Code != apierr.CodeRequiresEscalation || apiErr.Param != tc.wantParam || apiErr.Message != want {
				t.Errorf("Complete() error = %+v, want requires_escalation at %s: %q", err, tc.wantParam, want)
			}
			if f.sandbox.Charges() != 0 {
				t.Errorf("%d charges", f.sandbox.Charges())
			}
		})
	}
}
