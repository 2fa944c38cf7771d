package host_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/signature"
)

const replaySecret = "0123456789abcdef0123456789abcdef-replay"

// startSigningServer starts a server whose test-agent signs with
// hmac-sha256.
func startSigningServer(t *testing.T) (*server, func() time.Time) {
	t.Helper()
	clock := newTestClock()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Agents[0].Signature = &config.Signature{Scheme: "hmac-sha256", SecretEnv: "TEST_AGENT_HMAC", MaxSkew: 300 * time.Second}
	return startServerEnv(t, cfg, map[string]string{"TEST_AGENT_HMAC": replaySecret}, host.WithClock(clock.Now)), clock.Now
}

// signedHeaders signs a request as the agent does.
func signedHeaders(t *testing.T, r signature.Request) map[string]string {
	t.Helper()
	sig, err := signature.SignHMAC([]byte(replaySecret), r)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Signature": sig, "Timestamp": r.Timestamp}
	if r.IdempotencyKey != "" {
		h["Idempotency-Key"] = r.IdempotencyKey
	}
	return h
}

// A signed create without an Idempotency-Key, where the version allows
// one, runs once: the same signed request again is refused with 409
// request_replayed, however its Signature is spelled; a new signature (a
// new Timestamp) is a new request.
func TestSignedKeylessReplayRefused(t *testing.T) {
	t.Parallel()
	s, now := startSigningServer(t)
	ts := signature.FormatTimestamp(now())
	req := signature.Request{Method: http.MethodPost, Path: "/checkout_sessions", APIVersion: v0130, Timestamp: ts, Body: []byte(createBody)}
	headers := signedHeaders(t, req)
	send := func(h map[string]string) response {
		return s.do(t, request{path: "/checkout_sessions", version: v0130, body: createBody, noKey: true, header: h})
	}
	wantStatus(t, send(headers), http.StatusCreated)
	wantError(t, send(headers), http.StatusConflict, "request_replayed", "")
	padded := map[string]string{"Signature": headers["Signature"] + "=", "Timestamp": ts}
	wantError(t, send(padded), http.StatusConflict, "request_replayed", "")

	req.Timestamp = signature.FormatTimestamp(now().Add(time.Second))
	wantStatus(t, send(signedHeaders(t, req)), http.StatusCreated)

	// With a key, a retry is the idempotent replay, not a refusal.
	req.IdempotencyKey = "signed-retry"
	keyed := signedHeaders(t, req)
	first := send(keyed)
	wantStatus(t, first, http.StatusCreated)
	again := send(keyed)
	wantStatus(t, again, http.StatusCreated)
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("keyed retry not replayed: %v", again.header)
	}

	// Where the version requires a key, the keyless request is refused
	// for its key every time, and not remembered.
	req = signature.Request{Method: http.MethodPost, Path: "/checkout_sessions", APIVersion: v0417, Timestamp: ts, Body: []byte(createBody)}
	h := signedHeaders(t, req)
	for range 2 {
		r := s.do(t, request{path: "/checkout_sessions", body: createBody, noKey: true, header: h})
		wantError(t, r, http.StatusBadRequest, "idempotency_key_required", "")
	}
}

// An MCP tool call signed without an idempotency key succeeds: the
// signature is checked over what the agent sent, before the binding
// mints a key; the same signed call again is refused as a replay.
func TestSignedMCPCallWithoutKey(t *testing.T) {
	t.Parallel()
	s, now := startSigningServer(t)
	cs, err := connectMCP(t, s, testToken)
	if err != nil {
		t.Fatal(err)
	}
	ts := signature.FormatTimestamp(now())
	sig, err := signature.SignHMAC([]byte(replaySecret), signature.Request{
		Method: http.MethodPost, Path: "/checkout_sessions", APIVersion: v0417, Timestamp: ts, Body: []byte(createBody)})
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"meta": map[string]any{"api_version": v0417, "signature": sig, "timestamp": ts}, "payload": decodeJSON(t, createBody)}
	res, body := callTool(t, cs, v0417, "create_checkout_session", args)
	if res.IsError || field(t, body, "status") != "not_ready_for_payment" {
		t.Fatalf("signed keyless create over MCP: %s", body)
	}
	res, body = callTool(t, cs, v0417, "create_checkout_session", args)
	if !res.IsError || field(t, body, "code") != "request_replayed" {
		t.Fatalf("the same signed call again: %s, want request_replayed", body)
	}

	// A network request cannot claim a minted key: the header is
	// honoured only in process, so the signature over no key fails.
	r := s.do(t, request{path: "/checkout_sessions", body: createBody, header: map[string]string{
		"Signature": sig, "Timestamp": ts, "Idempotency-Key": "attacker-key", signature.HeaderMintedKey: "true"}})
	wantError(t, r, http.StatusUnauthorized, "invalid_signature", "")
	if strings.Contains(s.logs.String(), replaySecret) {
		t.Error("logs contain the secret")
	}
}
