package host_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// escalationPage is the test store's escalation.continue_url.
const escalationPage = "https://shop.test/continue?s={checkout_session_id}&item={item_id}"

// escalationConfig is the test store with escalation rules: a cart limit
// of 50.00 (which "atlas", a 60.00 download, passes), "wine" (a download)
// age-restricted and "club" (a download) for signed-in members, with its
// own page. With plugin, the catalog is
// served by the acp-plugin-catalog-file process instead, whose "cask"
// escalates with its own reason and no page of its own.
func escalationConfig(t *testing.T, dir string, plugin bool) *config.Config {
	t.Helper()
	cfg := loadTestConfig(t, filepath.Join(dir, "data"))
	cfg.Escalation = config.Escalation{ContinueURL: escalationPage, MaxCartTotal: 5000}
	cfg.Catalog.Items = append(cfg.Catalog.Items,
		config.CatalogItem{SKU: "atlas", Title: "World atlas (PDF)", UnitPrice: 6000, FulfillmentTypes: []string{"digital"}},
		config.CatalogItem{SKU: "wine", Title: "Red wine", UnitPrice: 1800, FulfillmentTypes: []string{"digital"}, AgeRestricted: true},
		config.CatalogItem{SKU: "club", Title: "Members' blend", UnitPrice: 500, FulfillmentTypes: []string{"digital"}, RequiresSignIn: true,
			ContinueURL: "https://shop.test/club/{item_id}?s={checkout_session_id}"})
	if plugin {
		csv := filepath.Join(dir, "products.csv")
		data := "sku,title,unit_price,fulfillment_types,escalation,escalation_reason\n" +
			"ebook,Field guide (ebook),999,digital,,\n" +
			"cask,Whisky cask share,2500,digital,unsupported,Choose the cask size on our page.\n"
		if err := os.WriteFile(csv, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg.Capabilities.Catalog = "catalog"
		cfg.Plugins = append(cfg.Plugins, config.Plugin{
			Name: "catalog", Command: testkit.Binary(t, "acp-plugin-catalog-file"),
			Config: map[string]any{"path": csv, "reload_interval": "0s"},
		})
	}
	cfg.SetDefaults(host.ConfigOptions("127.0.0.1:0"))
	if err := cfg.Validate(host.ConfigOptions("127.0.0.1:0")); err != nil {
		t.Fatalf("escalation config: %v", err)
	}
	return cfg
}

// escalationClient speaks one API version to the test server, in the
// version's own request shapes, validating every request body against
// the version's schema (server.do validates the responses).
type escalationClient struct {
	s       *server
	version string
}

// modern reports whether the version has requires_escalation and
// continue_url (2026-01-30 and later).
func (c escalationClient) modern() bool { return c.version == v0417 || c.version == v0130 }

// cart renders line items, one unit each, in the version's shape (the
// 2026 Item has no quantity).
func (c escalationClient) cart(ids ...string) string {
	var parts []string
	for _, id := range ids {
		if c.modern() {
			parts = append(parts, fmt.Sprintf(`{"id":%q}`, id))
		} else {
			parts = append(parts, fmt.Sprintf(`{"id":%q,"quantity":1}`, id))
		}
	}
	member := "items"
	if c.modern() {
		member = "line_items"
	}
	return fmt.Sprintf(`%q:[%s]`, member, strings.Join(parts, ","))
}

func (c escalationClient) post(t *testing.T, path, def, body string) response {
	t.Helper()
	acpschema.For(t, c.version).Def(t, def, []byte(body))
	return c.s.do(t, request{path: path, version: c.version, body: body})
}

// createBody is a create request for items in the version's shape.
func (c escalationClient) createBody(items ...string) string {
	if c.modern() {
		return `{` + c.cart(items...) + `,"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`
	}
	return "{" + c.cart(items...) + "}"
}

func (c escalationClient) create(t *testing.T, items ...string) response {
	t.Helper()
	r := c.post(t, "/checkout_sessions", "CheckoutSessionCreateRequest", c.createBody(items...))
	wantStatus(t, r, http.StatusCreated)
	return r
}

func (c escalationClient) update(t *testing.T, id string, items ...string) response {
	t.Helper()
	r := c.post(t, "/checkout_sessions/"+id, "CheckoutSessionUpdateRequest", "{"+c.cart(items...)+"}")
	wantStatus(t, r, http.StatusOK)
	return r
}

func (c escalationClient) complete(t *testing.T, id string) response {
	t.Helper()
	body := fmt.Sprintf(legacyComplete, "spt_ok")
	if c.modern() {
		body = fmt.Sprintf(completeBody, "spt_ok")
	}
	return c.post(t, "/checkout_sessions/"+id+"/complete", "CheckoutSessionCompleteRequest", body)
}

// wantEscalated checks an escalated session as the version shows it: under
// 2026-01-30 and later status requires_escalation, continue_url page and
// an error message with code at param; before, status
// not_ready_for_payment, no continue_url, and the message with the
// version's code (requires_sign_in, else invalid) naming page in its
// content. It returns the message's content.
func (c escalationClient) wantEscalated(t *testing.T, r response, code, param, page string) string {
	t.Helper()
	sess := r.json(t)
	wantStatus, wantURL, wantCode := "requires_escalation", page, code
	if !c.modern() {
		wantStatus, wantURL = "not_ready_for_payment", ""
		if code != "requires_sign_in" {
			wantCode = "invalid"
		}
	}
	got, _ := sess["continue_url"].(string)
	if sess["status"] != wantStatus || got != wantURL {
		t.Errorf("status %v, continue_url %q; want %s, %q\n%s", sess["status"], got, wantStatus, wantURL, r.body)
	}
	for _, m := range asSlice(sess["messages"]) {
		msg := m.(map[string]any)
		if msg["type"] != "error" || msg["param"] != param {
			continue
		}
		content, _ := msg["content"].(string)
		if msg["code"] != wantCode || !strings.Contains(content, page) || msg["content_type"] != "plain" {
			t.Errorf("escalation message %v; want code %s, content naming %s", msg, wantCode, page)
		}
		// The agent can bring the cart under the limit itself; only the
		// buyer resolves an item's escalation.
		wantResolution := "requires_buyer_input"
		if param == "$.totals" {
			wantResolution = "recoverable"
		}
		if res, _ := msg["resolution"].(string); (c.version == v0417) != (res == wantResolution) {
			t.Errorf("resolution %q under %s, want %s", res, c.version, wantResolution)
		}
		return content
	}
	t.Errorf("no error message at %s: %s", param, r.body)
	return ""
}

// wantRefused checks that complete refused the escalated session and that
// no payment was attempted: no charge at the handler for the session's
// first attempt, and no attempt recorded.
func (c escalationClient) wantRefused(t *testing.T, id string) {
	t.Helper()
	charges := c.s.charges(t)
	r := c.complete(t, id)
	wantStatus(t, r, http.StatusBadRequest)
	if m := r.json(t); m["code"] != "requires_escalation" || !strings.Contains(m["message"].(string), "https://shop.test/") {
		t.Errorf("complete of an escalated session: %s", r.body)
	}
	for _, h := range c.s.host.Service.Handlers() {
		if sb, ok := h.(*sandbox.Handler); ok && len(sb.Steps(id+":attempt:1")) > 0 {
			t.Errorf("the handler was called for %s: %v", id, sb.Steps(id+":attempt:1"))
		}
	}
	stored, err := c.s.host.Service.Get(context.Background(), "test-agent", id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Payment != nil || c.s.charges(t) != charges {
		t.Errorf("a payment was attempted: %+v, %d charges before, %d after", stored.Payment, charges, c.s.charges(t))
	}
}

// wantCleared checks that a session is no longer escalated.
func wantCleared(t *testing.T, r response) {
	t.Helper()
	sess := r.json(t)
	if sess["status"] != "ready_for_payment" || sess["continue_url"] != nil || strings.Contains(string(r.body), "shop.test/continue") {
		t.Errorf("session still escalated: %s", r.body)
	}
}

// TestEscalation drives the escalation rules of acp.yaml over HTTP under
// every version: an age-restricted item, an item for signed-in members
// with its own page, and a cart above the limit; removing what escalates
// clears it, and complete never charges an escalated session.
func TestEscalation(t *testing.T) {
	t.Parallel()
	for _, version := range append([]string{v0417, v0130}, legacyVersions...) {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			c := escalationClient{s: startServer(t, escalationConfig(t, t.TempDir(), false)), version: version}

			// An age-restricted item next to an ordinary one.
			created := c.create(t, "ebook", "wine")
			id := created.json(t)["id"].(string)
			page := "https://shop.test/continue?s=" + id + "&item=wine"
			if content := c.wantEscalated(t, created, "age_verification_required", "$.line_items[1]", page); !strings.Contains(content, "Red wine is age-restricted") {
				t.Errorf("content %q does not say why", content)
			}
			c.wantRefused(t, id)
			got := c.s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id, version: version})
			c.wantEscalated(t, got, "age_verification_required", "$.line_items[1]", page)
			cleared := c.update(t, id, "ebook")
			wantCleared(t, cleared)
			completed := c.complete(t, id)
			wantStatus(t, completed, http.StatusOK)
			if status(t, completed) != "completed" || c.s.charges(t) != 1 {
				t.Fatalf("the cleared session did not complete: %s", completed.body)
			}

			// An item with its own page; sign-in is a code of every version.
			club := c.create(t, "club")
			id = club.json(t)["id"].(string)
			c.wantEscalated(t, club, "requires_sign_in", "$.line_items[0]", "https://shop.test/club/club?s="+id)

			// A cart above 50.00.
			big := c.create(t, "atlas")
			id = big.json(t)["id"].(string)
			if content := c.wantEscalated(t, big, "maximum_exceeded", "$.totals", "https://shop.test/continue?s="+id+"&item="); !strings.Contains(content, "50.00 USD") {
				t.Errorf("content %q does not name the limit", content)
			}
			c.wantRefused(t, id)
			wantCleared(t, c.update(t, id, "ebook"))
		})
	}
}

// TestEscalationByPlugin checks that a catalog plugin process decides an
// escalation: the catalog-file plugin's item carries its own reason, and
// the page is the configured one.
func TestEscalationByPlugin(t *testing.T) {
	t.Parallel()
	cfg := escalationConfig(t, t.TempDir(), true)
	s := startServer(t, cfg)
	for _, version := range append([]string{v0417, v0130}, legacyVersions...) {
		t.Run(version, func(t *testing.T) {
			c := escalationClient{s: s, version: version}
			created := c.create(t, "cask", "ebook")
			id := created.json(t)["id"].(string)
			page := "https://shop.test/continue?s=" + id + "&item=cask"
			if content := c.wantEscalated(t, created, "unsupported", "$.line_items[0]", page); !strings.HasPrefix(content, "Choose the cask size on our page.") {
				t.Errorf("content %q is not the plugin's reason", content)
			}
			c.wantRefused(t, id)
			wantCleared(t, c.update(t, id, "ebook"))
		})
	}
}

// TestEscalationMCP checks that the MCP tools answer an escalated session
// as REST does.
func TestEscalationMCP(t *testing.T) {
	t.Parallel()
	s := startServer(t, escalationConfig(t, t.TempDir(), false))
	cs, err := connectMCP(t, s, testToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{v0417, v0116} {
		c := escalationClient{s: s, version: version}
		payload := c.createBody("wine")
		acpschema.For(t, version).Def(t, "CheckoutSessionCreateRequest", []byte(payload))
		res, body := callTool(t, cs, version, "create_checkout_session", map[string]any{
			"meta": map[string]any{"api_version": version, "idempotency_key": "mcp-escalation-" + version}, "payload": decodeJSON(t, payload)})
		if res.IsError {
			t.Fatalf("%s: create failed: %s", version, body)
		}
		id := field(t, body, "id").(string)
		c.wantEscalated(t, response{body: body}, "age_verification_required", "$.line_items[0]", "https://shop.test/continue?s="+id+"&item=wine")
		if want := version == v0417; (field(t, body, "continue_url") != nil) != want {
			t.Errorf("%s: continue_url present %v, want %v", version, field(t, body, "continue_url") != nil, want)
		}
	}
}
