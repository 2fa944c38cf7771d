package ucpdoc

import (
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// ecJWK makes a fresh EC key on c as a JWK map, with its private part
// when private.
func ecJWK(t testing.TB, c elliptic.Curve, crv, kid string, private bool) map[string]any {
	t.Helper()
	m := testkit.ECJWK(t, c, kid, private)
	m["kid"], m["crv"], m["use"], m["alg"] = kid, crv, "sig", "ES256"
	return m
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseJWK(t *testing.T) {
	t.Parallel()
	p256 := ecJWK(t, elliptic.P256(), "P-256", "k1", true)
	other := ecJWK(t, elliptic.P256(), "P-256", "k2", true)
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	with := func(m map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for key, val := range m {
			out[key] = val
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	offCurve := with(p256, "y", p256["x"])
	tests := map[string]struct {
		jwk         any
		wantErr     string
		wantPrivate bool
	}{
		"EC P-256 private":        {jwk: p256, wantPrivate: true},
		"EC P-256 public":         {jwk: with(p256, "d", nil)},
		"EC P-384 public":         {jwk: ecJWK(t, elliptic.P384(), "P-384", "k", false)},
		"Ed25519 private":         {jwk: map[string]any{"kid": "e", "kty": "OKP", "crv": "Ed25519", "x": b64(edPub), "d": b64(edPriv.Seed())}, wantPrivate: true},
		"not an object":           {jwk: []int{1}, wantErr: "must be a JSON object"},
		"no kid":                  {jwk: with(p256, "kid", nil), wantErr: "kid is required"},
		"kid not a string":        {jwk: with(p256, "kid", 7), wantErr: "kid must be a string"},
		"no kty":                  {jwk: with(p256, "kty", nil), wantErr: "kty is required"},
		"unknown kty":             {jwk: with(p256, "kty", "oct"), wantErr: `kty "oct" is not a signing key type`},
		"encryption key":          {jwk: with(p256, "use", "enc"), wantErr: `use must be "sig"`},
		"unknown curve":           {jwk: with(p256, "crv", "secp256k1"), wantErr: "crv must be P-256, P-384 or P-521"},
		"padded base64":           {jwk: with(p256, "x", p256["x"].(string)+"="), wantErr: "x is not unpadded base64url"},
		"short coordinate":        {jwk: with(p256, "x", b64(make([]byte, 31))), wantErr: "x must be 32 bytes for P-256, got 31"},
		"missing y":               {jwk: with(p256, "y", nil), wantErr: "y is required for a EC key"},
		"point off the curve":     {jwk: offCurve, wantErr: "x and y are not a point on P-256"},
		"private of another key":  {jwk: with(p256, "d", other["d"]), wantErr: "d does not match x and y"},
		"Ed25519 mismatched seed": {jwk: map[string]any{"kid": "e", "kty": "OKP", "crv": "Ed25519", "x": b64(edPub), "d": b64(make([]byte, 32))}, wantErr: "d does not match x"},
		"Ed25519 wrong curve":     {jwk: map[string]any{"kid": "e", "kty": "OKP", "crv": "X25519", "x": b64(edPub)}, wantErr: "crv must be Ed25519"},
		"RSA too short":           {jwk: map[string]any{"kid": "r", "kty": "RSA", "n": b64(make([]byte, 128)), "e": "AQAB"}, wantErr: "the RSA modulus has 0 bits"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k, err := ParseJWK(marshal(t, tc.jwk))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseJWK error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseJWK: %v", err)
			}
			if k.Private != tc.wantPrivate {
				t.Errorf("Private = %v, want %v", k.Private, tc.wantPrivate)
			}
		})
	}
}

// platformDoc is a valid platform profile, as a fresh map the cases edit.
func platformDoc(t testing.TB) map[string]any {
	t.Helper()
	const v = "2026-04-08"
	return map[string]any{
		"ucp": map[string]any{
			"version": v,
			"services": map[string]any{"dev.ucp.shopping": []any{map[string]any{
				"version": v, "transport": "rest", "spec": "https://ucp.dev/2026-04-08/specification/overview",
				"schema": "https://ucp.dev/2026-04-08/services/shopping/rest.openapi.json",
			}}},
			"capabilities": map[string]any{
				"dev.ucp.shopping.checkout": []any{map[string]any{"version": v, "spec": "https://ucp.dev/s/checkout", "schema": "https://ucp.dev/c.json"}},
				"dev.ucp.shopping.discount": []any{map[string]any{"version": v, "spec": "https://ucp.dev/s/discount", "schema": "https://ucp.dev/d.json",
					"extends": []any{"dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"}}},
				"dev.ucp.shopping.order": []any{map[string]any{"version": v, "spec": "https://ucp.dev/s/order", "schema": "https://ucp.dev/o.json",
					"config": map[string]any{"webhook_url": "https://platform.example/hooks"}}},
			},
			"payment_handlers": map[string]any{"com.example.pay": []any{map[string]any{
				"id": "pay_1", "version": v, "spec": "https://example.com/spec", "schema": "https://example.com/s.json",
				"available_instruments": []any{map[string]any{"type": "card"}},
			}}},
		},
		"signing_keys": []any{ecJWK(t, elliptic.P256(), "P-256", "platform_2026", false)},
	}
}

// at returns the object at a dotted path of doc.
func at(doc map[string]any, path ...string) map[string]any {
	for _, p := range path {
		switch v := doc[p].(type) {
		case map[string]any:
			doc = v
		case []any:
			doc = v[0].(map[string]any)
		}
	}
	return doc
}

func TestParsePlatform(t *testing.T) {
	t.Parallel()
	ok, err := ParsePlatform(marshal(t, platformDoc(t)))
	if err != nil {
		t.Fatalf("valid profile: %v", err)
	}
	if ok.Version != "2026-04-08" || len(ok.SigningKeys) != 1 {
		t.Errorf("parsed %+v", ok)
	}
	if got := ok.Capabilities["dev.ucp.shopping.discount"][0].Extends; len(got) != 2 || got[1] != "dev.ucp.shopping.cart" {
		t.Errorf("discount extends %v", got)
	}
	if got := ok.Capabilities["dev.ucp.shopping.order"][0].Config["webhook_url"]; got != "https://platform.example/hooks" {
		t.Errorf("order config webhook_url = %v", got)
	}
	tests := map[string]struct {
		edit func(d map[string]any)
		want string
	}{
		"no ucp":            {func(d map[string]any) { delete(d, "ucp") }, "ucp: is required"},
		"undated version":   {func(d map[string]any) { at(d, "ucp")["version"] = "draft" }, `ucp.version: must be a date such as 2026-04-08, got "draft"`},
		"no services":       {func(d map[string]any) { delete(at(d, "ucp"), "services") }, "ucp.services: is required"},
		"no handlers":       {func(d map[string]any) { delete(at(d, "ucp"), "payment_handlers") }, "ucp.payment_handlers: is required"},
		"unknown transport": {func(d map[string]any) { at(d, "ucp", "services", "dev.ucp.shopping")["transport"] = "grpc" }, `ucp.services["dev.ucp.shopping"][0].transport: must be one of rest, mcp, a2a, embedded, got "grpc"`},
		"rest without schema": {func(d map[string]any) { delete(at(d, "ucp", "services", "dev.ucp.shopping"), "schema") },
			`ucp.services["dev.ucp.shopping"][0].schema: is required`},
		"capability without spec": {func(d map[string]any) { delete(at(d, "ucp", "capabilities", "dev.ucp.shopping.checkout"), "spec") },
			`ucp.capabilities["dev.ucp.shopping.checkout"][0].spec: is required`},
		"relative schema URL": {func(d map[string]any) {
			at(d, "ucp", "capabilities", "dev.ucp.shopping.checkout")["schema"] = "checkout.json"
		},
			`ucp.capabilities["dev.ucp.shopping.checkout"][0].schema: must be an absolute URL, got "checkout.json"`},
		"bad name": {func(d map[string]any) { at(d, "ucp", "capabilities")["Checkout"] = []any{} }, `ucp.capabilities.Checkout: "Checkout" is not a reverse-domain name`},
		"registry entry not an array": {func(d map[string]any) { at(d, "ucp", "capabilities")["dev.ucp.x"] = map[string]any{} },
			`ucp.capabilities["dev.ucp.x"]: must be an array, got an object`},
		"empty extends": {func(d map[string]any) { at(d, "ucp", "capabilities", "dev.ucp.shopping.discount")["extends"] = []any{} },
			`ucp.capabilities["dev.ucp.shopping.discount"][0].extends: must name at least one parent capability`},
		"extends a number": {func(d map[string]any) { at(d, "ucp", "capabilities", "dev.ucp.shopping.discount")["extends"] = 3 },
			`extends: must be a name or an array of names, got a number`},
		"config not an object": {func(d map[string]any) { at(d, "ucp", "capabilities", "dev.ucp.shopping.order")["config"] = "x" },
			`ucp.capabilities["dev.ucp.shopping.order"][0].config: must be an object, got a string`},
		"handler without id": {func(d map[string]any) { delete(at(d, "ucp", "payment_handlers", "com.example.pay"), "id") },
			`ucp.payment_handlers["com.example.pay"][0].id: is required`},
		"handler with no instruments": {func(d map[string]any) {
			at(d, "ucp", "payment_handlers", "com.example.pay")["available_instruments"] = []any{}
		},
			`available_instruments: must be a non-empty array`},
		"signing keys not an array": {func(d map[string]any) { d["signing_keys"] = map[string]any{} }, "signing_keys: must be an array of JWKs, got an object"},
		"private signing key": {func(d map[string]any) { d["signing_keys"] = []any{ecJWK(t, elliptic.P256(), "P-256", "k", true)} },
			"signing_keys[0]: is a private key (it has d)"},
		"duplicate kid": {func(d map[string]any) {
			d["signing_keys"] = []any{ecJWK(t, elliptic.P256(), "P-256", "k", false), ecJWK(t, elliptic.P256(), "P-256", "k", false)}
		}, `signing_keys[1].kid: "k" is also signing_keys[0]'s`},
		"insane key": {func(d map[string]any) { at(d, "signing_keys")["x"] = "AAAA" }, "signing_keys[0]: x must be 32 bytes for P-256, got 3"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := platformDoc(t)
			tc.edit(d)
			_, err := ParsePlatform(marshal(t, d))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParsePlatform error = %v, want one containing %q", err, tc.want)
			}
			if _, isInvalid := err.(*Invalid); !isInvalid {
				t.Errorf("error is %T, want *Invalid", err)
			}
		})
	}
	for _, bad := range []string{"", "{", `{"ucp":1} {}`, "[]", "null"} {
		if _, err := ParsePlatform([]byte(bad)); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", bad)
		}
	}
}

// TestInvalidCounts checks that every problem is kept and counted.
func TestInvalidCounts(t *testing.T) {
	t.Parallel()
	_, err := ParsePlatform([]byte(`{"ucp":{"version":"x"}}`))
	inv, ok := err.(*Invalid)
	if !ok || len(inv.Problems) != 3 {
		t.Fatalf("error %v, want 3 problems (version, services, payment_handlers)", err)
	}
	if !strings.HasSuffix(err.Error(), "(and 2 more)") {
		t.Errorf("Error() = %q", err.Error())
	}
}

// FuzzParsePlatform checks that no input panics and that what is
// accepted has a dated version and only public, distinct keys.
func FuzzParsePlatform(f *testing.F) {
	f.Add(marshal(f, platformDoc(f)))
	f.Add([]byte(`{"ucp":{"version":"2026-04-08","services":{},"payment_handlers":{}},"signing_keys":[{"kid":"a","kty":"EC"}]}`))
	f.Add([]byte(`{"ucp":{"capabilities":{"a.b":[{"extends":["x.y",1]}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlatform(data)
		if err != nil {
			return
		}
		if !versionPattern.MatchString(p.Version) {
			t.Fatalf("accepted version %q", p.Version)
		}
		for _, k := range p.SigningKeys {
			if j, err := ParseJWK(k); err != nil || j.Private {
				t.Fatalf("accepted key %s: %v", k, err)
			}
		}
	})
}

func TestWithKeyID(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		data, wantData, wantOwn string
		wantErr                 bool
	}{
		"kid added":        {`{"kty":"EC"}`, `{"kid":"k1","kty":"EC"}`, "k1", false},
		"own kid kept":     {`{"kty":"EC","kid":"mine"}`, `{"kty":"EC","kid":"mine"}`, "mine", false},
		"not an object":    {`["kty"]`, "", "", true},
		"null":             {`null`, "", "", true},
		"kid not a string": {`{"kid":7}`, "", "", true},
		"not JSON":         {`{`, "", "", true},
	} {
		out, own, err := WithKeyID([]byte(tc.data), "k1")
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v, want error %v", name, err, tc.wantErr)
			continue
		}
		if string(out) != tc.wantData || own != tc.wantOwn {
			t.Errorf("%s: got %s, %q; want %s, %q", name, out, own, tc.wantData, tc.wantOwn)
		}
	}
}
