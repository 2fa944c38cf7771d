package host_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// getProfile GETs /.well-known/ucp without credentials.
func getProfile(t *testing.T, s *server) response {
	t.Helper()
	resp, err := http.Get(s.base + "/.well-known/ucp")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

var maxAge = regexp.MustCompile(`(?:^|,\s*)max-age=(\d+)`)

// TestDemoServesUCPProfile starts the demo store (acp.yaml) and reads its
// business profile as a platform would: public, cacheable for at least
// 60 seconds, no redirect, the release's version, the REST and MCP
// endpoints at the public URL and every capability the demo offers.
func TestDemoServesUCPProfile(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "../../acp.yaml", filepath.Join(t.TempDir(), "data"))
	s := startServer(t, cfg)
	got := getProfile(t, s)
	wantStatus(t, got, http.StatusOK)
	cc := got.header.Get("Cache-Control")
	age := -1
	if m := maxAge.FindStringSubmatch(cc); m != nil {
		age, _ = strconv.Atoi(m[1])
	}
	if age < 60 || !regexp.MustCompile(`(^|,\s*)public(,|$)`).MatchString(cc) {
		t.Errorf("Cache-Control %q, want public with max-age of at least 60", cc)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	ucpschema.Profile(t, got.body)
	var doc struct {
		UCP struct {
			Version  string `json:"version"`
			Services map[string][]struct {
				Transport, Endpoint string
			} `json:"services"`
			Capabilities    map[string][]map[string]any `json:"capabilities"`
			PaymentHandlers map[string]any              `json:"payment_handlers"`
		} `json:"ucp"`
	}
	if err := json.Unmarshal(got.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.UCP.Version != ucp.Version {
		t.Errorf("version %q", doc.UCP.Version)
	}
	svc := doc.UCP.Services[ucp.ServiceShopping]
	if len(svc) != 2 || svc[0].Transport != "rest" || svc[0].Endpoint != cfg.UCP.PublicURL+"/ucp" ||
		svc[1].Transport != "mcp" || svc[1].Endpoint != cfg.UCP.PublicURL+"/ucp/mcp" {
		t.Errorf("services %+v, want rest at %s/ucp and mcp at %s/ucp/mcp", svc, cfg.UCP.PublicURL, cfg.UCP.PublicURL)
	}
	for _, name := range cfg.UCP.Capabilities {
		if len(doc.UCP.Capabilities[name]) != 1 {
			t.Errorf("capability %s not advertised", name)
		}
	}
	if len(doc.UCP.Capabilities) != len(cfg.UCP.Capabilities) {
		t.Errorf("advertised %d capabilities, the demo offers %d", len(doc.UCP.Capabilities), len(cfg.UCP.Capabilities))
	}
	if doc.UCP.PaymentHandlers == nil {
		t.Error("payment_handlers missing")
	}
}

// TestUCPProfileOffWhenDisabled checks that a store without UCP serves
// no business profile.
func TestUCPProfileOffWhenDisabled(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "../../acp.yaml", filepath.Join(t.TempDir(), "data"))
	cfg.UCP.Enabled = false
	for i := range cfg.Agents {
		cfg.Agents[i].UCP = nil
	}
	s := startServer(t, cfg)
	wantStatus(t, getProfile(t, s), http.StatusNotFound)
}
