package checkout_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// quoteLog records what providers were asked, as "<state> <line ids>
// <fulfillment charge>".
type quoteLog struct {
	mu       sync.Mutex
	shipping []string
	tax      []string
}

func (q *quoteLog) reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shipping, q.tax = nil, nil
}

func stateOf(a *acp.Address) string {
	if a == nil {
		return "-"
	}
	return a.State
}

// protocol11 wraps the built-in shipping and tax as providers of protocol
// 1.1, which never see the group, and logs their requests.
func protocol11(log *quoteLog) func(*checkout.Options) {
	ship := builtin.NewShipping(testOptions, nil)
	taxes := builtin.NewTax(testTax)
	return func(o *checkout.Options) {
		o.Capabilities.Shipping = shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			stripped := *req
			stripped.Group = nil
			var ids []string
			for _, l := range req.Lines {
				ids = append(ids, l.ID)
			}
			log.mu.Lock()
			log.shipping = append(log.shipping, fmt.Sprintf("%s %s", stateOf(req.Destination), strings.Join(ids, ",")))
			log.mu.Unlock()
			return ship.Quote(ctx, &stripped)
		})
		o.Capabilities.Tax = tax.Func(func(ctx context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
			stripped := *req
			stripped.Group = nil
			var ids []string
			for _, l := range req.Lines {
				ids = append(ids, l.ID)
			}
			log.mu.Lock()
			log.tax = append(log.tax, fmt.Sprintf("%s %s %d", stateOf(req.Destination), strings.Join(ids, ","), req.Fulfillment))
			log.mu.Unlock()
			return taxes.Quote(ctx, &stripped)
		})
	}
}

func optionIDs(sess *model.Session) []string {
	var out []string
	for _, o := range sess.Options {
		out = append(out, o.ID)
	}
	return out
}

func selected(sess *model.Session) []string {
	var out []string
	for _, s := range sess.Selected {
		out = append(out, fmt.Sprintf("%s%v=%d", s.OptionID, s.LineIDs, s.Amount))
	}
	return out
}

// Providers that ignore the group (protocol 1.1) still price a split
// checkout correctly: the host asks once per group with its destination
// and lines, keeps only options of the group's type, widens a selection
// naming part of a group's lines to the whole group (a group ships by one
// option) priced as quoted, and taxes each group at its destination with
// its own fulfillment charge.
func TestGroupsWithProvidersThatIgnoreThem(t *testing.T) {
	t.Parallel()
	log := &quoteLog{}
	f := newFixtureWith(t, protocol11(log))
	ny := address("US", "NY")
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "beans", Quantity: 1}, {ID: "ebook", Quantity: 1}, {ID: "tee", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Name: "Ada", Address: address("US", "CA")},
		Groups: []checkout.GroupInput{
			{ID: "g1", ItemIDs: []string{"li_mug", "tee"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Name: "Grace", Address: ny}},
			{ID: "g2", ItemIDs: []string{"li_beans"}, Type: acp.FulfillmentPickup},
		},
	})
	if got, want := optionIDs(sess), []string{"email", "g1/standard", "g1/express", "g2/pickup"}; !slices.Equal(got, want) {
		t.Fatalf("options = %v, want %v", got, want)
	}
	if got, want := selected(sess), []string{"email[li_ebook]=0", "g1/standard[li_mug li_tee]=500", "g2/pickup[li_beans]=0"}; !slices.Equal(got, want) {
		t.Errorf("default selection = %v, want %v", got, want)
	}

	log.reset()
	sess, err := f.svc.Update(context.Background(), "agent", sess.ID, checkout.UpdateInput{
		Selections: optional.Of([]checkout.SelectionInput{{Type: acp.FulfillmentShipping, OptionID: "g1/express", ItemIDs: []string{"li_mug"}}}),
	}, nil)
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	// Express for the mug and the tee, as quoted for the group: 1500 +
	// 2 × 100.
	if got, want := selected(sess), []string{"email[li_ebook]=0", "g1/express[li_mug li_tee]=1700", "g2/pickup[li_beans]=0"}; !slices.Equal(got, want) {
		t.Errorf("selection = %v, want %v", got, want)
	}
	wantShipping := []string{"CA li_ebook", "NY li_mug,li_tee", "CA li_beans"}
	if !slices.Equal(log.shipping, wantShipping) {
		t.Errorf("shipping was asked %q, want %q", log.shipping, wantShipping)
	}
	wantTax := []string{"CA li_ebook 0", "NY li_mug,li_tee 1700", "CA li_beans 0"}
	if !slices.Equal(log.tax, wantTax) {
		t.Errorf("tax was asked %q, want %q", log.tax, wantTax)
	}
	// Ebook 999 × 7.25 % = 72 in California; in New York mug 60, tee 80
	// and fulfillment 1700 × 4 % = 68; the beans are food.
	want := model.Totals{ItemsBaseAmount: 6899, Subtotal: 6899, Fulfillment: 1700, Tax: 280, Total: 8879}
	if sess.Totals != want {
		t.Errorf("totals = %+v, want %+v", sess.Totals, want)
	}
	wantBreakdown := []model.TaxShare{{Jurisdiction: "US-CA", Rate: 0.0725, Amount: 72}, {Jurisdiction: "US-NY", Rate: 0.04, Amount: 208}}
	if !slices.Equal(sess.TaxBreakdown, wantBreakdown) {
		t.Errorf("breakdown = %+v, want %+v", sess.TaxBreakdown, wantBreakdown)
	}
	if sess.Status != model.StatusReadyForPayment {
		t.Errorf("status = %s, messages %+v", sess.Status, sess.Messages)
	}
}

// A provider's messages about a group's quote point at the session's
// line and at the group's own address.
func TestGroupQuoteMessageParams(t *testing.T) {
	t.Parallel()
	ship := builtin.NewShipping(testOptions, nil)
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Shipping = shipping.Func(func(ctx context.Context, req *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
			resp, err := ship.Quote(ctx, req)
			if err == nil && req.Group != nil {
				resp.Messages.AddWarning("low_stock", "$.line_items[0].quantity", "Few left.")
				resp.Messages.AddWarning("slow_region", "$.fulfillment_details.address", "Slow here.")
			}
			return resp, err
		})
	})
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "ebook", Quantity: 1}, {ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups:             []checkout.GroupInput{{ID: "g", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: address("US", "NY")}}},
	})
	var params []string
	for _, m := range sess.Messages {
		params = append(params, m.Param)
	}
	for _, want := range []string{"$.line_items[2].quantity", "$.fulfillment_groups[0].fulfillment_details.address"} {
		if !slices.Contains(params, want) {
			t.Errorf("message params = %q, want %q among them", params, want)
		}
	}
}

// The order system receives the groups with their lines, destination,
// recipient, location, selected option and charge, and the single
// destination for systems that do not read groups; the order gets one
// planned fulfillment per group.
func TestGroupsReachTheOrder(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var placed []*fulfillment.PlaceOrderRequest
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Capabilities.Fulfillment = fulfillment.Funcs{PlaceOrderFunc: func(_ context.Context, req *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			placed = append(placed, req)
			return &fulfillment.PlaceOrderResponse{}, nil
		}}
	})
	ny := address("US", "NY")
	complete := func(in checkout.CreateInput) *model.Session {
		t.Helper()
		sess := f.create(t, in)
		done, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
		if err != nil || done.Status != model.StatusCompleted {
			t.Fatalf("Complete() = %v, %v (messages %+v)", done, err, sess.Messages)
		}
		return done
	}

	done := complete(checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 2}, {ID: "beans", Quantity: 1}, {ID: "ebook", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Name: "Ada", Address: address("US", "CA")},
		Groups: []checkout.GroupInput{
			{ID: "g1", ItemIDs: []string{"li_mug"}, Type: acp.FulfillmentShipping, Instructions: "Ring twice",
				Details: &model.FulfillmentDetails{Name: "Grace", Email: "grace@example.com", PhoneNumber: "+12125550100", Address: ny}},
			{ID: "g2", ItemIDs: []string{"li_beans"}, Type: acp.FulfillmentPickup, LocationID: "pickup"},
		},
	})
	req := placed[0]
	if stateOf(req.Destination) != "CA" || !slices.Equal(req.OptionIDs, []string{"email", "g1/standard", "g2/pickup"}) {
		t.Errorf("destination %v, option ids %v", req.Destination, req.OptionIDs)
	}
	wantGroups := []fulfillment.Group{
		{ID: "g1", Type: acp.FulfillmentShipping, LineIDs: []string{"li_mug"}, Destination: ny, RecipientName: "Grace", RecipientEmail: "grace@example.com",
			RecipientPhone: "+12125550100", Instructions: "Ring twice", OptionID: "standard", Amount: 500},
		{ID: "g2", Type: acp.FulfillmentPickup, LineIDs: []string{"li_beans"}, Destination: &acp.Address{Name: "Shop", State: "CA"}, LocationID: "pickup", OptionID: "pickup"},
	}
	if got, want := fmt.Sprintf("%+v", groupsOf(req.Groups)), fmt.Sprintf("%+v", groupsOf(wantGroups)); got != want {
		t.Errorf("groups =\n  %s\nwant\n  %s", got, want)
	}
	for _, l := range req.Lines {
		if l.ProductID == "" {
			t.Errorf("line %s has no product id", l.ID)
		}
	}
	fs := done.Order.Fulfillments
	if len(fs) != 2 || fs[0].ID != "ful_g1" || fs[0].Type != "shipping" || fs[0].Status != model.FulfillmentPending || !fs[0].Planned ||
		stateOf(fs[0].Destination) != "NY" || !slices.Equal(fs[0].Lines, []model.LineQuantity{{ID: "li_mug", Quantity: 2}}) ||
		fs[1].ID != "ful_g2" || fs[1].Type != "pickup" || fs[1].Destination == nil || fs[1].Destination.Name != "Shop" {
		t.Errorf("planned fulfillments = %+v", fs)
	}
	if done.Order.Status != model.OrderCreated {
		t.Errorf("order status = %s, want created: planned fulfillments do not count", done.Order.Status)
	}

	// Everything grouped and no address of the session's own: the single
	// destination is the first group's.
	complete(checkout.CreateInput{
		Items:  []checkout.ItemInput{{ID: "mug", Quantity: 1}},
		Groups: []checkout.GroupInput{{ID: "only", ItemIDs: []string{"mug"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: ny}}},
	})
	if last := placed[len(placed)-1]; stateOf(last.Destination) != "NY" || len(last.Groups) != 1 {
		t.Errorf("all grouped: destination %v, groups %+v", last.Destination, last.Groups)
	}
}

// groupsOf renders groups with their destinations' names and states, for
// comparing.
func groupsOf(groups []fulfillment.Group) []string {
	var out []string
	for _, g := range groups {
		g2 := g
		g2.Destination = nil
		name := "-"
		if g.Destination != nil {
			name = g.Destination.Name
		}
		out = append(out, fmt.Sprintf("%+v@%s/%s", g2, name, stateOf(g.Destination)))
	}
	return out
}

// Replacing the line items drops the lines that left from their groups,
// and a group left empty.
func TestGroupsFollowTheCart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}, {ID: "beans", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups: []checkout.GroupInput{
			{ID: "a", ItemIDs: []string{"li_mug", "li_tee"}, Type: acp.FulfillmentShipping},
			{ID: "b", ItemIDs: []string{"li_beans"}, Type: acp.FulfillmentPickup},
		},
	})
	sess, err := f.svc.Update(context.Background(), "agent", sess.ID, checkout.UpdateInput{
		Items: optional.Of([]checkout.ItemInput{{ID: "mug", Quantity: 3}, {ID: "ebook", Quantity: 1}}),
	}, nil)
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	if len(sess.Groups) != 1 || sess.Groups[0].ID != "a" || !slices.Equal(sess.Groups[0].LineIDs, []string{"li_mug"}) {
		t.Errorf("groups = %+v, want a with the mug only", sess.Groups)
	}
	if got, want := optionIDs(sess), []string{"email", "a/standard", "a/express"}; !slices.Equal(got, want) {
		t.Errorf("options = %v, want %v", got, want)
	}
}
