package httpsig

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/ucp"
)

// DefaultWindow is how far a signature's created parameter may lie from
// the clock when VerifierOptions.Window is zero.
const DefaultWindow = 5 * time.Minute

// VerifierOptions configure a Verifier.
type VerifierOptions struct {
	// Window is how far a signature's created parameter may lie from
	// the clock, either way (ucp.signature_window); DefaultWindow when
	// zero.
	Window time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verifier verifies the RFC 9421 signatures of UCP requests with the
// platform's keys; it implements ucp.RequestVerifier and is safe for
// concurrent use.
type Verifier struct {
	window time.Duration
	now    func() time.Time
}

var _ ucp.RequestVerifier = (*Verifier)(nil)

// NewVerifier returns a Verifier.
func NewVerifier(opts VerifierOptions) *Verifier {
	v := &Verifier{window: opts.Window, now: opts.Now}
	if v.window <= 0 {
		v.window = DefaultWindow
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// Verify checks the signature of req with the platform's signing keys
// (ucp.RequestVerifier). The signature verified is the first of
// Signature-Input whose keyid names one of the keys. It must cover what
// signatures.md requires of a request: @method, @authority, @path,
// @query when there is a query, ucp-agent and idempotency-key when those
// headers are present, content-digest and content-type when there is a
// body. A body needs a Content-Digest (sha-256 or sha-512) that matches
// it. created, when given, must lie within the window around the clock;
// expires, when given, must not have passed. Errors are *ucp.Error:
// signature_missing, signature_invalid, key_not_found (401),
// digest_mismatch, algorithm_unsupported (400).
func (v *Verifier) Verify(req *ucp.SignedRequest, platform *ucp.Platform) error {
	m := &message{method: req.Method, scheme: req.Scheme, authority: req.Authority, path: req.Path, query: req.Query, header: req.Header}
	if m.header == nil {
		m.header = http.Header{}
	}
	required := []string{"@method", "@authority", "@path"}
	if req.Query != "" {
		required = append(required, "@query")
	}
	for _, h := range []string{ucp.HeaderAgent, ucp.HeaderIdempotencyKey} {
		if len(m.header.Values(h)) > 0 {
			required = append(required, h)
		}
	}
	var keys []json.RawMessage
	if platform != nil {
		keys = platform.SigningKeys
	}
	return v.verify(m, required, req.Body, keys)
}

// verify checks m's signature with one of keys; required are the
// components it must cover besides the body's.
func (v *Verifier) verify(m *message, required []string, body []byte, keys []json.RawMessage) error {
	input, sigs := m.header.Values(HeaderSignatureInput), m.header.Values(HeaderSignature)
	if len(input) == 0 || len(sigs) == 0 {
		return ucp.NewError(http.StatusUnauthorized, ucp.CodeSignatureMissing, "the request has no Signature-Input and Signature headers (RFC 9421)")
	}
	all, err := parseSignatures(input, sigs)
	if err != nil {
		return invalid("malformed signature headers: %s", err)
	}
	s, key, err := pickSignature(all, keys)
	if err != nil {
		return err
	}
	p := s.params
	if p.alg != "" && Algorithm(p.alg) != key.alg {
		return ucp.NewError(http.StatusBadRequest, ucp.CodeAlgorithmUnsupported,
			fmt.Sprintf("signature algorithm %q is not supported for key kid=%s (%s expected)", p.alg, key.id, key.alg))
	}
	if len(body) > 0 {
		if len(m.header.Values(HeaderContentDigest)) == 0 {
			return ucp.NewError(http.StatusBadRequest, ucp.CodeDigestMismatch, "a message with a body must carry a Content-Digest header (RFC 9530, sha-256)")
		}
		required = append(required, "content-digest")
		if m.header.Get("Content-Type") != "" {
			required = append(required, "content-type")
		}
	}
	if lines := m.header.Values(HeaderContentDigest); len(lines) > 0 {
		if err := checkContentDigest(lines, body); err != nil {
			return ucp.NewError(http.StatusBadRequest, ucp.CodeDigestMismatch, "Content-Digest: "+err.Error())
		}
	}
	for _, r := range required {
		if !covers(p, r) {
			return invalid("signature %s does not cover %s, which UCP requires", s.label, r)
		}
	}
	now := v.now()
	if p.hasCreated {
		if created := time.Unix(p.created, 0); created.Before(now.Add(-v.window)) || created.After(now.Add(v.window)) {
			return invalid("signature %s was created at %d, more than %s from the server's clock", s.label, p.created, v.window)
		}
	}
	if p.hasExpires && !now.Before(time.Unix(p.expires, 0)) {
		return invalid("signature %s expired at %d", s.label, p.expires)
	}
	base, err := m.base(p.components, p.serialized)
	if err != nil {
		return invalid("signature %s: %s", s.label, err)
	}
	if !key.verify(base, s.value) {
		return invalid("signature verification failed for key kid=%s", key.id)
	}
	return nil
}

// pickSignature returns the first signature whose keyid names one of
// keys, and that key.
func pickSignature(all []signature, keys []json.RawMessage) (signature, *publicKey, error) {
	var ids []string
	for _, s := range all {
		if s.params.keyID == "" {
			continue
		}
		ids = append(ids, s.params.keyID)
		key, ok, err := findKey(keys, s.params.keyID)
		if !ok {
			continue
		}
		if errors.Is(err, errUnsupportedKey) {
			return s, nil, ucp.NewError(http.StatusBadRequest, ucp.CodeAlgorithmUnsupported, fmt.Sprintf("key kid=%s: %s", s.params.keyID, err))
		}
		if err != nil {
			return s, nil, ucp.NewError(http.StatusUnauthorized, ucp.CodeKeyNotFound, fmt.Sprintf("key kid=%s of the signer's profile is not a usable public key: %s", s.params.keyID, err))
		}
		if s.value == nil {
			return s, nil, ucp.NewError(http.StatusUnauthorized, ucp.CodeSignatureMissing, fmt.Sprintf("the Signature header has no signature %s", s.label))
		}
		return s, key, nil
	}
	if len(ids) == 0 {
		return signature{}, nil, invalid("no signature names its key (keyid)")
	}
	return signature{}, nil, ucp.NewError(http.StatusUnauthorized, ucp.CodeKeyNotFound, fmt.Sprintf("no key kid=%s in the signer's signing_keys", ids[0]))
}

// covers reports whether p covers the component (a derived component or
// a header name, any case).
func covers(p *sigParams, name string) bool {
	return slices.ContainsFunc(p.components, func(c component) bool { return c.name == strings.ToLower(name) && c.param == "" })
}

// invalid is a signature_invalid error.
func invalid(format string, args ...any) *ucp.Error {
	return ucp.NewError(http.StatusUnauthorized, ucp.CodeSignatureInvalid, fmt.Sprintf(format, args...))
}
