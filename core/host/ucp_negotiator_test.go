package host

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/core/ucpprofile"
)

// TestNewUCPNegotiator builds the resolver from the demo store's acp.yaml
// and negotiates with the demo agent's inline platform profile: every
// capability the demo offers, and the loopback order webhook URL (the
// demo allows private networks for its walkthrough's receiver); a
// profile on a host the agent may not present is refused.
func TestNewUCPNegotiator(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../../acp.yaml", ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := newUCPNegotiator(cfg, true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var _ ucp.Negotiator = r
	agent, url := cfg.Agents[0].Name, cfg.Agents[0].UCP.Profiles[0].URL
	p, err := r.Negotiate(context.Background(), agent, url)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ucp.CapCheckout: ucp.Version, ucp.CapFulfillment: ucp.Version, ucp.CapDiscount: ucp.Version, ucp.CapOrder: ucp.Version,
		ucp.CapCatalogSearch: ucp.Version, ucp.CapCatalogLookup: ucp.Version}
	if diff := cmp.Diff(want, p.Capabilities); diff != "" {
		t.Errorf("negotiated (-want +got):\n%s", diff)
	}
	if p.Agent != agent || p.Profile != url || p.OrderWebhookURL != "http://127.0.0.1:9000/ucp/orders" || len(p.SigningKeys) != 0 {
		t.Errorf("platform %+v", p)
	}
	_, err = r.Negotiate(context.Background(), agent, "https://elsewhere.example/profile")
	var ue *ucp.Error
	if !errors.As(err, &ue) || ue.Status != http.StatusForbidden || ue.Code != ucpprofile.CodeProfileNotAllowed {
		t.Errorf("profile on another host: %v, want 403 %s", err, ucpprofile.CodeProfileNotAllowed)
	}
}

// TestUCPNegotiatorOffersServedCatalogOnly: a platform declaring the
// catalog capabilities negotiates them only when the catalog is served,
// as the business profile advertises them only then.
func TestUCPNegotiatorOffersServedCatalogOnly(t *testing.T) {
	t.Parallel()
	for _, served := range []bool{true, false} {
		cfg, err := config.Load("../../acp.yaml", ConfigOptions("127.0.0.1:0"))
		if err != nil {
			t.Fatal(err)
		}
		profile := cfg.Agents[0].UCP.Profiles[0]
		caps := profile.Document["ucp"].(map[string]any)["capabilities"].(map[string]any)
		for name, spec := range map[string]string{ucp.CapCatalogSearch: "catalog/search", ucp.CapCatalogLookup: "catalog/lookup"} {
			caps[name] = []any{map[string]any{
				"version": ucp.Version,
				"spec":    "https://ucp.dev/" + ucp.Version + "/specification/" + spec,
				"schema":  "https://ucp.dev/" + ucp.Version + "/schemas/shopping/" + strings.ReplaceAll(spec, "/", "_") + ".json",
			}}
		}
		r, err := newUCPNegotiator(cfg, served, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Negotiate(context.Background(), cfg.Agents[0].Name, profile.URL)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{ucp.CapCatalogSearch, ucp.CapCatalogLookup} {
			if _, ok := p.Capabilities[name]; ok != served {
				t.Errorf("catalog served %v: %s negotiated %v", served, name, ok)
			}
		}
		if _, ok := p.Capabilities[ucp.CapCheckout]; !ok {
			t.Errorf("catalog served %v: checkout not negotiated: %v", served, p.Capabilities)
		}
	}
}
