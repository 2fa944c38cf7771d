package host_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/signature"
)

// TestRateLimit: an agent over its burst gets 429 rate_limited with
// Retry-After; another agent is unaffected; tokens come back with time.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	cfg := loadTestConfig(t, t.TempDir())
	rps := 1.0
	cfg.Limits.RateLimit = config.RateLimit{RequestsPerSecond: &rps, Burst: 3}
	s := startServer(t, cfg, host.WithClock(clock.Now))
	get := func(token string) response {
		return s.do(t, request{method: http.MethodGet, path: "/checkout_sessions/cs_none", token: token})
	}
	for i := 0; i < 3; i++ {
		wantStatus(t, get(testToken), http.StatusNotFound)
	}
	limited := get(testToken)
	wantError(t, limited, http.StatusTooManyRequests, "rate_limited", "")
	if limited.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", limited.header.Get("Retry-After"))
	}
	wantStatus(t, get(otherToken), http.StatusNotFound)
	clock.Advance(time.Second)
	wantStatus(t, get(testToken), http.StatusNotFound)
}

// TestSignatures covers both schemes through the HTTP stack: valid,
// tampered body, tampered timestamp, skew exceeded, wrong key, missing
// headers.
func TestSignatures(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	hmacSecret := []byte("0123456789abcdef0123456789abcdef-shared")
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Agents[0].Signature = &config.Signature{Scheme: "hmac-sha256", SecretEnv: "TEST_AGENT_HMAC", MaxSkew: 300 * time.Second}
	cfg.Agents[1].Signature = &config.Signature{Scheme: "ed25519", PublicKey: base64.StdEncoding.EncodeToString(pub), MaxSkew: 300 * time.Second}
	s := startServerEnv(t, cfg, map[string]string{"TEST_AGENT_HMAC": string(hmacSecret)}, host.WithClock(clock.Now))

	const path = "/checkout_sessions"
	body := createBody
	signed := func(ts, b string) signature.Request {
		return signature.Request{Method: http.MethodPost, Path: path, APIVersion: v0417, IdempotencyKey: "signed-key", Timestamp: ts, Body: []byte(b)}
	}
	signHMAC := func(secret []byte, ts, b string) string {
		sig, err := signature.SignHMAC(secret, signed(ts, b))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	signEd := func(key ed25519.PrivateKey, ts, b string) string {
		sig, err := signature.SignEd25519(key, signed(ts, b))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	now := signature.FormatTimestamp(clock.Now())
	old := signature.FormatTimestamp(clock.Now().Add(-301 * time.Second))
	future := signature.FormatTimestamp(clock.Now().Add(301 * time.Second))
	reordered := `{"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}},"line_items":[{"id":"item_123","quantity":2},{"id":"ebook"}]}`
	testCases := map[string]struct {
		token, sig, ts, body string
		key                  string // the Idempotency-Key sent; default the signed one
		want                 int
	}{
		"hmac replayed under another key": {token: testToken, sig: signHMAC(hmacSecret, now, body), ts: now, body: body, key: "another-key", want: http.StatusUnauthorized},
		"hmac valid":                      {testToken, signHMAC(hmacSecret, now, body), now, body, "", http.StatusCreated},
		"hmac equivalent body":            {testToken, signHMAC(hmacSecret, now, body), now, reordered, "", http.StatusCreated},
		"hmac tampered body":              {testToken, signHMAC(hmacSecret, now, body), now, strings.Replace(body, `"quantity":2`, `"quantity":3`, 1), "", http.StatusUnauthorized},
		"hmac tampered timestamp":         {testToken, signHMAC(hmacSecret, now, body), signature.FormatTimestamp(clock.Now().Add(time.Second)), body, "", http.StatusUnauthorized},
		"hmac skew exceeded (past)":       {testToken, signHMAC(hmacSecret, old, body), old, body, "", http.StatusUnauthorized},
		"hmac skew exceeded (future)":     {testToken, signHMAC(hmacSecret, future, body), future, body, "", http.StatusUnauthorized},
		"hmac wrong key":                  {testToken, signHMAC([]byte("another-secret-another-secret-32b!"), now, body), now, body, "", http.StatusUnauthorized},
		"hmac missing headers":            {testToken, "", "", body, "", http.StatusUnauthorized},
		"ed25519 valid":                   {otherToken, signEd(priv, now, body), now, body, "", http.StatusCreated},
		"ed25519 wrong key":               {otherToken, signEd(otherPriv, now, body), now, body, "", http.StatusUnauthorized},
		"ed25519 tampered body":           {otherToken, signEd(priv, now, body), now, strings.Replace(body, "ebook", "eb00k", 1), "", http.StatusUnauthorized},
		"ed25519 missing signature":       {otherToken, "", now, body, "", http.StatusUnauthorized},
		"ed25519 signature as other ag":   {testToken, signEd(priv, now, body), now, body, "", http.StatusUnauthorized},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			key := tc.key
			if key == "" {
				key = "signed-key"
			}
			header := map[string]string{"Idempotency-Key": key}
			if tc.sig != "" {
				header["Signature"] = tc.sig
			}
			if tc.ts != "" {
				header["Timestamp"] = tc.ts
			}
			r := s.do(t, request{path: path, body: tc.body, token: tc.token, header: header})
			if tc.want == http.StatusUnauthorized {
				wantError(t, r, http.StatusUnauthorized, "invalid_signature", "")
				return
			}
			wantStatus(t, r, tc.want)
		})
	}
	s.stop()
	if logs := s.logs.String(); strings.Contains(logs, string(hmacSecret)) {
		t.Errorf("logs contain the HMAC secret:\n%s", logs)
	}
}

// TestEncryptedStore: with store.encryption_key_env the gateway runs on an
// encrypted store, survives a restart with the key, and refuses a key of
// the wrong form without printing it.
func TestEncryptedStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"TEST_STORE_KEY": strings.Repeat("ab", 32)}
	first := startServerEnv(t, loadTestConfigWithKey(t, dir), env)
	id := first.do(t, request{path: "/checkout_sessions", body: createBody}).json(t)["id"].(string)
	first.stop()
	second := startServerEnv(t, loadTestConfigWithKey(t, dir), env)
	wantStatus(t, second.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id}), http.StatusOK)

	_, err := host.New(loadTestConfigWithKey(t, t.TempDir()), slog.New(slog.NewJSONHandler(io.Discard, nil)),
		func(string) string { return "too-short-key" })
	if err == nil || !strings.Contains(err.Error(), "TEST_STORE_KEY") || strings.Contains(err.Error(), "too-short-key") {
		t.Fatalf("host.New() with a bad key = %v", err)
	}
}

func loadTestConfigWithKey(t *testing.T, dir string) *config.Config {
	t.Helper()
	cfg := loadTestConfig(t, dir)
	cfg.Store.EncryptionKeyEnv = "TEST_STORE_KEY"
	return cfg
}
