package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"testing"
)

// ECJWK makes a fresh EC key on c as the members of a JWK: kty, crv, x
// and y, kid when not empty, and the private part (d) when private.
func ECJWK(t testing.TB, c elliptic.Curve, kid string, private bool) map[string]any {
	t.Helper()
	key, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	size := (len(pub) - 1) / 2
	b64 := base64.RawURLEncoding.EncodeToString
	m := map[string]any{"kty": "EC", "crv": c.Params().Name, "x": b64(pub[1 : 1+size]), "y": b64(pub[1+size:])}
	if kid != "" {
		m["kid"] = kid
	}
	if private {
		d, err := key.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		m["d"] = b64(d)
	}
	return m
}
