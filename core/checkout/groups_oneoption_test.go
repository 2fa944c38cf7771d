package checkout_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	"github.com/acp-sidecar/acp/sdk/shipping"
)

// selectIn updates the session's selections and returns the answer.
func selectIn(f *fixture, id string, sels ...checkout.SelectionInput) (*model.Session, error) {
	return f.svc.Update(context.Background(), "agent", id, checkout.UpdateInput{Selections: optional.Of(sels)}, nil)
}

// A fulfillment group ships by one option: explicit selections that would
// give its lines two options are refused, a selection naming part of the
// group carries all of it, naming the same option for each line is one
// selection, and the order system and the order's planned fulfillment
// get that one option with its whole charge.
func TestGroupShipsByOneOption(t *testing.T) {
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
	newSession := func() *model.Session {
		return f.create(t, checkout.CreateInput{
			Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}, {ID: "ebook", Quantity: 1}},
			FulfillmentDetails: &model.FulfillmentDetails{Name: "Ada", Address: address("US", "CA")},
			Groups:             []checkout.GroupInput{{ID: "home", ItemIDs: []string{"li_mug", "li_tee"}, Type: acp.FulfillmentShipping}},
		})
	}
	ship := func(option string, items ...string) checkout.SelectionInput {
		return checkout.SelectionInput{Type: acp.FulfillmentShipping, OptionID: option, ItemIDs: items}
	}
	testCases := map[string]struct {
		sels     []checkout.SelectionInput
		param    string // the refusal's param, or "" for success
		selected []string
	}{
		"two options for one group": {
			sels:  []checkout.SelectionInput{ship("home/standard", "li_mug"), ship("home/express", "li_tee")},
			param: "$.selected_fulfillment_options[1]",
		},
		"two options, item ids": {
			sels:  []checkout.SelectionInput{ship("home/express", "tee"), ship("home/standard", "mug")},
			param: "$.selected_fulfillment_options[1]",
		},
		"part of the group carries all of it": {
			sels:     []checkout.SelectionInput{ship("home/express", "li_mug")},
			selected: []string{"email[li_ebook]=0", "home/express[li_mug li_tee]=1700"},
		},
		"one option named per line": {
			sels:     []checkout.SelectionInput{ship("home/express", "li_mug"), ship("home/express", "li_tee")},
			selected: []string{"email[li_ebook]=0", "home/express[li_mug li_tee]=1700"},
		},
		"no item ids": {
			sels:     []checkout.SelectionInput{ship("home/express")},
			selected: []string{"email[li_ebook]=0", "home/express[li_mug li_tee]=1700"},
		},
	}
	for name, tc := range testCases {
		sess := newSession()
		if got, want := selected(sess), []string{"email[li_ebook]=0", "home/standard[li_mug li_tee]=500"}; !slices.Equal(got, want) {
			t.Fatalf("%s: default selection = %v, want %v", name, got, want)
		}
		got, err := selectIn(f, sess.ID, tc.sels...)
		if tc.param != "" {
			if err == nil {
				t.Errorf("%s: selected %v, want a refusal", name, selected(got))
				continue
			}
			e := apiError(t, err)
			if e.Status != 400 || e.Code != apierr.CodeInvalid || e.Param != tc.param || !strings.Contains(e.Message, "split the group") {
				t.Errorf("%s: error = %d %s %q at %q, want 400 invalid at %q telling to split the group", name, e.Status, e.Code, e.Message, e.Param, tc.param)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Update() error = %v", name, err)
			continue
		}
		if !slices.Equal(selected(got), tc.selected) || got.Totals.Fulfillment != 1700 || got.Status != model.StatusReadyForPayment {
			t.Errorf("%s: selected %v, fulfillment %d, status %s; want %v, 1700, ready", name, selected(got), got.Totals.Fulfillment, got.Status, tc.selected)
		}
	}

	sess := newSession()
	if _, err := selectIn(f, sess.ID, ship("home/express", "li_tee")); err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	done, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v", done, err)
	}
	mu.Lock()
	groups := placed[len(placed)-1].Groups
	mu.Unlock()
	if len(groups) != 1 || groups[0].OptionID != "express" || groups[0].Amount != 1700 || !slices.Equal(groups[0].LineIDs, []string{"li_mug", "li_tee"}) {
		t.Errorf("order system's groups = %+v, want home by express for 1700", groups)
	}
	fs := done.Order.Fulfillments
	if len(fs) != 1 || fs[0].ID != "ful_home" || !slices.Equal(fs[0].Lines, []model.LineQuantity{{ID: "li_mug", Quantity: 1}, {ID: "li_tee", Quantity: 1}}) {
		t.Errorf("planned fulfillments = %+v", fs)
	}
}

// A group no one option can carry gets no default: the session says on
// the group to split it and is not ready for payment; an explicit option
// that cannot carry the whole group is refused. A line no option of its
// group carries keeps its own message, and the rest of the group its
// option.
func TestGroupWithoutOneOption(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, fixedShipping(
		shipping.Option{ID: "mugs", Type: acp.FulfillmentShipping, LineIDs: []string{"li_mug"}, Amount: 300},
		shipping.Option{ID: "tees", Type: acp.FulfillmentShipping, LineIDs: []string{"li_tee"}, Amount: 400},
		shipping.Option{ID: "counter", Type: acp.FulfillmentPickup, LineIDs: []string{"li_mug", "li_tee"}},
	))
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups:             []checkout.GroupInput{{ID: "home", ItemIDs: []string{"li_mug", "li_tee"}, Type: acp.FulfillmentShipping}},
	})
	if got := messagesAt(sess, "", "", "$.fulfillment_groups[0]"); len(got) != 1 || got[0].Type != acp.MessageError || got[0].Code != acp.CodeUnsupported {
		t.Errorf("messages on the group = %v (all %+v), want one unsupported error", got, sess.Messages)
	}
	if len(sess.Selected) != 0 || sess.Totals.Fulfillment != 0 || sess.Status != model.StatusNotReadyForPayment {
		t.Errorf("selected %v, fulfillment %d, status %s; want none, 0, not ready", selected(sess), sess.Totals.Fulfillment, sess.Status)
	}
	for _, param := range []string{"$.line_items[0]", "$.line_items[1]"} {
		if got := messagesAt(sess, "", "", param); len(got) > 0 {
			t.Errorf("messages at %s = %v, want the group's only", param, got)
		}
	}
	_, err := selectIn(f, sess.ID, checkout.SelectionInput{Type: acp.FulfillmentShipping, OptionID: "home/mugs", ItemIDs: []string{"li_mug"}})
	if e := apiError(t, err); e.Param != "$.selected_fulfillment_options[0]" || !strings.Contains(e.Message, "li_tee") {
		t.Errorf("an option carrying part of the group: %s %q at %q", e.Code, e.Message, e.Param)
	}

	// Only the mug is carriable: it ships, the tee has its own message.
	g := newFixtureWith(t, fixedShipping(shipping.Option{ID: "mugs", Type: acp.FulfillmentShipping, LineIDs: []string{"li_mug"}, Amount: 300}))
	sess = g.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups:             []checkout.GroupInput{{ID: "home", ItemIDs: []string{"li_mug", "li_tee"}, Type: acp.FulfillmentShipping}},
	})
	if got := selected(sess); !slices.Equal(got, []string{"home/mugs[li_mug]=300"}) {
		t.Errorf("selected = %v, want the mug's option", got)
	}
	if got := messagesAt(sess, "", "", "$.line_items[1]"); len(got) != 1 || len(messagesAt(sess, "", "", "$.fulfillment_groups[0]")) != 0 {
		t.Errorf("messages = %+v, want one on the tee and none on the group", sess.Messages)
	}
}

// An option chosen for a group is kept across updates only while it can
// carry the whole group: widened when the group grows, dropped for the
// group's default when it cannot carry a line that joined.
func TestKeptGroupOptionFollowsTheGroup(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, fixedShipping(
		shipping.Option{ID: "fast", Type: acp.FulfillmentShipping, LineIDs: []string{"li_mug"}, Amount: 900},
		shipping.Option{ID: "slow", Type: acp.FulfillmentShipping, LineIDs: []string{"li_mug", "li_tee", "li_beans"}, Amount: 400},
		shipping.Option{ID: "boxed", Type: acp.FulfillmentShipping, LineIDs: []string{"li_mug", "li_beans"}, Amount: 700},
	))
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}, {ID: "beans", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
		Groups: []checkout.GroupInput{
			{ID: "a", ItemIDs: []string{"li_mug"}, Type: acp.FulfillmentShipping},
			{ID: "b", ItemIDs: []string{"li_tee", "li_beans"}, Type: acp.FulfillmentShipping},
		},
	})
	sess, err := selectIn(f, sess.ID,
		checkout.SelectionInput{Type: acp.FulfillmentShipping, OptionID: "a/boxed"},
		checkout.SelectionInput{Type: acp.FulfillmentShipping, OptionID: "b/slow"})
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	regroup := func(a, b []string) *model.Session {
		t.Helper()
		groups := []checkout.GroupInput{{ID: "a", ItemIDs: a, Type: acp.FulfillmentShipping}}
		if len(b) > 0 {
			groups = append(groups, checkout.GroupInput{ID: "b", ItemIDs: b, Type: acp.FulfillmentShipping})
		}
		got, err := f.svc.Update(context.Background(), "agent", sess.ID, checkout.UpdateInput{Groups: optional.Of(groups)}, nil)
		if err != nil {
			t.Fatalf("Update() error = %v", err)
		}
		return got
	}
	// The beans join a: boxed carries them too; b keeps slow for the tee.
	sess = regroup([]string{"li_mug", "li_beans"}, []string{"li_tee"})
	if got, want := selected(sess), []string{"a/boxed[li_mug li_beans]=700", "b/slow[li_tee]=400"}; !slices.Equal(got, want) {
		t.Errorf("after the beans joined a: selected %v, want %v", got, want)
	}
	// The tee joins a: boxed cannot carry it, so a falls back to its
	// default, slow, for the whole group.
	sess = regroup([]string{"li_mug", "li_beans", "li_tee"}, nil)
	if got, want := selected(sess), []string{"a/slow[li_mug li_tee li_beans]=400"}; !slices.Equal(got, want) {
		t.Errorf("after the tee joined a: selected %v, want %v", got, want)
	}
	if sess.Status != model.StatusReadyForPayment {
		t.Errorf("status = %s, messages %+v", sess.Status, sess.Messages)
	}
}

// Groups and a selection in one update: the selection may name a group's
// option by the provider's id ("express") when the lines it names are in
// one group offering it; otherwise the error names the options offered
// for those lines by their session ids.
func TestSelectionByTheProvidersOptionID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{
		Items:              []checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "tee", Quantity: 1}, {ID: "ebook", Quantity: 1}},
		FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")},
	})
	update := func(sels ...checkout.SelectionInput) (*model.Session, error) {
		return f.svc.Update(context.Background(), "agent", sess.ID, checkout.UpdateInput{
			Groups: optional.Of([]checkout.GroupInput{
				{ID: "g_ny", ItemIDs: []string{"li_mug"}, Type: acp.FulfillmentShipping, Details: &model.FulfillmentDetails{Address: address("US", "NY")}},
				{ID: "g_ca", ItemIDs: []string{"li_tee"}, Type: acp.FulfillmentShipping},
			}),
			Selections: optional.Of(sels),
		}, nil)
	}
	got, err := update(checkout.SelectionInput{Type: acp.FulfillmentShipping, OptionID: "express", ItemIDs: []string{"li_mug"}})
	if err != nil {
		t.Fatalf("Update() error = %v", err)
	}
	if s, want := selected(got), []string{"email[li_ebook]=0", "g_ny/express[li_mug]=1600", "g_ca/standard[li_tee]=500"}; !slices.Equal(s, want) {
		t.Errorf("selected = %v, want %v", s, want)
	}
	for name, tc := range map[string]struct {
		sel  checkout.SelectionInput
		want string
	}{
		"unknown option": {checkout.SelectionInput{OptionID: "overnight", ItemIDs: []string{"mug"}},
			`Fulfillment option "overnight" is not available for this checkout session. Options for these line items are g_ny/standard, g_ny/express.`},
		"lines of two groups": {checkout.SelectionInput{OptionID: "express", ItemIDs: []string{"li_mug", "li_tee"}},
			`Fulfillment option "express" is not available for this checkout session. Options for these line items are g_ny/standard, g_ny/express, g_ca/standard, g_ca/express.`},
		"no item ids": {checkout.SelectionInput{OptionID: "express"},
			`Fulfillment option "express" is not available for this checkout session. Its options are email, g_ny/standard, g_ny/express, g_ca/standard, g_ca/express.`},
	} {
		_, err := update(tc.sel)
		if e := apiError(t, err); e.Code != apierr.CodeInvalid || e.Param != "$.selected_fulfillment_options[0].option_id" || e.Message != tc.want {
			t.Errorf("%s: %s %q at %q, want %q", name, e.Code, e.Message, e.Param, tc.want)
		}
	}
}
