package httpsig

import (
	"crypto/sha256"
	"crypto/sha512"
	"errors"

	"github.com/acp-sidecar/acp/core/ucp"
)

// errCode is the code of a *ucp.Error, "" for nil or another error.
func errCode(err error) string {
	var e *ucp.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func sha256B64(b []byte) string {
	s := sha256.Sum256(b)
	return encodeBase64(s[:])
}

func sha512B64(b []byte) string {
	s := sha512.Sum512(b)
	return encodeBase64(s[:])
}
