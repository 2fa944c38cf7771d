package webhook

import (
	"errors"
	"net/http"
	"time"

	"github.com/acp-sidecar/acp/core/internal/outbound"
)

// ErrForbiddenAddress is wrapped in the error of a request whose
// destination is a loopback, private, link-local or otherwise internal
// address (netguard.Forbidden) that the client is not allowed to reach.
// Test for it with errors.Is.
var ErrForbiddenAddress = errors.New("forbidden webhook destination address")

// defaultTimeout bounds one delivery attempt when ClientOptions.Timeout is
// zero.
const defaultTimeout = 10 * time.Second

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Timeout bounds a whole request, from dialing to reading the
	// response; 10s when zero.
	Timeout time.Duration
	// AllowPrivateNetworks lets the client reach loopback, private and
	// link-local addresses: for local development and tests only.
	AllowPrivateNetworks bool
}

// NewClient returns an HTTP client for webhook delivery that guards against
// server-side request forgery (outbound.NewClient): it ignores proxy
// settings from the environment, refuses (with ErrForbiddenAddress) to
// connect to internal addresses unless opts.AllowPrivateNetworks is set,
// and does not follow redirects (a 3xx response is returned as it is).
// The address is checked when the connection is made, after name
// resolution, so a host name that resolves (or re-resolves) to an
// internal address is refused too.
func NewClient(opts ClientOptions) *http.Client {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	return outbound.NewClient(outbound.ClientOptions{
		Timeout:              timeout,
		AllowPrivateNetworks: opts.AllowPrivateNetworks,
		Refused:              ErrForbiddenAddress,
	})
}
