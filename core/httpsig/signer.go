package httpsig

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/acp-sidecar/acp/core/ucp"
)

// Signer signs messages with one private key. It is safe for concurrent
// use.
type Signer struct {
	id     string
	alg    Algorithm
	key    crypto.Signer
	public json.RawMessage
}

// ParsePrivateJWK returns a Signer for a private JWK: EC P-256 (ES256),
// EC P-384 (ES384) or OKP Ed25519, with a kid. Its errors never quote
// the key.
func ParsePrivateJWK(data []byte) (*Signer, error) {
	k, alg, err := parseJWK(data, true)
	if err != nil {
		return nil, err
	}
	key, ok := k.Key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T", errUnsupportedKey, k.Key)
	}
	pub, err := publicJWK(k)
	if err != nil {
		return nil, err
	}
	return &Signer{id: k.KeyID, alg: alg, key: key, public: pub}, nil
}

// KeyID is the key's kid, the keyid of its signatures.
func (s *Signer) KeyID() string { return s.id }

// Algorithm is the key's algorithm.
func (s *Signer) Algorithm() Algorithm { return s.alg }

// PublicJWK is the key's public JWK (with "use": "sig" and its JWS alg),
// as a profile's signing_keys lists it.
func (s *Signer) PublicJWK() json.RawMessage { return s.public }

// SignRequest signs r, whose body is body, at created: it sets
// Content-Digest (when there is a body) and the Signature-Input and
// Signature of signature "sig1". The covered components are those
// signatures.md prescribes for a REST request: @method, @authority,
// @path, @query when the URL has a query, ucp-agent and idempotency-key
// when r has those headers, content-digest and content-type when there
// is a body (which needs a Content-Type); then each header of also that
// r has (a webhook's Webhook-Id and Webhook-Timestamp).
func (s *Signer) SignRequest(r *http.Request, body []byte, created time.Time, also ...string) error {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	m := &message{method: r.Method, scheme: r.URL.Scheme, authority: host, path: r.URL.EscapedPath(), query: r.URL.RawQuery, header: r.Header}
	names := []string{"@method", "@authority", "@path"}
	if m.query != "" {
		names = append(names, "@query")
	}
	for _, h := range append([]string{ucp.HeaderAgent, ucp.HeaderIdempotencyKey}, also...) {
		if len(r.Header.Values(h)) > 0 {
			names = append(names, h)
		}
	}
	return s.sign(m, names, body, created)
}

// SignResponse signs a response with status, header h and body at
// created: it sets Content-Digest (when there is a body) and the
// Signature-Input and Signature of signature "sig1" in h. The covered
// components are @status, and content-digest and content-type when there
// is a body (which needs a Content-Type).
func (s *Signer) SignResponse(status int, h http.Header, body []byte, created time.Time) error {
	return s.sign(&message{status: status, header: h}, []string{"@status"}, body, created)
}

// sign adds the body's digest and the signature of m over names (and
// the body's fields).
func (s *Signer) sign(m *message, names []string, body []byte, created time.Time) error {
	if len(body) > 0 {
		if m.header.Get("Content-Type") == "" {
			return errors.New("sign: a message with a body needs a Content-Type")
		}
		m.header.Set(HeaderContentDigest, contentDigest(body))
		names = append(names, "content-digest", "content-type")
	}
	p, err := buildParams(names, created.Unix(), s.id)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	base, err := m.base(p.components, p.serialized)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	sig, err := sign(s.key, s.alg, base)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	input, value := signatureFields(label, p, sig)
	m.header.Set(HeaderSignatureInput, input)
	m.header.Set(HeaderSignature, value)
	return nil
}
