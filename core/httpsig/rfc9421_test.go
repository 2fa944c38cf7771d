package httpsig

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The test keys of RFC 9421 Appendix B.1, as JWKs (B.1.3, B.1.4), and
// what the test checks the RSA-PSS and HMAC examples' bases with (B.1.2,
// B.1.5): those algorithms are not supported, but their example
// signatures prove the bases byte for byte.
const (
	rfcP256JWK      = `{"kty":"EC","crv":"P-256","kid":"test-key-ecc-p256","x":"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA","y":"Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0"}`
	rfcEd25519JWK   = `{"kty":"OKP","crv":"Ed25519","kid":"test-key-ed25519","x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}`
	rfcEd25519Priv  = `{"kty":"OKP","crv":"Ed25519","kid":"test-key-ed25519","d":"n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU","x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}`
	rfcSharedSecret = "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ=="
	rfcRSAPSSPublic = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----`
	// rfcCreated is the created parameter of the examples.
	rfcCreated = 1618884473
)

// rfcRequest is the example request of RFC 9421 Appendix B.2.
func rfcRequest() *message {
	return &message{method: "POST", scheme: "https", authority: "example.com", path: "/foo", query: "param=Value&Pet=dog",
		header: http.Header{
			"Host":           {"example.com"},
			"Date":           {"Tue, 20 Apr 2021 02:07:55 GMT"},
			"Content-Type":   {"application/json"},
			"Content-Digest": {"sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"},
			"Content-Length": {"18"},
		}}
}

// rfcResponse is the example response of RFC 9421 Appendix B.2.
func rfcResponse() *message {
	return &message{status: 200, header: http.Header{
		"Date":           {"Tue, 20 Apr 2021 02:07:56 GMT"},
		"Content-Type":   {"application/json"},
		"Content-Digest": {"sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:"},
		"Content-Length": {"23"},
	}}
}

const (
	rfcRequestBody  = `{"hello": "world"}`
	rfcResponseBody = `{"message": "good dog"}`
)

// rfcExample is one signature example of RFC 9421 Appendix B.
type rfcExample struct {
	name       string
	msg        *message
	input, sig string
	// base is the signature base the RFC shows.
	base string
	// check verifies the signature over the base with the example's key.
	check func(t *testing.T, base, sig []byte) bool
}

func rfcExamples() []rfcExample {
	return []rfcExample{{
		name:  "B.2.1 minimal signature using rsa-pss-sha512",
		msg:   rfcRequest(),
		input: `sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`,
		sig:   `sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:`,
		base:  `"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`,
		check: rsaPSS,
	}, {
		name:  "B.2.2 selective covered components using rsa-pss-sha512",
		msg:   rfcRequest(),
		input: `sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"`,
		sig:   `sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:`,
		base: `"@authority": example.com
"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
"@query-param";name="Pet": dog
"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example"`,
		check: rsaPSS,
	}, {
		name:  "B.2.3 full coverage using rsa-pss-sha512",
		msg:   rfcRequest(),
		input: `sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"`,
		sig:   `sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:`,
		base: `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@query": ?param=Value&Pet=dog
"@authority": example.com
"content-type": application/json
"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"`,
		check: rsaPSS,
	}, {
		name:  "B.2.4 signing a response using ecdsa-p256-sha256",
		msg:   rfcResponse(),
		input: `sig-b24=("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"`,
		sig:   `sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:`,
		base: `"@status": 200
"content-type": application/json
"content-digest": sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:
"content-length": 23
"@signature-params": ("@status" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-ecc-p256"`,
		check: withJWK(rfcP256JWK),
	}, {
		name:  "B.2.5 signing a request using hmac-sha256",
		msg:   rfcRequest(),
		input: `sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"`,
		sig:   `sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:`,
		base: `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@authority": example.com
"content-type": application/json
"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"`,
		check: hmacSHA256,
	}, {
		name:  "B.2.6 signing a request using ed25519",
		msg:   rfcRequest(),
		input: `sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
		sig:   `sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`,
		base: `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
		check: withJWK(rfcEd25519JWK),
	}, {
		name: "B.4 TLS-terminating proxy using ecdsa-p256-sha256",
		msg: &message{method: "POST", scheme: "https", authority: "service.internal.example", path: "/foo", query: "param=Value&Pet=dog",
			header: http.Header{"Client-Cert": {":MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdXRoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3YC8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMCBsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=:"}}},
		input: `ttrp=("@path" "@query" "@method" "@authority" "client-cert");created=1618884473;keyid="test-key-ecc-p256"`,
		sig:   `ttrp=:xVMHVpawaAC/0SbHrKRs9i8I3eOs5RtTMGCWXm/9nvZzoHsIg6Mce9315T6xoklyy0yzhD9ah4JHRwMLOgmizw==:`,
		base: `"@path": /foo
"@query": ?param=Value&Pet=dog
"@method": POST
"@authority": service.internal.example
"client-cert": :MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdXRoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3YC8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMCBsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=:
"@signature-params": ("@path" "@query" "@method" "@authority" "client-cert");created=1618884473;keyid="test-key-ecc-p256"`,
		check: withJWK(rfcP256JWK),
	}}
}

// withJWK checks a signature with a public JWK through this package's
// key handling.
func withJWK(jwk string) func(t *testing.T, base, sig []byte) bool {
	return func(t *testing.T, base, sig []byte) bool {
		t.Helper()
		k, ok, err := findKey([]json.RawMessage{json.RawMessage(jwk)}, keyID([]byte(jwk)))
		if !ok || err != nil {
			t.Fatalf("test key: found %v, %v", ok, err)
		}
		return k.verify(base, sig)
	}
}

// rsaPSS checks an rsa-pss-sha512 signature with test-key-rsa-pss.
func rsaPSS(t *testing.T, base, sig []byte) bool {
	t.Helper()
	b, _ := pem.Decode([]byte(rfcRSAPSSPublic))
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(base)
	return rsa.VerifyPSS(k.(*rsa.PublicKey), crypto.SHA512, sum[:], sig, &rsa.PSSOptions{SaltLength: 64, Hash: crypto.SHA512}) == nil
}

// hmacSHA256 checks an hmac-sha256 signature with test-shared-secret.
func hmacSHA256(t *testing.T, base, sig []byte) bool {
	t.Helper()
	key, _ := base64.StdEncoding.DecodeString(rfcSharedSecret)
	mac := hmac.New(sha256.New, key)
	mac.Write(base)
	return hmac.Equal(mac.Sum(nil), sig)
}

// TestRFC9421Examples builds the signature bases of RFC 9421 Appendix B
// byte for byte, and checks each example signature over the base built.
func TestRFC9421Examples(t *testing.T) {
	t.Parallel()
	for _, ex := range rfcExamples() {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			sigs, err := parseSignatures([]string{ex.input}, []string{ex.sig})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(sigs) != 1 {
				t.Fatalf("%d signatures, want 1", len(sigs))
			}
			s := sigs[0]
			if got, _ := signatureFields(s.label, s.params, s.value); got != ex.input {
				t.Errorf("Signature-Input serialized again:\n%s\nwant\n%s", got, ex.input)
			}
			base, err := ex.msg.base(s.params.components, s.params.serialized)
			if err != nil {
				t.Fatalf("base: %v", err)
			}
			if string(base) != ex.base {
				t.Fatalf("base:\n%s\nwant\n%s", base, ex.base)
			}
			if !ex.check(t, base, s.value) {
				t.Fatal("the RFC's signature does not verify over the base built")
			}
			base[len(base)-1] ^= 1
			if ex.check(t, base, s.value) {
				t.Fatal("the signature verifies over a changed base")
			}
		})
	}
}

// TestRFC9421ResponseVerifies runs the B.2.4 response (ecdsa-p256-sha256,
// sha-512 Content-Digest) through the whole verification.
func TestRFC9421ResponseVerifies(t *testing.T) {
	t.Parallel()
	ex := rfcExamples()[3]
	m := ex.msg
	m.header.Set(HeaderSignatureInput, ex.input)
	m.header.Set(HeaderSignature, ex.sig)
	v := NewVerifier(VerifierOptions{Now: func() time.Time { return time.Unix(rfcCreated+10, 0) }})
	keys := []json.RawMessage{json.RawMessage(rfcP256JWK)}
	if err := v.verify(m, []string{"@status"}, []byte(rfcResponseBody), keys); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := v.verify(m, []string{"@status"}, []byte(strings.Replace(rfcResponseBody, "good", "bad", 1)), keys); errCode(err) != "digest_mismatch" {
		t.Fatalf("changed body: %v, want digest_mismatch", err)
	}
}

// TestRFC9421Ed25519Deterministic signs B.2.6's base with the RFC's
// Ed25519 private key through a Signer and gets the RFC's signature.
func TestRFC9421Ed25519Deterministic(t *testing.T) {
	t.Parallel()
	s, err := ParsePrivateJWK([]byte(rfcEd25519Priv))
	if err != nil {
		t.Fatal(err)
	}
	ex := rfcExamples()[5]
	sig, err := sign(s.key, s.alg, []byte(ex.base))
	if err != nil {
		t.Fatal(err)
	}
	if got := "sig-b26=:" + encodeBase64(sig) + ":"; got != ex.sig {
		t.Fatalf("signature %s, want %s", got, ex.sig)
	}
}

// TestDerivedComponents checks the derived components and field
// canonicalization against the examples of RFC 9421 §2.1 and §2.2.
func TestDerivedComponents(t *testing.T) {
	t.Parallel()
	req := &message{method: "POST", scheme: "https", authority: "www.Example.com:443", path: "/path", query: "param=value&foo=bar&baz=batman&qux=",
		header: http.Header{
			"Host":              {"www.example.com"},
			"Date":              {"Tue, 20 Apr 2021 02:07:56 GMT"},
			"X-Ows-Header":      {"   Leading and trailing whitespace.   "},
			"X-Obs-Fold-Header": {"Obsolete\r\n    line folding."},
			"Cache-Control":     {"max-age=60", "   must-revalidate"},
			"Example-Dict":      {" a=1,    b=2;x=1;y=2,   c=(a   b   c)"},
			"Example-Header":    {"value, with, lots", "of, commas"},
			"X-Empty-Header":    {""},
		}}
	tests := []struct{ id, want string }{
		{`"@method"`, `POST`},
		{`"@target-uri"`, `https://www.example.com/path?param=value&foo=bar&baz=batman&qux=`},
		{`"@authority"`, `www.example.com`},
		{`"@scheme"`, `https`},
		{`"@request-target"`, `/path?param=value&foo=bar&baz=batman&qux=`},
		{`"@path"`, `/path`},
		{`"@query"`, `?param=value&foo=bar&baz=batman&qux=`},
		{`"@query-param";name="baz"`, `batman`},
		{`"@query-param";name="qux"`, ``},
		{`"@query-param";name="param"`, `value`},
		{`"host"`, `www.example.com`},
		{`"date"`, `Tue, 20 Apr 2021 02:07:56 GMT`},
		{`"x-ows-header"`, `Leading and trailing whitespace.`},
		{`"x-obs-fold-header"`, `Obsolete line folding.`},
		{`"cache-control"`, `max-age=60, must-revalidate`},
		{`"example-dict"`, `a=1,    b=2;x=1;y=2,   c=(a   b   c)`},
		{`"example-header"`, `value, with, lots, of, commas`},
		{`"x-empty-header"`, ``},
	}
	for _, tt := range tests {
		got := baseLine(t, req, tt.id)
		if want := tt.id + ": " + tt.want; got != want {
			t.Errorf("base line %q, want %q", got, want)
		}
	}
	encoded := &message{method: "GET", scheme: "https", authority: "example.com", path: "/parameters",
		query: "var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something"}
	for id, want := range map[string]string{
		`"@query-param";name="var"`:                  `this%20is%20a%20big%0Amultiline%20value`,
		`"@query-param";name="bar"`:                  `with%20plus%20whitespace`,
		`"@query-param";name="fa%C3%A7ade%22%3A%20"`: `something`,
	} {
		if got := baseLine(t, encoded, id); got != id+": "+want {
			t.Errorf("base line %q, want %q", got, id+": "+want)
		}
	}
	noQuery := &message{method: "GET", scheme: "http", authority: "example.com:80", path: ""}
	for id, want := range map[string]string{`"@query"`: `?`, `"@path"`: `/`, `"@authority"`: `example.com`, `"@target-uri"`: `http://example.com/`} {
		if got := baseLine(t, noQuery, id); got != id+": "+want {
			t.Errorf("base line %q, want %q", got, id+": "+want)
		}
	}
	if got := baseLine(t, &message{status: 404, header: http.Header{}}, `"@status"`); got != `"@status": 404` {
		t.Errorf("base line %q", got)
	}
}

// baseLine returns the base line of the component id in m.
func baseLine(t *testing.T, m *message, id string) string {
	t.Helper()
	sigs, err := parseSignatures([]string{"s=(" + id + ")"}, []string{"s=:AA==:"})
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	base, err := m.base(sigs[0].params.components, sigs[0].params.serialized)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	line, _, _ := strings.Cut(string(base), "\n")
	return line
}
