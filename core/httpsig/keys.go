package httpsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math/big"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithm is an RFC 9421 signature algorithm (the HTTP Signature
// Algorithms registry's name, as an alg signature parameter gives it).
type Algorithm string

// The algorithms supported.
const (
	// ECDSAP256SHA256 is ECDSA on P-256 with SHA-256 (JWS ES256): UCP's
	// required algorithm.
	ECDSAP256SHA256 Algorithm = "ecdsa-p256-sha256"
	// ECDSAP384SHA384 is ECDSA on P-384 with SHA-384 (JWS ES384),
	// optional in UCP.
	ECDSAP384SHA384 Algorithm = "ecdsa-p384-sha384"
	// Ed25519 is EdDSA on Curve25519.
	Ed25519 Algorithm = "ed25519"
)

// errUnsupportedKey marks a JWK whose type or curve has no supported
// algorithm.
var errUnsupportedKey = errors.New("unsupported key type")

// jwkHeader is what is read of a JWK before go-jose parses it: enough to
// refuse what is not a key of a supported algorithm, or not of the
// expected kind (public or private), before any expensive parsing.
type jwkHeader struct {
	Kty string          `json:"kty"`
	Crv string          `json:"crv"`
	Kid string          `json:"kid"`
	Alg string          `json:"alg"`
	D   json.RawMessage `json:"d"`
	X5c json.RawMessage `json:"x5c"`
	X5u json.RawMessage `json:"x5u"`
}

// algorithm returns the algorithm of a key of this type and curve.
func (h jwkHeader) algorithm() (Algorithm, error) {
	var alg Algorithm
	var jwsAlg string
	switch {
	case h.Kty == "EC" && h.Crv == "P-256":
		alg, jwsAlg = ECDSAP256SHA256, "ES256"
	case h.Kty == "EC" && h.Crv == "P-384":
		alg, jwsAlg = ECDSAP384SHA384, "ES384"
	case h.Kty == "OKP" && h.Crv == "Ed25519":
		alg, jwsAlg = Ed25519, "EdDSA"
	default:
		return "", fmt.Errorf("%w: kty %q, crv %q (EC P-256, EC P-384 or OKP Ed25519 expected)", errUnsupportedKey, h.Kty, h.Crv)
	}
	if h.Alg != "" && h.Alg != jwsAlg {
		return "", fmt.Errorf("%w: alg %q does not fit kty %q, crv %q (%s expected)", errUnsupportedKey, h.Alg, h.Kty, h.Crv, jwsAlg)
	}
	return alg, nil
}

// parseJWK parses a JWK of a supported algorithm: a private one when
// private, else a public one (one with private parts is refused, so that
// a secret pasted where a public key belongs is not published).
func parseJWK(data []byte, private bool) (*jose.JSONWebKey, Algorithm, error) {
	var h jwkHeader
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, "", fmt.Errorf("not a JWK (JSON object): %w", err)
	}
	if h.Kid == "" {
		return nil, "", errors.New("the JWK has no kid")
	}
	alg, err := h.algorithm()
	if err != nil {
		return nil, "", err
	}
	switch {
	case h.X5c != nil || h.X5u != nil:
		return nil, "", errors.New("JWKs with certificates (x5c, x5u) are not accepted")
	case private && h.D == nil:
		return nil, "", errors.New("the JWK has no private part (d)")
	case !private && h.D != nil:
		return nil, "", errors.New("the JWK holds a private key (d); give its public part only")
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(data); err != nil {
		return nil, "", fmt.Errorf("invalid JWK: %w", err)
	}
	if !k.Valid() {
		return nil, "", errors.New("invalid JWK: missing key parameters")
	}
	return &k, alg, nil
}

// publicKey is a verification key.
type publicKey struct {
	id  string
	alg Algorithm
	// key is *ecdsa.PublicKey or ed25519.PublicKey.
	key crypto.PublicKey
}

// ParsePublicJWK parses a public JWK (EC P-256, EC P-384 or OKP Ed25519,
// with a kid) and returns it in its canonical JSON form, as a profile's
// signing_keys lists it. It refuses a JWK with private parts.
func ParsePublicJWK(data []byte) (json.RawMessage, error) {
	k, _, err := parseJWK(data, false)
	if err != nil {
		return nil, err
	}
	return publicJWK(k)
}

// publicJWK is the public JWK of k, marked for signing ("use": "sig")
// with its JWS algorithm.
func publicJWK(k *jose.JSONWebKey) (json.RawMessage, error) {
	pub := k.Public()
	pub.Use = "sig"
	switch key := pub.Key.(type) {
	case *ecdsa.PublicKey:
		pub.Algorithm = "ES" + fmt.Sprint(key.Curve.Params().BitSize)
	case ed25519.PublicKey:
		pub.Algorithm = "EdDSA"
	}
	b, err := pub.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode public JWK: %w", err)
	}
	return b, nil
}

// keyID returns the kid of a JWK, or "" when it has none or is not a JSON
// object.
func keyID(data []byte) string {
	var h jwkHeader
	if json.Unmarshal(data, &h) != nil {
		return ""
	}
	return h.Kid
}

// findKey returns the key with kid id among keys (JWK JSON), parsed:
// ok is false when none has that kid; err is set when it is not a
// supported public key.
func findKey(keys []json.RawMessage, id string) (pk *publicKey, ok bool, err error) {
	for _, raw := range keys {
		if keyID(raw) != id {
			continue
		}
		k, alg, err := parseJWK(raw, false)
		if err != nil {
			return nil, true, err
		}
		return &publicKey{id: id, alg: alg, key: k.Key}, true, nil
	}
	return nil, false, nil
}

// ecdsaParams returns the hash, the curve and the coordinate size in
// bytes of the ECDSA algorithm alg.
func ecdsaParams(alg Algorithm) (func() hash.Hash, elliptic.Curve, int) {
	if alg == ECDSAP384SHA384 {
		return sha512.New384, elliptic.P384(), 48
	}
	return sha256.New, elliptic.P256(), 32
}

// sign signs base with priv (*ecdsa.PrivateKey or ed25519.PrivateKey)
// under alg: ECDSA signatures are r||s, each padded to the coordinate
// size.
func sign(priv crypto.Signer, alg Algorithm, base []byte) ([]byte, error) {
	switch key := priv.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(key, base), nil
	case *ecdsa.PrivateKey:
		newHash, _, size := ecdsaParams(alg)
		h := newHash()
		h.Write(base)
		r, s, err := ecdsa.Sign(rand.Reader, key, h.Sum(nil))
		if err != nil {
			return nil, fmt.Errorf("ecdsa sign: %w", err)
		}
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	}
	return nil, fmt.Errorf("%w: %T", errUnsupportedKey, priv)
}

// verify reports whether sig is k's signature of base.
func (k *publicKey) verify(base, sig []byte) bool {
	switch key := k.key.(type) {
	case ed25519.PublicKey:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(key, base, sig)
	case *ecdsa.PublicKey:
		newHash, curve, size := ecdsaParams(k.alg)
		if key.Curve != curve || len(sig) != 2*size {
			return false
		}
		h := newHash()
		h.Write(base)
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(key, h.Sum(nil), r, s)
	}
	return false
}
