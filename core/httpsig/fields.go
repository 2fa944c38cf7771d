package httpsig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dunglas/httpsfv"
)

// The header fields of a signed message.
const (
	// HeaderSignatureInput lists each signature's covered components and
	// parameters (RFC 9421 §4.1).
	HeaderSignatureInput = "Signature-Input"
	// HeaderSignature carries each signature's value (RFC 9421 §4.2).
	HeaderSignature = "Signature"
	// HeaderContentDigest carries the body's digest (RFC 9530).
	HeaderContentDigest = "Content-Digest"
)

// label is the label of the signatures made here (UCP's examples'
// "sig1").
const label = "sig1"

// sigParams are one signature's covered components and parameters.
type sigParams struct {
	components []component
	// created and expires are Unix times; has* tell whether given.
	created, expires       int64
	hasCreated, hasExpires bool
	keyID, alg             string
	// serialized is the inner list serialized: the value of the
	// @signature-params line.
	serialized string
}

// signature is one member of Signature-Input with its Signature value.
type signature struct {
	label  string
	params *sigParams
	// value is the signature; nil when Signature has no member of
	// that label.
	value []byte
}

// newParams reads the signature parameters of an inner list of
// Signature-Input: the covered components (distinct, never
// @signature-params) and the parameters created and expires (integers),
// keyid, alg, nonce and tag (strings); others are kept as given.
func newParams(il httpsfv.InnerList) (*sigParams, error) {
	p := &sigParams{}
	seen := map[string]bool{}
	for _, it := range il.Items {
		c, err := newComponent(it)
		if err != nil {
			return nil, err
		}
		if seen[c.id] {
			return nil, fmt.Errorf("component %s is covered twice", c.id)
		}
		seen[c.id] = true
		p.components = append(p.components, c)
	}
	for _, name := range il.Params.Names() {
		v, _ := il.Params.Get(name)
		var ok bool
		switch name {
		case "created":
			p.created, ok = v.(int64)
			p.hasCreated = ok
		case "expires":
			p.expires, ok = v.(int64)
			p.hasExpires = ok
		case "keyid":
			p.keyID, ok = v.(string)
		case "alg":
			p.alg, ok = v.(string)
		case "nonce", "tag":
			_, ok = v.(string)
		default:
			ok = true
		}
		if !ok {
			return nil, fmt.Errorf("signature parameter %q has the wrong type", name)
		}
	}
	s, err := httpsfv.Marshal(httpsfv.List{il})
	if err != nil {
		return nil, fmt.Errorf("signature parameters: %w", err)
	}
	p.serialized = s
	return p, nil
}

// parseSignatures parses the Signature-Input and Signature field lines
// of a message: its signatures in Signature-Input's order.
func parseSignatures(input, sigs []string) ([]signature, error) {
	in, err := httpsfv.UnmarshalDictionary(input)
	if err != nil {
		return nil, fmt.Errorf("the Signature-Input field is not a structured dictionary: %w", err)
	}
	values, err := httpsfv.UnmarshalDictionary(sigs)
	if err != nil {
		return nil, fmt.Errorf("the Signature field is not a structured dictionary: %w", err)
	}
	var out []signature
	for _, l := range in.Names() {
		m, _ := in.Get(l)
		il, ok := m.(httpsfv.InnerList)
		if !ok {
			return nil, fmt.Errorf("signature %q of Signature-Input is not an inner list", l)
		}
		p, err := newParams(il)
		if err != nil {
			return nil, fmt.Errorf("signature %q of Signature-Input: %w", l, err)
		}
		s := signature{label: l, params: p}
		if v, ok := values.Get(l); ok {
			it, ok := v.(httpsfv.Item)
			b, isBytes := it.Value.([]byte)
			if !ok || !isBytes {
				return nil, fmt.Errorf("signature %q of the Signature field is not a byte sequence", l)
			}
			s.value = b
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("the Signature-Input field has no signature")
	}
	return out, nil
}

// buildParams returns the signature parameters of a signature made here:
// the covered components named by names (all valid: derived components
// and header names of this package's signers), created and keyid.
func buildParams(names []string, created int64, keyID string) (*sigParams, error) {
	il := httpsfv.InnerList{Params: httpsfv.NewParams()}
	for _, n := range names {
		il.Items = append(il.Items, httpsfv.NewItem(strings.ToLower(n)))
	}
	il.Params.Add("created", created)
	il.Params.Add("keyid", keyID)
	return newParams(il)
}

// signatureFields returns the Signature-Input and Signature values of
// one signature with label l.
func signatureFields(l string, p *sigParams, sig []byte) (input, value string) {
	return l + "=" + p.serialized, l + "=:" + encodeBase64(sig) + ":"
}
