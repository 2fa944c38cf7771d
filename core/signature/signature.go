// Package signature verifies the request signatures agents send in the
// Signature and Timestamp headers.
//
// ACP says agents SHOULD sign their requests with a Signature header
// (base64url) and a Timestamp header (RFC 3339), but leaves what is signed
// to each seller. This sidecar defines the signing input as six parts
// joined by line feeds ("\n", 0x0A), as config/REFERENCE.md documents
// (reference_test.go holds the two together):
//
//	<Timestamp header value, verbatim>
//	<HTTP method, upper case>
//	<request path, without the query string>
//	<API-Version header value>
//	<Idempotency-Key header value, empty when absent>
//	<RFC 8785 canonical form of the JSON body>
//
// that is
//
//	timestamp + "\n" + METHOD + "\n" + path + "\n" + api_version + "\n" + idempotency_key + "\n" + canonical(body)
//
// The two headers are covered so that a captured request cannot be sent
// again within the skew window under another idempotency key (which would
// repeat it) or another API version.
//
// The path is the request path as sent on the request line, e.g.
// "/checkout_sessions/cs_123/complete"; anything from a '?' on is dropped.
// (ACP's paths contain only unreserved characters, so their escaped and
// decoded forms are the same.) The canonical form is that of package
// canonicaljson (RFC 8785, JSON Canonicalization Scheme): member order,
// insignificant whitespace and number spelling do not change it. An empty
// body (as for GET) canonicalizes to nothing, so the input then ends with
// the fifth "\n". There is no trailing line feed.
//
// The signature is, depending on the agent's scheme:
//
//   - hmac-sha256: HMAC-SHA256 of the signing input, keyed with the secret
//     shared with the agent (32 bytes of MAC);
//   - ed25519: the Ed25519 signature of the signing input by the agent's
//     private key (64 bytes), checked with its public key;
//
// sent as base64url (RFC 4648 §5), with or without padding.
//
// A request is accepted when both headers are present, the timestamp
// parses as RFC 3339 and lies within the agent's maximum skew of the
// server's clock, in either direction, and the signature matches. MACs are
// compared in constant time, and no error ever contains the expected MAC
// or signature. Verification alone does not prevent a signed request from
// being replayed within the skew window: idempotency keys make a replayed
// write harmless, and for a request without one the HTTP API remembers
// the signature (ReplayKey, ReplayWindow) and refuses it a second time.
package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/internal/canonicaljson"
)

// Scheme names a signature algorithm, as written in acp.yaml's
// agents[].signature.scheme.
type Scheme string

// The supported schemes.
const (
	// HMACSHA256 is HMAC-SHA256 keyed with a secret shared with the agent.
	HMACSHA256 Scheme = "hmac-sha256"
	// Ed25519 is an Ed25519 signature by the agent's private key.
	Ed25519 Scheme = "ed25519"
)

// The request headers that carry a signature.
const (
	// HeaderSignature carries the base64url signature.
	HeaderSignature = "Signature"
	// HeaderTimestamp carries the RFC 3339 time the request was signed.
	HeaderTimestamp = "Timestamp"
)

// MinSecretLen is the shortest HMAC secret NewHMAC accepts, in bytes: the
// SHA-256 output length, as RFC 2104 recommends.
const MinSecretLen = sha256.Size

// Sentinel errors of Verify. Verify wraps them with context; test for them
// with errors.Is.
var (
	// ErrMissing is a request without a Signature or Timestamp header.
	ErrMissing = errors.New("missing request signature")
	// ErrTimestamp is a Timestamp header that is not RFC 3339.
	ErrTimestamp = errors.New("malformed signature timestamp")
	// ErrSkew is a Timestamp too far from the server's clock.
	ErrSkew = errors.New("signature timestamp outside the allowed skew")
	// ErrInvalid is a signature that is malformed or does not match.
	ErrInvalid = errors.New("invalid request signature")
	// ErrBody is a body that is not JSON, so it has no canonical form and
	// its signature cannot be checked.
	ErrBody = errors.New("request body cannot be canonicalized for its signature")
)

// Verifier checks the signatures of one agent. It is safe for concurrent
// use. Make one with NewHMAC or NewEd25519.
type Verifier struct {
	scheme  Scheme
	secret  []byte
	pub     ed25519.PublicKey
	maxSkew time.Duration
}

// NewHMAC returns a verifier of hmac-sha256 signatures keyed with secret,
// which is copied. It fails when the secret is shorter than MinSecretLen
// or maxSkew is not positive.
func NewHMAC(secret []byte, maxSkew time.Duration) (*Verifier, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("hmac-sha256 secret is %d bytes, want at least %d", len(secret), MinSecretLen)
	}
	if maxSkew <= 0 {
		return nil, fmt.Errorf("max skew must be positive, got %s", maxSkew)
	}
	return &Verifier{scheme: HMACSHA256, secret: bytes.Clone(secret), maxSkew: maxSkew}, nil
}

// NewEd25519 returns a verifier of ed25519 signatures by the holder of
// pub, which is copied. It fails when pub is not ed25519.PublicKeySize
// bytes or maxSkew is not positive.
func NewEd25519(pub ed25519.PublicKey, maxSkew time.Duration) (*Verifier, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("ed25519 public key is %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	if maxSkew <= 0 {
		return nil, fmt.Errorf("max skew must be positive, got %s", maxSkew)
	}
	return &Verifier{scheme: Ed25519, pub: bytes.Clone(pub), maxSkew: maxSkew}, nil
}

// Scheme returns the verifier's scheme.
func (v *Verifier) Scheme() Scheme { return v.scheme }

// MaxSkew returns how far a timestamp may be from the server's clock.
func (v *Verifier) MaxSkew() time.Duration { return v.maxSkew }

// Request is what a signature covers.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the request path; a query string is ignored.
	Path string
	// APIVersion is the API-Version header value.
	APIVersion string
	// IdempotencyKey is the Idempotency-Key header value, or empty.
	IdempotencyKey string
	// Timestamp is the Timestamp header value.
	Timestamp string
	// Body is the raw request body.
	Body []byte
}

// Verify checks a request's signature, the Signature header value, against
// the server's clock now. It returns nil when the signature is valid, or an
// error wrapping ErrMissing, ErrTimestamp, ErrSkew, ErrInvalid or ErrBody,
// checked in that order.
func (v *Verifier) Verify(r Request, signature string, now time.Time) error {
	timestamp := r.Timestamp
	switch {
	case signature == "" && timestamp == "":
		return fmt.Errorf("%w: the %s and %s headers are required", ErrMissing, HeaderSignature, HeaderTimestamp)
	case signature == "":
		return fmt.Errorf("%w: the %s header is required", ErrMissing, HeaderSignature)
	case timestamp == "":
		return fmt.Errorf("%w: the %s header is required", ErrMissing, HeaderTimestamp)
	}
	signed, err := time.Parse(time.RFC3339, timestamp)
	if err != nil {
		return fmt.Errorf("%w: the %s header must be an RFC 3339 date-time such as 2026-04-17T12:00:00Z", ErrTimestamp, HeaderTimestamp)
	}
	// Sub saturates instead of overflowing, and -maxSkew cannot overflow.
	switch off := now.Sub(signed); {
	case off > v.maxSkew:
		return fmt.Errorf("%w: the timestamp is %s behind the server clock, more than the %s allowed", ErrSkew, off, v.maxSkew)
	case off < -v.maxSkew:
		return fmt.Errorf("%w: the timestamp is %s ahead of the server clock, more than the %s allowed", ErrSkew, signed.Sub(now), v.maxSkew)
	}
	sig, err := decodeSignature(signature)
	if err != nil {
		return fmt.Errorf("%w: the %s header is not base64url", ErrInvalid, HeaderSignature)
	}
	if want := v.size(); len(sig) != want {
		return fmt.Errorf("%w: the %s signature is %d bytes, want %d", ErrInvalid, v.scheme, len(sig), want)
	}
	input, err := SigningInput(r)
	if err != nil {
		if errors.Is(err, ErrBody) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !v.matches(input, sig) {
		return fmt.Errorf("%w: the %s signature does not match the request", ErrInvalid, v.scheme)
	}
	return nil
}

// size is the length of a valid signature of the verifier's scheme.
func (v *Verifier) size() int {
	if v.scheme == Ed25519 {
		return ed25519.SignatureSize
	}
	return sha256.Size
}

// matches reports whether sig is a valid signature of input, comparing
// MACs in constant time.
func (v *Verifier) matches(input, sig []byte) bool {
	switch v.scheme {
	case HMACSHA256:
		return hmac.Equal(mac(v.secret, input), sig)
	case Ed25519:
		return ed25519.Verify(v.pub, input, sig)
	}
	// A zero Verifier, not made by NewHMAC or NewEd25519, accepts nothing.
	return false
}

// decodeSignature decodes base64url, padded or not. Padding, when
// present, must be complete, and unused bits must be zero, so that each
// signature has one unpadded and one padded spelling.
func decodeSignature(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") {
		return base64.URLEncoding.Strict().DecodeString(s)
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// SigningInput returns the bytes a request's signature is computed over
// (see the package documentation). The method is upper-cased and the
// query string is dropped from the path. It fails, wrapping ErrBody, when
// the body is not JSON; and when a header or line part contains a line
// break, which would make the input ambiguous.
func SigningInput(r Request) ([]byte, error) {
	path, _, _ := strings.Cut(r.Path, "?")
	parts := []struct{ name, val string }{
		{"timestamp", r.Timestamp}, {"method", strings.ToUpper(r.Method)}, {"path", path},
		{"API version", r.APIVersion}, {"idempotency key", r.IdempotencyKey},
	}
	var b bytes.Buffer
	for _, part := range parts {
		if strings.ContainsAny(part.val, "\r\n") {
			return nil, fmt.Errorf("signing input: the %s contains a line break", part.name)
		}
		b.WriteString(part.val)
		b.WriteByte('\n')
	}
	canonical, err := canonicaljson.Transform(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBody, err)
	}
	b.Write(canonical)
	return b.Bytes(), nil
}

// SignHMAC signs a request with an hmac-sha256 secret, as an agent does,
// and returns the Signature header value: unpadded base64url.
func SignHMAC(secret []byte, r Request) (string, error) {
	input, err := SigningInput(r)
	if err != nil {
		return "", fmt.Errorf("sign with hmac-sha256: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(mac(secret, input)), nil
}

// SignEd25519 signs a request with an Ed25519 private key, as an agent
// does, and returns the Signature header value: unpadded base64url. It
// fails when priv is not ed25519.PrivateKeySize bytes.
func SignEd25519(priv ed25519.PrivateKey, r Request) (string, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("sign with ed25519: the private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	input, err := SigningInput(r)
	if err != nil {
		return "", fmt.Errorf("sign with ed25519: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, input)), nil
}

// FormatTimestamp formats t as a Timestamp header value: RFC 3339 in UTC,
// to the second.
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// mac is the HMAC-SHA256 of input keyed with secret.
func mac(secret, input []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(input)
	return h.Sum(nil)
}
