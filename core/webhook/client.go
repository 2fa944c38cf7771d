package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/internal/netguard"
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
// server-side request forgery: it ignores proxy settings from the
// environment, refuses (with ErrForbiddenAddress) to connect to internal
// addresses unless opts.AllowPrivateNetworks is set, and does not follow
// redirects (a 3xx response is returned as it is). The address is checked
// when the connection is made, after name resolution, so a host name that
// resolves (or re-resolves) to an internal address is refused too.
func NewClient(opts ClientOptions) *http.Client {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	dialer := &net.Dialer{
		Timeout:   min(timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
	}
	dial := netguard.DialContext(dialer.DialContext)
	if !opts.AllowPrivateNetworks {
		dialer.Control = refuseInternal
		// Hosts refused by their form (localhost., 127.1) are refused
		// before the resolver sees them.
		dial = netguard.GuardDial(dial, ErrForbiddenAddress)
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// refuseInternal is the dialer's Control function: address is the
// resolved "ip:port" about to be connected to.
func refuseInternal(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: only IP addresses are ever dialed here.
		return fmt.Errorf("%w: cannot parse dialed address %q (%s)", ErrForbiddenAddress, address, network)
	}
	if netguard.Forbidden(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}
