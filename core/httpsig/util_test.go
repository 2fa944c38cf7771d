package httpsig

import (
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
