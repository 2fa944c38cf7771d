package ucpdoc

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// JWK is what the checks read of a JSON Web Key (RFC 7517).
type JWK struct {
	// KeyID is the key's kid.
	KeyID string
	// KeyType is its kty: EC, OKP or RSA.
	KeyType string
	// Curve is its crv (P-256, P-384, P-521, Ed25519); empty for RSA.
	Curve string
	// Algorithm is its alg, when given.
	Algorithm string
	// Private reports whether it holds the private part (d).
	Private bool
}

// ecCurves are the EC curves accepted, with their coordinate sizes.
var ecCurves = map[string]struct {
	curve ecdh.Curve
	size  int
}{
	"P-256": {ecdh.P256(), 32},
	"P-384": {ecdh.P384(), 48},
	"P-521": {ecdh.P521(), 66},
}

// minRSABits is the shortest RSA modulus accepted.
const minRSABits = 2048

// ParseJWK checks that data is a sane JWK object: a kid, a key type it
// knows (EC on P-256, P-384 or P-521, OKP Ed25519, RSA of at least 2048
// bits) whose members decode as unpadded base64url to the right sizes, an
// EC point on its curve, a private part (d) that matches the public one,
// and a use, when given, of "sig". It does not say whether the key may be
// used for what the caller wants: check KeyType, Curve and Private.
func ParseJWK(data []byte) (JWK, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return JWK{}, errors.New("must be a JSON object (a JWK)")
	}
	return parseJWK(m)
}

func parseJWK(m map[string]any) (JWK, error) {
	str := func(name string) (string, error) {
		v, ok := m[name]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s must be a string", name)
		}
		return s, nil
	}
	var k JWK
	var err error
	fields := []struct {
		name string
		to   *string
	}{{"kid", &k.KeyID}, {"kty", &k.KeyType}, {"crv", &k.Curve}, {"alg", &k.Algorithm}}
	for _, f := range fields {
		if *f.to, err = str(f.name); err != nil {
			return JWK{}, err
		}
	}
	switch {
	case k.KeyID == "":
		return JWK{}, errors.New("kid is required")
	case k.KeyType == "":
		return JWK{}, errors.New("kty is required")
	}
	use, err := str("use")
	if err != nil {
		return JWK{}, err
	}
	if use != "" && use != "sig" {
		return JWK{}, fmt.Errorf(`use must be "sig" for a signing key, got %q`, use)
	}
	b64 := func(name string, size int) ([]byte, error) {
		s, err := str(name)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, fmt.Errorf("%s is required for a %s key", name, k.KeyType)
		}
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not unpadded base64url", name)
		}
		if size > 0 && len(b) != size {
			return nil, fmt.Errorf("%s must be %d bytes for %s, got %d", name, size, k.Curve, len(b))
		}
		return b, nil
	}
	_, k.Private = m["d"]
	switch k.KeyType {
	case "EC":
		return k, checkEC(k, b64)
	case "OKP":
		return k, checkOKP(k, b64)
	case "RSA":
		if k.Curve != "" {
			return JWK{}, errors.New("crv does not belong in an RSA key")
		}
		n, err := b64("n", 0)
		if err != nil {
			return JWK{}, err
		}
		if bits := new(big.Int).SetBytes(n).BitLen(); bits < minRSABits {
			return JWK{}, fmt.Errorf("the RSA modulus has %d bits; at least %d are required", bits, minRSABits)
		}
		if _, err := b64("e", 0); err != nil {
			return JWK{}, err
		}
		if k.Private {
			if _, err := b64("d", 0); err != nil {
				return JWK{}, err
			}
		}
		return k, nil
	}
	return JWK{}, fmt.Errorf("kty %q is not a signing key type (EC, OKP or RSA)", k.KeyType)
}

// decoder decodes a base64url member of a JWK to an expected size (0: any).
type decoder func(name string, size int) ([]byte, error)

// checkEC checks an EC key: a known curve, a point on it, and a private
// scalar that matches it.
func checkEC(k JWK, b64 decoder) error {
	c, ok := ecCurves[k.Curve]
	if !ok {
		return fmt.Errorf("crv must be P-256, P-384 or P-521 for an EC key, got %q", k.Curve)
	}
	x, err := b64("x", c.size)
	if err != nil {
		return err
	}
	y, err := b64("y", c.size)
	if err != nil {
		return err
	}
	point := append(append([]byte{4}, x...), y...)
	if _, err := c.curve.NewPublicKey(point); err != nil {
		return fmt.Errorf("x and y are not a point on %s", k.Curve)
	}
	if !k.Private {
		return nil
	}
	d, err := b64("d", c.size)
	if err != nil {
		return err
	}
	priv, err := c.curve.NewPrivateKey(d)
	if err != nil {
		return fmt.Errorf("d is not a private key on %s", k.Curve)
	}
	if !bytes.Equal(priv.PublicKey().Bytes(), point) {
		return errors.New("d does not match x and y: the private and public parts are of different keys")
	}
	return nil
}

// checkOKP checks an Ed25519 key and, when given, that its seed matches.
func checkOKP(k JWK, b64 decoder) error {
	if k.Curve != "Ed25519" {
		return fmt.Errorf("crv must be Ed25519 for an OKP key, got %q", k.Curve)
	}
	x, err := b64("x", ed25519.PublicKeySize)
	if err != nil {
		return err
	}
	if !k.Private {
		return nil
	}
	d, err := b64("d", ed25519.SeedSize)
	if err != nil {
		return err
	}
	if pub := ed25519.NewKeyFromSeed(d).Public().(ed25519.PublicKey); !bytes.Equal(pub, x) {
		return errors.New("d does not match x: the private and public parts are of different keys")
	}
	return nil
}

// WithKeyID returns the JWK data with its kid set to kid when it has
// none, and the kid it then has. Data that is not a JSON object, or whose
// kid is not a string, is an error.
func WithKeyID(data []byte, kid string) (out []byte, own string, err error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil {
		return nil, "", errors.New("not a JSON object")
	}
	if raw, ok := m["kid"]; ok {
		if json.Unmarshal(raw, &own) != nil {
			return nil, "", errors.New("its kid is not a string")
		}
		return data, own, nil
	}
	m["kid"], _ = json.Marshal(kid)
	out, err = json.Marshal(m)
	return out, kid, err
}
