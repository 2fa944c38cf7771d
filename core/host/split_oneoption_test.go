package host_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// selectionsOf renders a session's selected options as
// "<option id><item ids>".
func selectionsOf(sess map[string]any) []string {
	var out []string
	list, _ := sess["selected_fulfillment_options"].([]any)
	for _, v := range list {
		sel := v.(map[string]any)
		out = append(out, sel["option_id"].(string)+jsonOf(sel["item_ids"]))
	}
	return out
}

// A fulfillment group ships by one option (the audit's case): two options
// chosen for one group's lines are refused with the selection's param and
// leave the session as it was; an option chosen for one line of the group
// carries the whole group; the order plans one fulfillment for the group
// with all its lines.
func TestSplitFulfillmentOneOptionPerGroup(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadConfig(t, "../../acp.yaml", t.TempDir()))
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			schema := acpschema.For(t, version)
			create := `{"line_items":[{"id":"mug-classic"},{"id":"tee-logo"},{"id":"beans-house-1kg"}],"currency":"usd","capabilities":{},` +
				`"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":` + splitSF + `},` +
				`"fulfillment_groups":[{"id":"home","item_ids":["li_mug-classic","li_tee-logo"],"destination_type":"shipping"},` +
				`{"id":"collect","item_ids":["li_beans-house-1kg"],"destination_type":"pickup","location_id":"pickup-sf"}]}`
			schema.Def(t, "CheckoutSessionCreateRequest", []byte(create))
			created := s.do(t, request{path: "/checkout_sessions", version: version, body: create, token: demoToken})
			wantStatus(t, created, http.StatusCreated)
			sess := created.json(t)
			path := "/checkout_sessions/" + sess["id"].(string)
			if got, want := strings.Join(selectionsOf(sess), " "), `home/standard["li_mug-classic","li_tee-logo"] collect/pickup-sf["li_beans-house-1kg"]`; got != want {
				t.Errorf("default selection = %s, want %s", got, want)
			}

			two := `{"selected_fulfillment_options":[{"type":"shipping","option_id":"home/standard","item_ids":["li_mug-classic"]},` +
				`{"type":"shipping","option_id":"home/express","item_ids":["li_tee-logo"]}]}`
			schema.Def(t, "CheckoutSessionUpdateRequest", []byte(two))
			refused := s.do(t, request{path: path, version: version, body: two, token: demoToken})
			wantStatus(t, refused, http.StatusBadRequest)
			if e := refused.json(t); e["code"] != "invalid" || e["param"] != "$.selected_fulfillment_options[1]" ||
				!strings.Contains(e["message"].(string), "ships by one option") || !strings.Contains(e["message"].(string), "split the group") {
				t.Errorf("two options for one group: %s", refused.body)
			}
			after := s.do(t, request{method: http.MethodGet, path: path, version: version, token: demoToken})
			if string(after.body) != string(created.body) {
				t.Errorf("session changed after the refused selection:\n%s\n%s", created.body, after.body)
			}

			one := `{"selected_fulfillment_options":[{"type":"shipping","option_id":"home/express","item_ids":["li_tee-logo"]}]}`
			schema.Def(t, "CheckoutSessionUpdateRequest", []byte(one))
			updated := s.do(t, request{path: path, version: version, body: one, token: demoToken})
			wantStatus(t, updated, http.StatusOK)
			sess = updated.json(t)
			if got, want := strings.Join(selectionsOf(sess), " "), `home/express["li_mug-classic","li_tee-logo"] collect/pickup-sf["li_beans-house-1kg"]`; got != want {
				t.Errorf("after choosing express for the tee: selection = %s, want %s", got, want)
			}
			// Express is 1500 + 100 a unit, for the group's two units.
			if got := totalOf(t, sess, "fulfillment"); got != 1700 || sess["status"] != "ready_for_payment" {
				t.Errorf("fulfillment total %d, status %v; want 1700, ready (%s)", got, sess["status"], updated.body)
			}

			schema.Def(t, "CheckoutSessionCompleteRequest", []byte(demoComplete))
			done := s.do(t, request{path: path + "/complete", version: version, body: demoComplete, token: demoToken})
			wantStatus(t, done, http.StatusOK)
			if status(t, done) != "completed" {
				t.Fatalf("complete: %s", done.body)
			}
			if version != v0417 {
				return // 2026-01-30's order has no fulfillments
			}
			fulfillments := done.json(t)["order"].(map[string]any)["fulfillments"].([]any)
			if len(fulfillments) != 2 {
				t.Fatalf("order fulfillments = %s, want one per group", jsonOf(fulfillments))
			}
			home := fulfillments[0].(map[string]any)
			if home["id"] != "ful_home" || jsonOf(home["line_items"]) != `[{"id":"li_mug-classic","quantity":1},{"id":"li_tee-logo","quantity":1}]` {
				t.Errorf("home fulfillment = %s", jsonOf(home))
			}
		})
	}
}

// Groups and a selection in one update (the audit's case): the selection
// may name the group's option by the id the agent knows ("express"), the
// lines it names being in one group; an option none of their groups
// offers is refused with the group-qualified ids offered for them.
func TestSplitFulfillmentGroupsAndSelectionTogether(t *testing.T) {
	t.Parallel()
	s := startServer(t, loadConfig(t, "../../acp.yaml", t.TempDir()))
	for _, version := range []string{v0417, v0130} {
		t.Run(version, func(t *testing.T) {
			schema := acpschema.For(t, version)
			create := `{"line_items":[{"id":"mug-classic"},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{},` +
				`"fulfillment_details":{"name":"Ada","email":"ada@example.com","address":` + splitSF + `}}`
			schema.Def(t, "CheckoutSessionCreateRequest", []byte(create))
			created := s.do(t, request{path: "/checkout_sessions", version: version, body: create, token: demoToken})
			wantStatus(t, created, http.StatusCreated)
			path := "/checkout_sessions/" + created.json(t)["id"].(string)
			groups := `"fulfillment_groups":[{"id":"g_ny","item_ids":["li_mug-classic"],"destination_type":"shipping","fulfillment_details":{"name":"Grace","address":` + splitNY + `}}]`

			unknown := `{` + groups + `,"selected_fulfillment_options":[{"type":"shipping","option_id":"overnight","item_ids":["li_mug-classic"]}]}`
			schema.Def(t, "CheckoutSessionUpdateRequest", []byte(unknown))
			refused := s.do(t, request{path: path, version: version, body: unknown, token: demoToken})
			wantStatus(t, refused, http.StatusBadRequest)
			if e := refused.json(t); e["param"] != "$.selected_fulfillment_options[0].option_id" ||
				!strings.Contains(e["message"].(string), "Options for these line items are g_ny/standard, g_ny/express.") {
				t.Errorf("an option no group offers: %s", refused.body)
			}

			both := `{` + groups + `,"selected_fulfillment_options":[{"type":"shipping","option_id":"express","item_ids":["li_mug-classic"]}]}`
			schema.Def(t, "CheckoutSessionUpdateRequest", []byte(both))
			updated := s.do(t, request{path: path, version: version, body: both, token: demoToken})
			wantStatus(t, updated, http.StatusOK)
			sess := updated.json(t)
			if got, want := strings.Join(selectionsOf(sess), " "), `email["li_guide-brewing-ebook"] g_ny/express["li_mug-classic"]`; got != want {
				t.Errorf("selection = %s, want %s", got, want)
			}
			if got := totalOf(t, sess, "fulfillment"); got != 1600 || sess["status"] != "ready_for_payment" {
				t.Errorf("fulfillment total %d, status %v; want 1600, ready (%s)", got, sess["status"], updated.body)
			}
		})
	}
}
