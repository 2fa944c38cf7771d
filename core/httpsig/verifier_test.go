package httpsig

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/acp-sidecar/acp/core/ucp"
)

// clock is the time of the tests' signatures.
var clock = time.Unix(1_800_000_000, 0)

// newKey returns a fresh private JWK with kid of curve crv ("P-256",
// "P-384", "Ed25519").
func newKey(t *testing.T, kid, crv string) []byte {
	t.Helper()
	var key any
	var err error
	switch crv {
	case "P-256":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "P-384":
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "Ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := jose.JSONWebKey{Key: key, KeyID: kid}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newSigner returns a Signer for a fresh key and the platform publishing
// its public key.
func newSigner(t *testing.T, kid, crv string) (*Signer, *ucp.Platform) {
	t.Helper()
	s, err := ParsePrivateJWK(newKey(t, kid, crv))
	if err != nil {
		t.Fatal(err)
	}
	return s, &ucp.Platform{Profile: "https://platform.example/profile", SigningKeys: []json.RawMessage{s.PublicJWK()}}
}

// signedRequest signs a checkout creation as a platform would and
// returns it as the server sees it.
func signedRequest(t *testing.T, s *Signer, body string, at time.Time) *ucp.SignedRequest {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "https://Shop.example:443/ucp/checkout-sessions?lang=en", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(ucp.HeaderAgent, `profile="https://platform.example/profile"`)
	r.Header.Set(ucp.HeaderIdempotencyKey, "550e8400-e29b-41d4-a716-446655440000")
	if err := s.SignRequest(r, []byte(body), at); err != nil {
		t.Fatal(err)
	}
	return &ucp.SignedRequest{Method: r.Method, Authority: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Scheme: "https",
		Header: r.Header.Clone(), Body: []byte(body)}
}

func verifierAt(now time.Time) *Verifier {
	return NewVerifier(VerifierOptions{Window: time.Minute, Now: func() time.Time { return now }})
}

// TestSignVerifyRoundTrip signs requests with each algorithm and
// verifies them; the covered components are those signatures.md
// prescribes.
func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, crv := range []string{"P-256", "P-384", "Ed25519"} {
		t.Run(crv, func(t *testing.T) {
			t.Parallel()
			s, platform := newSigner(t, "k-"+crv, crv)
			req := signedRequest(t, s, `{"line_items":[{"id":"p1","quantity":2}]}`, clock)
			want := `sig1=("@method" "@authority" "@path" "@query" "ucp-agent" "idempotency-key" "content-digest" "content-type");created=1800000000;keyid="k-` + crv + `"`
			if got := req.Header.Get(HeaderSignatureInput); got != want {
				t.Errorf("Signature-Input %s\nwant %s", got, want)
			}
			if err := verifierAt(clock.Add(30*time.Second)).Verify(req, platform); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
	}
	s, platform := newSigner(t, "get", "P-256")
	r := httptest.NewRequest(http.MethodGet, "https://shop.example/ucp/checkout-sessions/chk_1", nil)
	if err := s.SignRequest(r, nil, clock); err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header.Get(HeaderSignatureInput), `sig1=("@method" "@authority" "@path");created=1800000000;keyid="get"`; got != want {
		t.Errorf("GET Signature-Input %s, want %s", got, want)
	}
	if r.Header.Get(HeaderContentDigest) != "" {
		t.Error("a GET without body got a Content-Digest")
	}
	sig := r.Header.Get(HeaderSignature)
	raw, _ := decodeItemBytes(t, sig)
	if len(raw) != 64 {
		t.Errorf("ES256 signature of %d bytes, want r||s of 64", len(raw))
	}
	get := &ucp.SignedRequest{Method: "GET", Authority: "shop.example", Path: "/ucp/checkout-sessions/chk_1", Scheme: "https", Header: r.Header}
	if err := verifierAt(clock).Verify(get, platform); err != nil {
		t.Fatalf("verify GET: %v", err)
	}
}

// decodeItemBytes returns the byte sequence of a one-member dictionary.
func decodeItemBytes(t *testing.T, field string) ([]byte, string) {
	t.Helper()
	sigs, err := parseSignatures([]string{"sig1=()"}, []string{field})
	if err != nil {
		t.Fatal(err)
	}
	return sigs[0].value, sigs[0].label
}

// TestSignResponse signs a response and verifies it as a platform would.
func TestSignResponse(t *testing.T) {
	t.Parallel()
	s, platform := newSigner(t, "biz", "P-256")
	h := http.Header{"Content-Type": {"application/json"}}
	body := []byte(`{"id":"chk_1","status":"ready_for_complete"}`)
	if err := s.SignResponse(http.StatusCreated, h, body, clock); err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get(HeaderSignatureInput), `sig1=("@status" "content-digest" "content-type");created=1800000000;keyid="biz"`; got != want {
		t.Errorf("Signature-Input %s, want %s", got, want)
	}
	if got, want := h.Get(HeaderContentDigest), "sha-256=:"+sha256B64(body)+":"; got != want {
		t.Errorf("Content-Digest %s, want %s", got, want)
	}
	v := verifierAt(clock)
	if err := v.verify(&message{status: 201, header: h}, []string{"@status"}, body, platform.SigningKeys); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := v.verify(&message{status: 200, header: h}, []string{"@status"}, body, platform.SigningKeys); errCode(err) != ucp.CodeSignatureInvalid {
		t.Fatalf("other status: %v", err)
	}
	if err := s.SignResponse(200, http.Header{}, body, clock); err == nil {
		t.Fatal("signed a body without Content-Type")
	}
}

// TestVerifyRefuses changes a signed request in every way that must be
// refused, and checks the code.
func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	s, platform := newSigner(t, "platform-2026", "P-256")
	other, _ := newSigner(t, "platform-2026", "P-256")
	const body = `{"line_items":[{"id":"p1","quantity":2}]}`
	tests := []struct {
		name     string
		change   func(r *ucp.SignedRequest, p *ucp.Platform)
		code     string
		status   int
		platform *ucp.Platform
	}{
		{"no signature headers", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Del(HeaderSignature)
			r.Header.Del(HeaderSignatureInput)
		}, ucp.CodeSignatureMissing, 401, nil},
		{"no Signature member for the label", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignature, "other=:AAAA:")
		}, ucp.CodeSignatureMissing, 401, nil},
		{"malformed Signature-Input", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignatureInput, `sig1=("@method" "@path"`)
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"tampered body", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Body = []byte(strings.Replace(body, "2", "20", 1))
		}, ucp.CodeDigestMismatch, 400, nil},
		{"tampered body with its digest recomputed", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Body = []byte(strings.Replace(body, "2", "20", 1))
			r.Header.Set(HeaderContentDigest, contentDigest(r.Body))
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"body without Content-Digest", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Del(HeaderContentDigest)
		}, ucp.CodeDigestMismatch, 400, nil},
		{"Content-Digest of an unknown algorithm only", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderContentDigest, "md5=:AAAA:")
		}, ucp.CodeDigestMismatch, 400, nil},
		{"tampered covered header", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(ucp.HeaderIdempotencyKey, "another-key")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"tampered method", func(r *ucp.SignedRequest, _ *ucp.Platform) { r.Method = "PUT" }, ucp.CodeSignatureInvalid, 401, nil},
		{"tampered path", func(r *ucp.SignedRequest, _ *ucp.Platform) { r.Path = "/ucp/checkout-sessions/x" }, ucp.CodeSignatureInvalid, 401, nil},
		{"tampered authority", func(r *ucp.SignedRequest, _ *ucp.Platform) { r.Authority = "evil.example" }, ucp.CodeSignatureInvalid, 401, nil},
		{"tampered query", func(r *ucp.SignedRequest, _ *ucp.Platform) { r.Query = "lang=fr" }, ucp.CodeSignatureInvalid, 401, nil},
		{"query added to a signature without @query", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			resign(t, s, r, `("@method" "@authority" "@path" "ucp-agent" "idempotency-key" "content-digest" "content-type")`, ";created=1800000000")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"content-digest not covered", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			resign(t, s, r, `("@method" "@authority" "@path" "@query" "ucp-agent" "idempotency-key" "content-type")`, ";created=1800000000")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"ucp-agent not covered", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			resign(t, s, r, `("@method" "@authority" "@path" "@query" "idempotency-key" "content-digest" "content-type")`, ";created=1800000000")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"tampered created", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignatureInput, strings.Replace(r.Header.Get(HeaderSignatureInput), "created=1800000000", "created=1800000001", 1))
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"tampered components order", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignatureInput, strings.Replace(r.Header.Get(HeaderSignatureInput), `"@method" "@authority"`, `"@authority" "@method"`, 1))
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"created too old", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			resign(t, s, r, `("@method" "@authority" "@path" "@query" "ucp-agent" "idempotency-key" "content-digest" "content-type")`, ";created=1799999900")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"created in the future", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			resign(t, s, r, `("@method" "@authority" "@path" "@query" "ucp-agent" "idempotency-key" "content-digest" "content-type")`, ";created=1800000100")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"expired", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			resign(t, s, r, `("@method" "@authority" "@path" "@query" "ucp-agent" "idempotency-key" "content-digest" "content-type")`, ";created=1800000000;expires=1800000000")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"created of the wrong type", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignatureInput, strings.Replace(r.Header.Get(HeaderSignatureInput), "created=1800000000", `created="1800000000"`, 1))
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"unsupported alg parameter", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			resign(t, s, r, `("@method" "@authority" "@path" "@query" "ucp-agent" "idempotency-key" "content-digest" "content-type")`, `;created=1800000000;alg="rsa-pss-sha512"`)
		}, ucp.CodeAlgorithmUnsupported, 400, nil},
		{"unknown keyid", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignatureInput, strings.Replace(r.Header.Get(HeaderSignatureInput), "platform-2026", "platform-2025", 1))
		}, ucp.CodeKeyNotFound, 401, nil},
		{"no keyid", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignatureInput, strings.Replace(r.Header.Get(HeaderSignatureInput), `;keyid="platform-2026"`, "", 1))
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"signed by another key with the same kid", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			if err := other.SignRequest(toHTTP(r), r.Body, clock); err != nil {
				t.Fatal(err)
			}
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"platform key of an unsupported type", nil, ucp.CodeAlgorithmUnsupported, 400,
			&ucp.Platform{SigningKeys: []json.RawMessage{json.RawMessage(`{"kty":"RSA","kid":"platform-2026","n":"AQAB","e":"AQAB"}`)}}},
		{"platform key is a private key", nil, ucp.CodeKeyNotFound, 401,
			&ucp.Platform{SigningKeys: []json.RawMessage{json.RawMessage(rfcEd25519Priv[:len(rfcEd25519Priv)-1] + `,"kid":"platform-2026"}`)}}},
		{"no platform", nil, ucp.CodeKeyNotFound, 401, &ucp.Platform{}},
		{"signature truncated", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			sig, _ := decodeItemBytes(t, r.Header.Get(HeaderSignature))
			r.Header.Set(HeaderSignature, "sig1=:"+encodeBase64(sig[:63])+":")
		}, ucp.CodeSignatureInvalid, 401, nil},
		{"unsupported component", func(r *ucp.SignedRequest, _ *ucp.Platform) {
			r.Header.Set(HeaderSignatureInput, strings.Replace(r.Header.Get(HeaderSignatureInput), `"content-type")`, `"content-type" "@request-response";key="sig1")`, 1))
		}, ucp.CodeSignatureInvalid, 401, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := signedRequest(t, s, body, clock)
			p := platform
			if tt.platform != nil {
				p = tt.platform
			}
			if tt.change != nil {
				tt.change(r, p)
			}
			err := verifierAt(clock).Verify(r, p)
			e, ok := err.(*ucp.Error)
			if !ok {
				t.Fatalf("error %v (%T), want *ucp.Error %s", err, err, tt.code)
			}
			if e.Code != tt.code || e.Status != tt.status {
				t.Fatalf("error %d %s (%s), want %d %s", e.Status, e.Code, e.Content, tt.status, tt.code)
			}
		})
	}
}

// resign replaces r's signature by a valid one of s over the inner list
// components with the parameters params (then keyid), so that only what
// the test changes is wrong.
func resign(t *testing.T, s *Signer, r *ucp.SignedRequest, components, params string) {
	t.Helper()
	input := "sig1=" + components + params + `;keyid="` + s.KeyID() + `"`
	sigs, err := parseSignatures([]string{input}, []string{"sig1=:AA==:"})
	if err != nil {
		t.Fatalf("resign: %v", err)
	}
	m := &message{method: r.Method, scheme: r.Scheme, authority: r.Authority, path: r.Path, query: r.Query, header: r.Header}
	base, err := m.base(sigs[0].params.components, sigs[0].params.serialized)
	if err != nil {
		t.Fatalf("resign: %v", err)
	}
	sig, err := sign(s.key, s.alg, base)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set(HeaderSignatureInput, input)
	r.Header.Set(HeaderSignature, "sig1=:"+encodeBase64(sig)+":")
}

// toHTTP is r as an outgoing request sharing its header.
func toHTTP(r *ucp.SignedRequest) *http.Request {
	hr := httptest.NewRequest(r.Method, "https://"+r.Authority+r.Path+"?"+r.Query, nil)
	hr.Header = r.Header
	return hr
}

// TestVerifyPicksKnownKey accepts a request carrying two signatures, the
// first by a key the platform does not publish.
func TestVerifyPicksKnownKey(t *testing.T) {
	t.Parallel()
	s, platform := newSigner(t, "new", "P-256")
	r := signedRequest(t, s, `{}`, clock)
	r.Header.Set(HeaderSignatureInput, `sig0=("@method");keyid="unknown", `+r.Header.Get(HeaderSignatureInput))
	r.Header.Set(HeaderSignature, `sig0=:AAAA:, `+r.Header.Get(HeaderSignature))
	if err := verifierAt(clock).Verify(r, platform); err != nil {
		t.Fatalf("verify: %v", err)
	}
	// A retired key still listed verifies what it signed.
	old, oldPlatform := newSigner(t, "old", "P-256")
	platform.SigningKeys = append(platform.SigningKeys, oldPlatform.SigningKeys...)
	if err := verifierAt(clock).Verify(signedRequest(t, old, `{}`, clock), platform); err != nil {
		t.Fatalf("verify with the retired key: %v", err)
	}
}

// TestVerifyWithoutCreated accepts a signature without created, as UCP's
// examples send them, and sha-512 digests.
func TestVerifyWithoutCreated(t *testing.T) {
	t.Parallel()
	s, platform := newSigner(t, "platform-2026", "P-256")
	r := signedRequest(t, s, `{"a":1}`, clock)
	r.Header.Set(HeaderContentDigest, "sha-512=:"+sha512B64(r.Body)+":, sha-256=:"+sha256B64(r.Body)+":")
	resign(t, s, r, `("@method" "@authority" "@path" "@query" "ucp-agent" "idempotency-key" "content-digest" "content-type")`, "")
	if err := verifierAt(clock.Add(24*time.Hour)).Verify(r, platform); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

// TestParsePrivateJWK accepts supported private keys and refuses the
// rest without quoting them.
func TestParsePrivateJWK(t *testing.T) {
	t.Parallel()
	for _, crv := range []string{"P-256", "P-384", "Ed25519"} {
		s, err := ParsePrivateJWK(newKey(t, "k", crv))
		if err != nil {
			t.Fatalf("%s: %v", crv, err)
		}
		var pub map[string]any
		if err := json.Unmarshal(s.PublicJWK(), &pub); err != nil {
			t.Fatal(err)
		}
		if pub["d"] != nil || pub["kid"] != "k" || pub["use"] != "sig" {
			t.Errorf("%s public JWK %s", crv, s.PublicJWK())
		}
		if _, err := ParsePublicJWK(s.PublicJWK()); err != nil {
			t.Errorf("%s: public JWK does not parse: %v", crv, err)
		}
	}
	p256, _ := ParsePrivateJWK(newKey(t, "k", "P-256"))
	var pub map[string]any
	_ = json.Unmarshal(p256.PublicJWK(), &pub)
	if pub["alg"] != "ES256" || pub["crv"] != "P-256" || p256.Algorithm() != ECDSAP256SHA256 {
		t.Errorf("P-256 public JWK %s, algorithm %s", p256.PublicJWK(), p256.Algorithm())
	}
	secret := `"d":"n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"`
	for name, jwk := range map[string]string{
		"not JSON":         `{` + secret,
		"no kid":           `{"kty":"OKP","crv":"Ed25519",` + secret + `,"x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}`,
		"public only":      rfcP256JWK,
		"RSA":              `{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB",` + secret + `}`,
		"P-521":            `{"kty":"EC","crv":"P-521","kid":"r",` + secret + `}`,
		"alg mismatch":     `{"kty":"OKP","crv":"Ed25519","kid":"e","alg":"ES256",` + secret + `,"x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}`,
		"wrong public key": `{"kty":"OKP","crv":"Ed25519","kid":"e",` + secret + `,"x":"AAAAj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}`,
		"with x5c":         `{"kty":"OKP","crv":"Ed25519","kid":"e","x5c":["AA=="],` + secret + `,"x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}`,
	} {
		_, err := ParsePrivateJWK([]byte(jwk))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW") {
			t.Errorf("%s: the error quotes the key: %v", name, err)
		}
	}
	if _, err := ParsePublicJWK([]byte(rfcEd25519Priv)); err == nil {
		t.Error("ParsePublicJWK accepted a private key")
	}
}
