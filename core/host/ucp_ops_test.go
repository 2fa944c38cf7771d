package host_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/ucp"
)

// recordingVerifier admits requests whose Signature is "sig1=:ok:" and
// keeps what it was asked to verify.
type recordingVerifier struct{ seen chan *ucp.SignedRequest }

func (v recordingVerifier) Verify(req *ucp.SignedRequest, p *ucp.Platform) error {
	v.seen <- req
	if req.Header.Get("Signature") != "sig1=:ok:" || p == nil || p.Profile != ucpProfile {
		return ucp.NewError(http.StatusUnauthorized, ucp.CodeSignatureInvalid, "The signature does not verify.")
	}
	return nil
}

// signingAgentConfig is the test config serving UCP at /ucp, other-agent
// required to sign its requests. An agent calling UCP has order webhooks,
// which the business signs: the demo store's local-only key signs them.
func signingAgentConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.UCP.Enabled, cfg.UCP.BasePath = true, "/ucp"
	demo, err := config.Load("../../acp.yaml", host.ConfigOptions("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.UCP.SigningKeys = demo.UCP.SigningKeys
	for i := range cfg.Agents {
		if cfg.Agents[i].Name == "other-agent" {
			cfg.Agents[i].UCP = &config.AgentUCP{RequireSignatures: true}
		}
	}
	return cfg
}

// TestUCPOperationsAndSignatures: the operations given are routed (and
// only when their capability was negotiated), their protocol errors keep
// UCP's shape; an agent that must sign is refused without a signature the
// verifier accepts, and the verifier sees the request as sent.
func TestUCPOperationsAndSignatures(t *testing.T) {
	t.Parallel()
	cfg := signingAgentConfig(t)
	verifier := recordingVerifier{seen: make(chan *ucp.SignedRequest, 8)}
	ops := map[string]ucp.Operation{
		ucp.OpGetOrder: func(_ context.Context, call *ucp.Call) (int, []byte, error) {
			if call.ID == "missing" {
				return 0, nil, ucp.NewError(http.StatusNotFound, "not_found", "No such order.")
			}
			body, _ := json.Marshal(map[string]string{"id": call.ID, "agent": call.Platform.Agent, "request": call.RequestID})
			return http.StatusOK, body, nil
		},
	}
	s := startServer(t, cfg, host.WithUCPNegotiator(fixedNegotiator{}), host.WithUCPVerifier(verifier), host.WithUCPOperations(ops))

	got := s.ucp(t, ucpRequest{method: http.MethodGet, path: "/orders/ord_1"})
	wantStatus(t, got, http.StatusOK)
	var order map[string]string
	if err := json.Unmarshal(got.body, &order); err != nil || order["id"] != "ord_1" || order["agent"] != "test-agent" || order["request"] == "" {
		t.Fatalf("order = %s", got.body)
	}
	missing := s.ucp(t, ucpRequest{method: http.MethodGet, path: "/orders/missing"})
	wantStatus(t, missing, http.StatusNotFound)
	noOrderCap := s.ucp(t, ucpRequest{method: http.MethodGet, path: "/orders/ord_1", profile: ucpBareProfile})
	wantStatus(t, noOrderCap, http.StatusOK)
	if sessionStatus(noOrderCap.body) != "" || !strings.Contains(string(noOrderCap.body), `"capabilities_incompatible"`) {
		t.Fatalf("without the order capability: %s", noOrderCap.body)
	}
	noSearchCap := s.ucp(t, ucpRequest{path: "/catalog/search", body: `{}`})
	wantStatus(t, noSearchCap, http.StatusOK)
	if !strings.Contains(string(noSearchCap.body), `"capabilities_incompatible"`) {
		t.Fatalf("catalog search without its capability: %s", noSearchCap.body)
	}

	unsigned := s.ucp(t, ucpRequest{method: http.MethodGet, path: "/orders/ord_2", token: otherToken})
	wantStatus(t, unsigned, http.StatusUnauthorized)
	req := <-verifier.seen
	if req.Method != http.MethodGet || req.Path != "/ucp/orders/ord_2" || req.Authority == "" || req.Scheme != "http" {
		t.Errorf("verifier saw %+v", req)
	}
	signed := s.ucp(t, ucpRequest{path: "/checkout-sessions", token: otherToken, body: `{"line_items":[{"item":{"id":"ebook"},"quantity":1}]}`,
		header: map[string]string{"Signature": "sig1=:ok:"}})
	wantStatus(t, signed, http.StatusCreated)
	if req := <-verifier.seen; string(req.Body) != `{"line_items":[{"item":{"id":"ebook"},"quantity":1}]}` || req.Header.Get("Idempotency-Key") == "" {
		t.Errorf("verifier saw body %q, header %v", req.Body, req.Header)
	}
}
