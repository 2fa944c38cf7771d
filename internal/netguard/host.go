package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Errors of CheckHost.
var (
	// errRefusedHost is wrapped by every CheckHost error.
	errRefusedHost = errors.New("refused host")
	// ErrInternalHost is a host that names an internal address.
	ErrInternalHost = fmt.Errorf("%w: internal address", errRefusedHost)
	// ErrNonCanonical is a public IPv4 address written in a form other
	// than dotted decimal.
	ErrNonCanonical = fmt.Errorf("%w: address in a non-canonical form", errRefusedHost)
	// ErrInvalidHost is a host with characters outside ASCII that IDNA
	// mapping refuses.
	ErrInvalidHost = fmt.Errorf("%w: not a valid host name", errRefusedHost)
)

// ASCIIHost returns host as it is looked up and dialed: unchanged when
// it is ASCII, otherwise mapped by IDNA's lookup profile (UTS #46), as
// Go's HTTP client maps a URL's host before it dials. Mapping folds
// full-width and other compatibility forms, so "１２７。０。０。１" is
// 127.0.0.1 and "ｌｏｃａｌｈｏｓｔ" is localhost. A host the mapping
// refuses is ErrInvalidHost.
func ASCIIHost(host string) (string, error) {
	if isASCII(host) {
		return host, nil
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidHost, err)
	}
	return ascii, nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// CheckHost applies the address rule to a host as written in a URL (the
// brackets of an IPv6 literal removed), by its form alone, without any DNS
// query. A host outside ASCII is first mapped by ASCIIHost (and refused
// when the mapping fails); then CheckHost refuses:
//
//   - localhost and names under .localhost (RFC 6761), with or without a
//     trailing dot;
//   - IP addresses that Forbidden refuses, in any spelling a resolver or a
//     browser would take for one: with a trailing dot, in the short and
//     numeric IPv4 forms of inet_aton (127.1, 0x7f000001, 2130706433,
//     0177.0.0.1), or IPv4-mapped IPv6 (::ffff:127.0.0.1);
//   - any other IPv4 address not written as four decimal parts: such a
//     spelling would go to DNS as a name, so write 8.8.8.8, not 134744072.
//
// It returns nil for other names, which the dialer checks again against
// the addresses they resolve to.
func CheckHost(written string) error {
	host, err := ASCIIHost(written)
	if err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "" {
		return fmt.Errorf("%w: the host is empty", ErrInternalHost)
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return fmt.Errorf("%w: %s is a loopback name", ErrInternalHost, host)
	}
	addr, canonical, ok := ParseIP(strings.ToLower(host))
	if !ok {
		return nil
	}
	if Forbidden(addr) {
		return fmt.Errorf("%w: %s is %s", ErrInternalHost, host, addr.Unmap())
	}
	if !canonical {
		return fmt.Errorf("%w: %s is the address %s written in another form", ErrNonCanonical, host, addr)
	}
	return nil
}

// ParseIP parses host as an IP address the way resolvers do: an IPv6
// literal (zone allowed), or IPv4 in one to four parts, each decimal,
// octal (leading 0) or hexadecimal (0x), the last part filling the
// remaining bytes. A trailing dot is ignored. canonical reports whether
// host is the address's own spelling (dotted decimal, or any IPv6 form).
func ParseIP(host string) (addr netip.Addr, canonical, ok bool) {
	name := strings.TrimSuffix(host, ".")
	if a, err := netip.ParseAddr(name); err == nil {
		return a, name == host, true
	}
	a, ok := parseInetAton(name)
	return a, false, ok
}

// parseInetAton parses the IPv4 forms inet_aton accepts.
func parseInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := parseInetPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	// All parts but the last are one byte; the last fills the rest.
	var n uint64
	for _, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n = n<<8 | v
	}
	restBits := 8 * uint(5-len(vals))
	last := vals[len(vals)-1]
	if last >= 1<<restBits {
		return netip.Addr{}, false
	}
	n = n<<restBits | last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// parseInetPart parses one part: 0x hexadecimal, 0 octal, else decimal.
func parseInetPart(p string) (uint64, bool) {
	base := 10
	switch {
	case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
		p, base = p[2:], 16
	case len(p) > 1 && p[0] == '0':
		p, base = p[1:], 8
	}
	if p == "" || strings.ContainsAny(p, "+-_") {
		return 0, false
	}
	v, err := strconv.ParseUint(p, base, 32)
	return v, err == nil
}
