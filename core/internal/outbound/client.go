package outbound

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/internal/netguard"
)

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Timeout bounds a whole request, from dialing to reading the
	// response; it must be positive.
	Timeout time.Duration
	// AllowPrivateNetworks lets the client reach loopback, private and
	// link-local addresses: for local development and tests only.
	AllowPrivateNetworks bool
	// Refused is wrapped in the error of a request to an address the
	// client may not reach, so that callers can test for it with
	// errors.Is; it names what was refused (a webhook destination, a
	// feed platform).
	Refused error
	// RootCAs are the certificate authorities trusted; nil trusts the
	// system's. Tests set it to trust their own server's certificate.
	RootCAs *x509.CertPool
}

// NewClient returns an HTTP client that guards against server-side
// request forgery: it ignores proxy settings from the environment,
// refuses (with opts.Refused) to connect to internal addresses
// (netguard.Forbidden) unless opts.AllowPrivateNetworks is set, and does
// not follow redirects (a 3xx response is returned as it is). The address
// is checked when the connection is made, after name resolution, so a
// host name that resolves (or re-resolves) to an internal address is
// refused too.
func NewClient(opts ClientOptions) *http.Client {
	timeout := opts.Timeout
	dialer := &net.Dialer{
		Timeout:   min(timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
	}
	dial := netguard.DialContext(dialer.DialContext)
	if !opts.AllowPrivateNetworks {
		dialer.Control = RefuseInternal(opts.Refused)
		// Hosts refused by their form (localhost., 127.1) are refused
		// before the resolver sees them.
		dial = netguard.GuardDial(dial, opts.Refused)
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
	if opts.RootCAs != nil {
		transport.TLSClientConfig = &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// RefuseInternal returns a dialer's Control function that refuses, with
// refused, to connect to an internal address: address is the resolved
// "ip:port" about to be connected to.
func RefuseInternal(refused error) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			// Fail closed: only IP addresses are ever dialed here.
			return fmt.Errorf("%w: cannot parse dialed address %q (%s)", refused, address, network)
		}
		if netguard.Forbidden(ap.Addr()) {
			return fmt.Errorf("%w: %s", refused, ap.Addr())
		}
		return nil
	}
}
