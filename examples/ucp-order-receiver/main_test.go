package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The event a business sends, as the tests sign it.
const (
	eventURL  = "http://127.0.0.1:9000/ucp/orders"
	eventBody = `{"id":"ord_1","line_items":[{"id":"li_1","status":"processing"}],"event_id":"evt_1"}`
	agent     = `profile="http://127.0.0.1:8080/.well-known/ucp"`
	params    = `;created=1767225600;keyid="shop-2026"`
	covered   = `("@method" "@authority" "@path" "ucp-agent" "webhook-id" "webhook-timestamp" "content-digest" "content-type")`
)

// base is the RFC 9421 signature base of the event above with digest as
// its Content-Digest, written out by hand (§2.5), not built by the code
// under test.
func base(digest string) string {
	return `"@method": POST
"@authority": 127.0.0.1:9000
"@path": /ucp/orders
"ucp-agent": ` + agent + `
"webhook-id": evt_1
"webhook-timestamp": 1767225600
"content-digest": ` + digest + `
"content-type": application/json
"@signature-params": ` + covered + params
}

// digestOf is body's Content-Digest.
func digestOf(body string) string {
	sum := sha256.Sum256([]byte(body))
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// sign returns the Signature of signatureBase with key: ES256, r||s.
func sign(t *testing.T, key *ecdsa.PrivateKey, signatureBase string) string {
	t.Helper()
	hash := sha256.Sum256([]byte(signatureBase))
	r, s, err := ecdsa.Sign(rand.Reader, key, hash[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return "sig1=:" + base64.StdEncoding.EncodeToString(sig) + ":"
}

// profileServer serves a business profile whose signing_keys hold key's
// public part as kid "shop-2026", after an Ed25519 key the receiver
// skips.
func profileServer(t *testing.T, key *ecdsa.PrivateKey) *httptest.Server {
	t.Helper()
	point, err := key.PublicKey.Bytes() // 0x04 || x || y
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	doc, _ := json.Marshal(map[string]any{"ucp": map[string]any{"version": "2026-04-08"}, "signing_keys": []map[string]string{
		{"kty": "OKP", "crv": "Ed25519", "kid": "other", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
		{"kty": "EC", "crv": "P-256", "kid": "shop-2026", "alg": "ES256", "use": "sig", "x": enc(point[1:33]), "y": enc(point[33:])},
	}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestReceiver: a correctly signed event is verified and answered 200;
// any change to what the signature covers, or a signature that does not
// cover what an event must bind, is refused with 401.
func TestReceiver(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	profile := profileServer(t, key)
	good := sign(t, key, base(digestOf(eventBody)))
	tampered := strings.Replace(eventBody, "ord_1", "ord_2", 1)

	tests := []struct {
		name   string
		url    string
		body   string
		header map[string]string // replacing the signed request's
		want   string            // the start of the printed line
	}{
		{name: "signed", want: "verified: Webhook-Id evt_1, order ord_1, lines processing"},
		{name: "body changed", body: tampered, want: "refused: Content-Digest does not match the body"},
		{name: "body and digest changed", body: tampered, header: map[string]string{"Content-Digest": digestOf(tampered)},
			want: "refused: the signature does not verify"},
		{name: "event id changed", header: map[string]string{"Webhook-Id": "evt_2"}, want: "refused: the signature does not verify"},
		{name: "another receiver", url: "http://127.0.0.1:9000/other", want: "refused: the signature does not verify"},
		{name: "another key", header: map[string]string{"Signature": sign(t, otherKey, base(digestOf(eventBody)))},
			want: "refused: the signature does not verify"},
		{name: "unknown key", header: map[string]string{"Signature-Input": "sig1=" + covered + `;keyid="old"`},
			want: `refused: key "old" is not in the business profile`},
		{name: "digest not covered", header: map[string]string{"Signature-Input": `sig1=("@method" "@authority" "@path" "webhook-id");keyid="shop-2026"`},
			want: "refused: the signature does not cover content-digest"},
		{name: "no digest", header: map[string]string{"Content-Digest": ""}, want: "refused: no sha-256 Content-Digest"},
		{name: "no signature", header: map[string]string{"Signature": ""}, want: "refused: no 64-byte ES256 signature sig1 in Signature"},
		{name: "other algorithm", header: map[string]string{"Signature-Input": "sig1=" + covered + `;keyid="shop-2026";alg="ed25519"`},
			want: `refused: algorithm "ed25519" is not ES256`},
		{name: "covered header missing", header: map[string]string{"UCP-Agent": ""}, want: "refused: covered header ucp-agent is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, body := eventURL, eventBody
			if tt.url != "" {
				url = tt.url
			}
			if tt.body != "" {
				body = tt.body
			}
			req := httptest.NewRequest(http.MethodPost, url, strings.NewReader(body))
			for k, v := range map[string]string{
				"Content-Type": "application/json", "UCP-Agent": agent, "Webhook-Id": "evt_1", "Webhook-Timestamp": "1767225600",
				"Content-Digest": digestOf(eventBody), "Signature-Input": "sig1=" + covered + params, "Signature": good,
			} {
				req.Header.Set(k, v)
			}
			for k, v := range tt.header {
				if v == "" {
					req.Header.Del(k)
				} else {
					req.Header.Set(k, v)
				}
			}
			var out bytes.Buffer
			rc := &receiver{profileURL: profile.URL, client: profile.Client(), out: &out}
			w := httptest.NewRecorder()
			rc.ServeHTTP(w, req)
			wantStatus := http.StatusUnauthorized
			if strings.HasPrefix(tt.want, "verified") {
				wantStatus = http.StatusOK
			}
			if w.Code != wantStatus || !strings.HasPrefix(out.String(), tt.want) {
				t.Errorf("answered %d, printed %q; want %d, %q", w.Code, out.String(), wantStatus, tt.want)
			}
		})
	}
}

// FuzzReceiver: whatever the signature headers hold, the receiver answers
// 401 (nothing verifies without the key) and never panics.
func FuzzReceiver(f *testing.F) {
	f.Add("sig1="+covered+params, "sig1=:AAAA:", "sha-256=:AAAA:")
	f.Add(`sig1=("@query" "@method";sf);keyid="shop-2026"`, "", "sha-256=:")
	f.Add(`sig1=(`, `sig1=::`, `,,=`)
	f.Add(`a="(",sig1=("x")`, `sig1=:`+strings.Repeat("A", 88)+`:`, digestOf(eventBody))
	profile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"signing_keys":[]}`))
	}))
	defer profile.Close()
	f.Fuzz(func(t *testing.T, input, signature, digest string) {
		req := httptest.NewRequest(http.MethodPost, eventURL+"?a=b", strings.NewReader(eventBody))
		req.Header.Set("Signature-Input", input)
		req.Header.Set("Signature", signature)
		req.Header.Set("Content-Digest", digest)
		req.Header.Set("Webhook-Id", "evt_1")
		rc := &receiver{profileURL: profile.URL, client: profile.Client(), out: &bytes.Buffer{}}
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("answered %d", w.Code)
		}
	})
}
