package host_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

const (
	// splitPickupSF is the demo's pickup location, where a pickup group
	// goes.
	splitPickupSF = `{"name":"Demo Coffee Roastery","line_one":"1 Ferry Building","city":"San Francisco","state":"CA","country":"US","postal_code":"94111"}`
	splitSF       = `{"name":"Ada","line_one":"1 Test St","city":"San Francisco","state":"CA","country":"US","postal_code":"94131"}`
	splitNY       = `{"name":"Grace","line_one":"2 Broadway","city":"New York","state":"NY","country":"US","postal_code":"10004"}`
	splitToronto  = `{"name":"Ada","line_one":"1 Main St","city":"Toronto","state":"ON","country":"CA","postal_code":"M5V 2T6"}`
)

// splitStep is one request of the split-fulfillment flow and what its
// answer must show.
type splitStep struct {
	name, path, body, schemaDef string
	status                      int
	// groups, options and selected are the ids the session must show,
	// in order; totals its totals by type; breakdown its tax by
	// jurisdiction.
	groups, options, selected []string
	totals                    map[string]int64
	breakdown                 map[string]int64
}

// splitSteps: a mug shipped home to California and a T-shirt shipped as a
// gift to New York, an ebook in no group; then express for the mug; then
// the T-shirt leaves the cart (and its group with it) and beans come in
// ungrouped; then the mug goes to Canada and the beans are picked up.
// Tax is 7.25 % in California, 4 % in New York, none in Canada, food
// untaxed, and fulfillment charges are taxed at their destination's rate.
func splitSteps() []splitStep {
	return []splitStep{
		{
			name: "create with two destinations", path: "/checkout_sessions", schemaDef: "CheckoutSessionCreateRequest", status: http.StatusCreated,
			body: `{"line_items":[{"id":"mug-classic"},{"id":"tee-logo"},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{},` +
				`"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":` + splitSF + `},` +
				`"fulfillment_groups":[{"id":"home","item_ids":["li_mug-classic"],"destination_type":"shipping"},` +
				`{"id":"gift","item_ids":["tee-logo"],"destination_type":"shipping","instructions":"Leave it with the doorman",` +
				`"fulfillment_details":{"name":"Grace","phone_number":"+12125550100","address":` + splitNY + `}}]}`,
			groups:   []string{"home", "gift"},
			options:  []string{"email", "home/standard", "home/express", "gift/standard", "gift/express"},
			selected: []string{"email", "home/standard", "gift/standard"},
			// Mug 1500 × 7.25 % = 109, ebook 999 at the session's
			// California = 72, home shipping 500 → 36; T-shirt 2000 × 4 %
			// = 80, gift shipping 500 → 20.
			totals:    map[string]int64{"subtotal": 4499, "fulfillment": 1000, "tax": 317, "total": 5816},
			breakdown: map[string]int64{"US-CA": 217, "US-NY": 100},
		},
		{
			name: "express for the home group", path: "/checkout_sessions/{id}", schemaDef: "CheckoutSessionUpdateRequest", status: http.StatusOK,
			body:     `{"selected_fulfillment_options":[{"type":"shipping","option_id":"home/express","item_ids":["li_mug-classic"]}]}`,
			groups:   []string{"home", "gift"},
			options:  []string{"email", "home/standard", "home/express", "gift/standard", "gift/express"},
			selected: []string{"email", "home/express", "gift/standard"},
			// Express for one mug is 1500 + 100 = 1600 → 116 tax.
			totals:    map[string]int64{"subtotal": 4499, "fulfillment": 2100, "tax": 397, "total": 6996},
			breakdown: map[string]int64{"US-CA": 297, "US-NY": 100},
		},
		{
			name: "the T-shirt leaves: its group goes", path: "/checkout_sessions/{id}", schemaDef: "CheckoutSessionUpdateRequest", status: http.StatusOK,
			body:     `{"line_items":[{"id":"mug-classic"},{"id":"guide-brewing-ebook"},{"id":"beans-house-1kg"}]}`,
			groups:   []string{"home"},
			options:  []string{"standard", "express", "pickup-sf", "email", "home/standard", "home/express"},
			selected: []string{"standard", "email", "home/express"},
			// Beans (food, untaxed) ship standard with the ebook's cart
			// to California: 500 → 36.
			totals:    map[string]int64{"subtotal": 4899, "fulfillment": 2100, "tax": 333, "total": 7332},
			breakdown: map[string]int64{"US-CA": 333},
		},
		{
			name: "the mug to Canada, the beans picked up", path: "/checkout_sessions/{id}", schemaDef: "CheckoutSessionUpdateRequest", status: http.StatusOK,
			body: `{"fulfillment_groups":[{"id":"home","item_ids":["li_mug-classic"],"destination_type":"shipping","fulfillment_details":{"name":"Ada","address":` + splitToronto + `}},` +
				`{"id":"collect","item_ids":["li_beans-house-1kg"],"destination_type":"pickup","location_id":"pickup-sf"}]}`,
			groups:    []string{"home", "collect"},
			options:   []string{"email", "home/standard", "collect/pickup-sf"},
			selected:  []string{"email", "home/standard", "collect/pickup-sf"},
			totals:    map[string]int64{"subtotal": 4899, "fulfillment": 500, "tax": 72, "total": 5471},
			breakdown: map[string]int64{"US-CA": 72},
		},
	}
}

// A checkout split into fulfillment groups, under both versions that have
// them: options, selection, tax and totals per destination, the same
// through the built-in providers and through the plugins (subprocesses,
// the tax table and shipping zones ignoring or using the group), and the
// order carrying the groups to the order system and in its planned
// fulfillments, which the store then reports on by id.
func TestSplitFulfillment(t *testing.T) {
	t.Parallel()
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			in := &intake{t: t}
			intakeServer := httptest.NewServer(in)
			defer intakeServer.Close()
			pluginsCfg := pluginsStore(t, t.TempDir(), intakeServer.URL)
			for i := range pluginsCfg.Plugins {
				if pluginsCfg.Plugins[i].Name == "tax" {
					pluginsCfg.Plugins[i].Config["shipping_taxable"] = true
				}
			}
			plugins := startServerEnv(t, pluginsCfg, map[string]string{"ACP_ORDER_INTAKE_SECRET": intakeSecret})
			builtinCfg := loadConfig(t, "../../acp.yaml", t.TempDir())
			builtinCfg.Tax.ShippingTaxable = true
			builtin := startServer(t, builtinCfg)
			schema := acpschema.For(t, version)

			var pluginID, builtinID string
			for _, step := range splitSteps() {
				schema.Def(t, step.schemaDef, []byte(step.body))
				p := plugins.do(t, request{path: strings.Replace(step.path, "{id}", pluginID, 1), version: version, body: step.body, token: demoToken})
				b := builtin.do(t, request{path: strings.Replace(step.path, "{id}", builtinID, 1), version: version, body: step.body, token: demoToken})
				wantStatus(t, p, step.status)
				wantStatus(t, b, step.status)
				pm, bm := p.json(t), b.json(t)
				pluginID, builtinID = pm["id"].(string), bm["id"].(string)
				if diff := sessionDiff(pm, bm); diff != "" {
					t.Errorf("%s: plugins and built-in answers differ:\n%s", step.name, diff)
				}
				if g, w := jsonOf(pm["fulfillment_groups"]), jsonOf(bm["fulfillment_groups"]); g != w {
					t.Errorf("%s: groups differ:\n  plugins  %s\n  built-in %s", step.name, g, w)
				}
				checkSplitSession(t, step, bm)
			}

			// The groups are echoed with line item ids and their details.
			shown := plugins.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + pluginID, version: version, token: demoToken})
			wantStatus(t, shown, http.StatusOK)
			groups := shown.json(t)["fulfillment_groups"].([]any)
			home, collect := groups[0].(map[string]any), groups[1].(map[string]any)
			if jsonOf(home["item_ids"]) != `["li_mug-classic"]` || home["fulfillment_details"].(map[string]any)["address"].(map[string]any)["city"] != "Toronto" ||
				collect["destination_type"] != "pickup" || collect["location_id"] != "pickup-sf" {
				t.Errorf("groups = %s", jsonOf(groups))
			}

			completeBody := demoComplete
			schema.Def(t, "CheckoutSessionCompleteRequest", []byte(completeBody))
			for _, s := range []struct {
				srv *server
				id  string
			}{{plugins, pluginID}, {builtin, builtinID}} {
				done := s.srv.do(t, request{path: "/checkout_sessions/" + s.id + "/complete", version: version, body: completeBody, token: demoToken})
				wantStatus(t, done, http.StatusOK)
				if status(t, done) != "completed" || totalOf(t, done.json(t), "total") != 5471 {
					t.Fatalf("complete: %s", done.body)
				}
				order := done.json(t)["order"].(map[string]any)
				checkPlannedFulfillments(t, s.srv, version, order["id"].(string), done.json(t))
			}

			calls := in.received()
			if len(calls) != 1 {
				t.Fatalf("intake received %d calls, want 1", len(calls))
			}
			body := calls[0].body
			wantGroups := `[{"amount":500,"destination":` + canonical(t, splitToronto) + `,"fulfillment_option_id":"standard","id":"home","line_ids":["li_mug-classic"],"recipient":{"name":"Ada"},"type":"shipping"},` +
				`{"amount":0,"destination":` + canonical(t, splitPickupSF) + `,"fulfillment_option_id":"pickup-sf","id":"collect","line_ids":["li_beans-house-1kg"],"location_id":"pickup-sf","type":"pickup"}]`
			if got := jsonOf(body["fulfillment_groups"]); got != wantGroups {
				t.Errorf("intake's fulfillment_groups =\n  %s\nwant\n  %s", got, wantGroups)
			}
			if got := jsonOf(body["fulfillment_option_ids"]); got != `["email","home/standard","collect/pickup-sf"]` {
				t.Errorf("intake's fulfillment_option_ids = %s", got)
			}
			if got := jsonOf(body["recipient"]); got != `{"email":"ada@example.com","name":"Ada"}` {
				t.Errorf("intake's recipient = %s, want the session's fulfillment contact", got)
			}
			if dest := body["destination"].(map[string]any); dest["city"] != "San Francisco" {
				t.Errorf("intake's destination = %v, want the session's", dest)
			}
			for _, l := range body["lines"].([]any) {
				if l := l.(map[string]any); l["product_id"] == nil || l["product_id"] == "" {
					t.Errorf("intake's line %v has no product_id", l)
				}
			}
		})
	}
}

// checkSplitSession checks a session against what its step expects.
func checkSplitSession(t *testing.T, step splitStep, sess map[string]any) {
	t.Helper()
	ids := func(key, member string) []string {
		var out []string
		list, _ := sess[key].([]any)
		for _, v := range list {
			out = append(out, v.(map[string]any)[member].(string))
		}
		return out
	}
	if got := ids("fulfillment_groups", "id"); !slices.Equal(got, step.groups) {
		t.Errorf("%s: groups = %v, want %v", step.name, got, step.groups)
	}
	if got := ids("fulfillment_options", "id"); !slices.Equal(got, step.options) {
		t.Errorf("%s: options = %v, want %v", step.name, got, step.options)
	}
	if got := ids("selected_fulfillment_options", "option_id"); !slices.Equal(got, step.selected) {
		t.Errorf("%s: selected = %v, want %v", step.name, got, step.selected)
	}
	if sess["status"] != "ready_for_payment" {
		t.Errorf("%s: status = %v, messages %s", step.name, sess["status"], jsonOf(sess["messages"]))
	}
	breakdown := map[string]int64{}
	for _, tot := range sess["totals"].([]any) {
		tot := tot.(map[string]any)
		typ := tot["type"].(string)
		if want, ok := step.totals[typ]; ok && int64(tot["amount"].(float64)) != want {
			t.Errorf("%s: %s = %v, want %d", step.name, typ, tot["amount"], want)
		}
		if typ != "tax" {
			continue
		}
		list, _ := tot["breakdown"].([]any)
		for _, j := range list {
			j := j.(map[string]any)
			breakdown[j["jurisdiction"].(string)] = int64(j["amount"].(float64))
		}
	}
	if fmt.Sprint(breakdown) != fmt.Sprint(step.breakdown) {
		t.Errorf("%s: tax breakdown = %v, want %v", step.name, breakdown, step.breakdown)
	}
}

// checkPlannedFulfillments checks the order's planned fulfillments, one
// per group, then reports the home group shipped through the merchant
// API by the planned fulfillment's id.
func checkPlannedFulfillments(t *testing.T, s *server, version, orderID string, completed map[string]any) {
	t.Helper()
	if version == v0417 {
		fulfillments := completed["order"].(map[string]any)["fulfillments"].([]any)
		if len(fulfillments) != 2 {
			t.Fatalf("order fulfillments = %s, want one per group", jsonOf(fulfillments))
		}
		home, collect := fulfillments[0].(map[string]any), fulfillments[1].(map[string]any)
		if home["id"] != "ful_home" || home["type"] != "shipping" || home["status"] != "pending" ||
			home["destination"].(map[string]any)["city"] != "Toronto" || jsonOf(home["line_items"]) != `[{"id":"li_mug-classic","quantity":1}]` {
			t.Errorf("home fulfillment = %s", jsonOf(home))
		}
		if collect["id"] != "ful_collect" || collect["type"] != "pickup" || collect["destination"].(map[string]any)["name"] != "Demo Coffee Roastery" {
			t.Errorf("collect fulfillment = %s", jsonOf(collect))
		}
	}
	// The merchant API's answers are checked against its OpenAPI document.
	m := &merchantClient{t: t, base: s.base, api: loadOpenAPI(t), checked: map[string]bool{}}
	const token = "demo-merchant-local-token"
	if code, before := m.call(http.MethodGet, "/orders/"+orderID, "", token); code != http.StatusOK || dig(before, "fulfillments") == nil {
		t.Fatalf("merchant order: %d %v", code, before)
	}
	code, shipped := m.call(http.MethodPost, "/orders/"+orderID+"/fulfillments", `{"id":"ful_home","status":"shipped","carrier":"UPS","tracking_number":"1Z999"}`, token)
	if code != http.StatusOK || dig(shipped, "status") != "processing" {
		t.Errorf("order after the home group shipped: %d %s", code, jsonOf(shipped))
	}
	if fulfillments, _ := dig(shipped, "fulfillments").([]any); len(fulfillments) != 2 || dig(fulfillments[0], "status") != "shipped" || dig(fulfillments[0], "planned") != true {
		t.Fatalf("merchant order fulfillments = %s, want the two planned ones, the home one updated in place", jsonOf(dig(shipped, "fulfillments")))
	}
	if version == v0417 {
		sess := s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + completed["id"].(string), version: version, token: demoToken})
		wantStatus(t, sess, http.StatusOK)
		home := sess.json(t)["order"].(map[string]any)["fulfillments"].([]any)[0].(map[string]any)
		if home["status"] != "shipped" || home["tracking_number"] != "1Z999" {
			t.Errorf("home fulfillment after the store's report = %s", jsonOf(home))
		}
	}
}

func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// canonical re-encodes a JSON object with sorted keys, as jsonOf does.
func canonical(t *testing.T, raw string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatal(err)
	}
	return jsonOf(v)
}

// Bad fulfillment groups are refused with the JSONPath of the fault and
// change nothing; a shipping group with no address anywhere is a message
// on the group, and clearing the groups (an empty list) brings the checkout
// back to one destination.
func TestSplitFulfillmentBadGroups(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadConfig(t, "../../acp.yaml", t.TempDir()))
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			schema := acpschema.For(t, version)
			create := `{"line_items":[{"id":"mug-classic"},{"id":"tee-logo"}],"currency":"usd","capabilities":{},` +
				`"fulfillment_groups":[{"id":"gift","item_ids":["li_tee-logo"],"destination_type":"shipping"}]}`
			schema.Def(t, "CheckoutSessionCreateRequest", []byte(create))
			created := s.do(t, request{path: "/checkout_sessions", version: version, body: create, token: demoToken})
			wantStatus(t, created, http.StatusCreated)
			sess := created.json(t)
			if sess["status"] != "not_ready_for_payment" || !strings.Contains(string(created.body), `"param":"$.fulfillment_groups[0].fulfillment_details.address"`) {
				t.Errorf("a shipping group without an address: %s", created.body)
			}
			path := "/checkout_sessions/" + sess["id"].(string)
			testCases := map[string]struct {
				groups, code, param string
			}{
				"unknown item":       {`[{"id":"a","item_ids":["li_grinder-pro"],"destination_type":"shipping"}]`, "invalid", "$.fulfillment_groups[0].item_ids[0]"},
				"line in two groups": {`[{"id":"a","item_ids":["li_mug-classic"],"destination_type":"shipping"},{"id":"b","item_ids":["tee-logo","mug-classic"],"destination_type":"pickup"}]`, "invalid", "$.fulfillment_groups[1].item_ids[1]"},
				"line twice":         {`[{"id":"a","item_ids":["li_mug-classic","mug-classic"],"destination_type":"shipping"}]`, "invalid", "$.fulfillment_groups[0].item_ids[1]"},
				"duplicate id":       {`[{"id":"a","item_ids":["li_mug-classic"],"destination_type":"shipping"},{"id":"a","item_ids":["li_tee-logo"],"destination_type":"shipping"}]`, "invalid", "$.fulfillment_groups[1].id"},
				"unknown type":       {`[{"id":"a","item_ids":["li_mug-classic"],"destination_type":"drone"}]`, "invalid", "$.fulfillment_groups[0].destination_type"},
				"missing type":       {`[{"id":"a","item_ids":["li_mug-classic"]}]`, "missing", "$.fulfillment_groups[0].destination_type"},
				"missing id":         {`[{"item_ids":["li_mug-classic"],"destination_type":"shipping"}]`, "missing", "$.fulfillment_groups[0].id"},
				"missing item_ids":   {`[{"id":"a","destination_type":"shipping"}]`, "missing", "$.fulfillment_groups[0].item_ids"},
				"no item_ids":        {`[{"id":"a","item_ids":[],"destination_type":"shipping"}]`, "invalid", "$.fulfillment_groups[0].item_ids"},
				"bad address":        {`[{"id":"a","item_ids":["li_mug-classic"],"destination_type":"shipping","fulfillment_details":{"address":{"name":"A","line_one":"1 St","city":"X","state":"CA","country":"USA","postal_code":"1"}}}]`, "invalid", "$.fulfillment_groups[0].fulfillment_details.address.country"},
				"item_ids not list":  {`[{"id":"a","item_ids":"li_mug-classic","destination_type":"shipping"}]`, "invalid_type", "$.fulfillment_groups[0].item_ids"},
			}
			for name, tc := range testCases {
				body := `{"fulfillment_groups":` + tc.groups + `}`
				r := s.do(t, request{path: path, version: version, body: body, token: demoToken})
				if r.status != http.StatusBadRequest || r.json(t)["code"] != tc.code || r.json(t)["param"] != tc.param {
					t.Errorf("%s: %d %s, want 400 %s at %s", name, r.status, r.body, tc.code, tc.param)
				}
				bad := s.do(t, request{path: "/checkout_sessions", version: version, token: demoToken,
					body: `{"line_items":[{"id":"mug-classic"},{"id":"tee-logo"}],"currency":"usd","capabilities":{},"fulfillment_groups":` + tc.groups + `}`})
				if bad.status != http.StatusBadRequest || bad.json(t)["param"] != tc.param {
					t.Errorf("%s on create: %d %s, want 400 at %s", name, bad.status, bad.body, tc.param)
				}
			}
			after := s.do(t, request{method: http.MethodGet, path: path, version: version, token: demoToken})
			if string(after.body) != string(created.body) {
				t.Errorf("session changed after rejected requests:\n%s\n%s", created.body, after.body)
			}

			// The session's address serves the group; then an empty list clears it.
			address := `{"fulfillment_details":{"name":"Ada","address":` + splitSF + `}}`
			schema.Def(t, "CheckoutSessionUpdateRequest", []byte(address))
			ready := s.do(t, request{path: path, version: version, body: address, token: demoToken})
			wantStatus(t, ready, http.StatusOK)
			if ready.json(t)["status"] != "ready_for_payment" || jsonOf(ready.json(t)["fulfillment_groups"]) == "null" {
				t.Errorf("with the session's address: %s", ready.body)
			}
			clear := `{"fulfillment_groups":[]}`
			schema.Def(t, "CheckoutSessionUpdateRequest", []byte(clear))
			cleared := s.do(t, request{path: path, version: version, body: clear, token: demoToken})
			wantStatus(t, cleared, http.StatusOK)
			m := cleared.json(t)
			if _, has := m["fulfillment_groups"]; has || strings.Contains(string(cleared.body), "gift/") {
				t.Errorf("after clearing the groups: %s", cleared.body)
			}
		})
	}
}
