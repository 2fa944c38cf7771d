package config

import (
	"fmt"
	"net/netip"
)

// validateConnections checks the connection limits and the probe
// listener of the server section; listen is the API listen address after
// --listen.
func (s *Server) validateConnections(listen string, ps *problems) {
	if s.HeaderTimeout > s.ReadTimeout && s.ReadTimeout > 0 {
		ps.add("server.header_timeout", "must not be longer than server.read_timeout (%s), got %s", s.ReadTimeout, s.HeaderTimeout)
	}
	if s.MaxConnections < 0 {
		ps.add("server.max_connections", "must be a positive number, or 0 to derive it from the open-file limit; got %d", s.MaxConnections)
	}
	switch {
	case s.MaxConnectionsPerClient < 0:
		ps.add("server.max_connections_per_client", "must be a positive number, or 0 to derive it from the open-file limit; got %d", s.MaxConnectionsPerClient)
	case s.MaxConnections > 0 && s.MaxConnectionsPerClient > s.MaxConnections:
		ps.add("server.max_connections_per_client", "must not be above server.max_connections (%d), got %d", s.MaxConnections, s.MaxConnectionsPerClient)
	}
	for i, raw := range s.TrustedProxies {
		if _, err := parseClientRange(raw); err != nil {
			ps.add(fmt.Sprintf("server.trusted_proxies[%d]", i), "%v", err)
		}
	}
	if s.ProbesListen == "" {
		return
	}
	if _, err := checkListen(s.ProbesListen); err != nil {
		ps.add("server.probes_listen", "invalid address %q: %v", s.ProbesListen, err)
	} else if s.ProbesListen == listen {
		ps.add("server.probes_listen", "must differ from the API listen address %q", listen)
	}
}

// TrustedProxyRanges returns server.trusted_proxies as prefixes, a single
// address as a /32 or /128. Validation refuses what does not parse; such
// an entry is left out here.
func (s *Server) TrustedProxyRanges() []netip.Prefix {
	var out []netip.Prefix
	for _, raw := range s.TrustedProxies {
		if p, err := parseClientRange(raw); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parseClientRange parses an IP address or a CIDR range, IPv4-mapped
// IPv6 written as its IPv4 form, as the connection limits see clients.
func parseClientRange(raw string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(raw); err == nil && a.Zone() == "" {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(raw)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("must be an IP address or a CIDR range such as 10.0.0.0/8 or 2001:db8::/32, got %q", raw)
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}
