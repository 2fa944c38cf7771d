package netguard

import "net/netip"

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

// Forbidden reports whether addr is an internal address that must not be
// reached: loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
// multicast, CGNAT (100.64.0.0/10), 0.0.0.0/8, 240.0.0.0/4 (broadcast
// included), and the IPv4-mapped and NAT64 (64:ff9b::/96) forms of those.
// An IPv6 zone is ignored; the zero Addr is forbidden.
func Forbidden(addr netip.Addr) bool {
	addr = addr.WithZone("").Unmap()
	if addr.Is6() && nat64.Contains(addr) {
		b := addr.As16()
		addr = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case !addr.IsValid(),
		addr.IsLoopback(),
		addr.IsPrivate(),
		addr.IsLinkLocalUnicast(),
		addr.IsLinkLocalMulticast(),
		addr.IsInterfaceLocalMulticast(),
		addr.IsMulticast(),
		addr.IsUnspecified():
		return true
	}
	return addr.Is4() && (cgnat.Contains(addr) || thisNetwork.Contains(addr) || reservedV4.Contains(addr))
}
