package httpsig

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/ucp"
)

// FuzzParseSignatures parses arbitrary Signature-Input and Signature
// fields: never a panic, and what parses serializes to what parses again
// to the same parameters.
func FuzzParseSignatures(f *testing.F) {
	for _, ex := range rfcExamples() {
		f.Add(ex.input, ex.sig)
	}
	f.Add(`sig1=("@method" "@query-param";name="a b");created=-1;expires=1.5`, `sig1=:;`)
	f.Add(`a=("x" "x"), b=?1, c=("@status";req)`, `a=("x"), b=:AA==:`)
	f.Add(`sig1=("@query-param")`, `sig1=:AA==:`)
	f.Add("sig1=(\"\xff\")", "")
	f.Add(`sig1=("Content-Type");keyid=x`, `sig1=:AA==:;p=%"x"`)
	f.Fuzz(func(t *testing.T, input, sig string) {
		sigs, err := parseSignatures([]string{input}, []string{sig})
		if err != nil {
			return
		}
		for _, s := range sigs {
			in, _ := signatureFields(s.label, s.params, nil)
			again, err := parseSignatures([]string{in}, []string{s.label + "=:AA==:"})
			if err != nil {
				t.Fatalf("%q serialized as %q, which does not parse: %v", input, in, err)
			}
			if again[0].params.serialized != s.params.serialized {
				t.Fatalf("%q serialized as %q, then as %q", input, s.params.serialized, again[0].params.serialized)
			}
			m := &message{method: "GET", scheme: "https", authority: "a", path: "/p", query: "a=1&b", header: http.Header{"Content-Type": {"x"}}}
			_, _ = m.base(s.params.components, s.params.serialized)
		}
	})
}

// FuzzVerify verifies requests with arbitrary signature, digest and
// body: never a panic, and every refusal a *ucp.Error.
func FuzzVerify(f *testing.F) {
	for _, ex := range rfcExamples() {
		f.Add(ex.input, ex.sig, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", `{"hello": "world"}`)
	}
	f.Add(`sig1=("@method" "content-digest");keyid="test-key-ecc-p256"`, `sig1=:AA==:`, `sha-512=:AA==:, sha-256=?1`, "x")
	keys := []json.RawMessage{json.RawMessage(rfcP256JWK), json.RawMessage(rfcEd25519JWK), json.RawMessage(`{"kid":"test-key-rsa-pss","kty":"RSA"}`)}
	v := NewVerifier(VerifierOptions{Now: func() time.Time { return time.Unix(rfcCreated, 0) }})
	f.Fuzz(func(t *testing.T, input, sig, digest, body string) {
		h := http.Header{HeaderSignatureInput: {input}, HeaderSignature: {sig}, HeaderContentDigest: {digest}, "Content-Type": {"application/json"}}
		req := &ucp.SignedRequest{Method: "POST", Authority: "example.com", Path: "/foo", Query: "param=Value&Pet=dog", Scheme: "https", Header: h, Body: []byte(body)}
		err := v.Verify(req, &ucp.Platform{SigningKeys: keys})
		if err == nil {
			t.Fatalf("verified a forged request: %q %q", input, sig)
		}
		if _, ok := err.(*ucp.Error); !ok {
			t.Fatalf("error %T %v, want *ucp.Error", err, err)
		}
	})
}

// FuzzContentDigest checks arbitrary Content-Digest fields: never a
// panic, and a field accepted for a body holds its digest.
func FuzzContentDigest(f *testing.F) {
	f.Add("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", `{"hello": "world"}`)
	f.Add("sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:", `{"hello": "world"}`)
	f.Add("md5=:AA==:, sha-256=:AA==:", "")
	f.Add("sha-256=x", "")
	f.Fuzz(func(t *testing.T, field, body string) {
		if checkContentDigest([]string{field}, []byte(body)) != nil {
			return
		}
		if checkContentDigest([]string{field}, []byte(body+"x")) == nil {
			t.Fatalf("%q accepted for %q and for another body", field, body)
		}
	})
}
