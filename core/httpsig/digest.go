package httpsig

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/dunglas/httpsfv"
)

// encodeBase64 is standard base64 with padding, as RFC 8941 byte
// sequences are.
func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// contentDigest is the Content-Digest of body (RFC 9530): its SHA-256,
// which UCP requires.
func contentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + encodeBase64(sum[:]) + ":"
}

// errNoDigest marks a Content-Digest with no digest this package
// computes.
var errNoDigest = errors.New("no sha-256 or sha-512 digest")

// checkContentDigest checks the Content-Digest field lines against body:
// every sha-256 and sha-512 digest they hold must match, and there must
// be one; digests of other algorithms are ignored (RFC 9530 §2).
func checkContentDigest(lines []string, body []byte) error {
	d, err := httpsfv.UnmarshalDictionary(lines)
	if err != nil {
		return fmt.Errorf("the Content-Digest field is not a structured dictionary: %w", err)
	}
	checked := 0
	for _, alg := range d.Names() {
		var sum []byte
		switch alg {
		case "sha-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "sha-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue
		}
		m, _ := d.Get(alg)
		it, ok := m.(httpsfv.Item)
		got, isBytes := it.Value.([]byte)
		if !ok || !isBytes {
			return fmt.Errorf("the %s digest is not a byte sequence", alg)
		}
		if subtle.ConstantTimeCompare(got, sum) != 1 {
			return fmt.Errorf("the %s digest does not match the body", alg)
		}
		checked++
	}
	if checked == 0 {
		return errNoDigest
	}
	return nil
}
