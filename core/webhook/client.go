package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is wrapped in the error of a request whose
// destination is a loopback, private, link-local or otherwise internal
// address that the client is not allowed to reach.
// Test for it with errors.Is.
var ErrForbiddenAddress = errors.New("forbidden webhook destination address")

// DefaultTimeout bounds one delivery attempt when ClientOptions.Timeout is
// zero.
const DefaultTimeout = 10 * time.Second

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Timeout bounds a whole request, from dialing to reading the
	// response; DefaultTimeout when zero.
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
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{
		Timeout:   min(timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
	}
	if !opts.AllowPrivateNetworks {
		dialer.Control = refuseInternal
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
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
	if forbiddenAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

var (
	// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
	cgnat = netip.MustParsePrefix("100.64.0.0/10")
	// thisNetwork is 0.0.0.0/8, "this host on this network" (RFC 1122).
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	// reservedV4 is 240.0.0.0/4 including the limited broadcast address.
	reservedV4 = netip.MustParsePrefix("240.0.0.0/4")
	// nat64 is the well-known NAT64 prefix (RFC 6052), which embeds an
	// IPv4 address in its last 32 bits.
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
)

// forbiddenAddr reports whether ip is an internal address: loopback,
// private (RFC 1918, fc00::/7), link-local, unspecified, multicast, CGNAT
// (100.64.0.0/10), 0.0.0.0/8, 240.0.0.0/4, and the IPv4-mapped and NAT64
// forms of those.
func forbiddenAddr(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	if ip.Is6() && nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case !ip.IsValid(),
		ip.IsLoopback(),
		ip.IsPrivate(),
		ip.IsLinkLocalUnicast(),
		ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast(),
		ip.IsMulticast(),
		ip.IsUnspecified():
		return true
	}
	return ip.Is4() && (cgnat.Contains(ip) || thisNetwork.Contains(ip) || reservedV4.Contains(ip))
}
