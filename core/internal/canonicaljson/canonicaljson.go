package canonicaljson

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/gowebpki/jcs"
)

// Transform returns the RFC 8785 canonical form of a JSON document. An
// empty (or all-whitespace) body canonicalizes to the empty byte string, so
// that a POST without a body has a well-defined form.
func Transform(body []byte) ([]byte, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte{}, nil
	}
	out, err := jcs.Transform(body)
	if err != nil {
		return nil, fmt.Errorf("canonicalize JSON: %w", err)
	}
	return out, nil
}

// Fingerprint returns the SHA-256 of the canonical form of body.
func Fingerprint(body []byte) ([sha256.Size]byte, error) {
	if sum, ok := simpleFingerprint(body); ok {
		return sum, nil
	}
	canonical, err := Transform(body)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(canonical), nil
}
