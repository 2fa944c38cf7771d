package config

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestValidateConnections checks the connection limits, the header
// timeout and the probe listener.
func TestValidateConnections(t *testing.T) {
	t.Parallel()
	runEditCases(t, map[string]editCase{
		"caps and probes set": {edit: func(c *Config) {
			c.Server.MaxConnections, c.Server.MaxConnectionsPerClient = 500, 50
			c.Server.ProbesListen = "127.0.0.1:8081"
		}},
		"negative caps": {
			edit: func(c *Config) { c.Server.MaxConnections, c.Server.MaxConnectionsPerClient = -1, -2 },
			want: []Problem{
				{Path: "server.max_connections", Message: "must be a positive number, or 0 to derive it from the open-file limit; got -1"},
				{Path: "server.max_connections_per_client", Message: "must be a positive number, or 0 to derive it from the open-file limit; got -2"},
			},
		},
		"per client above the total": {
			edit: func(c *Config) { c.Server.MaxConnections, c.Server.MaxConnectionsPerClient = 10, 11 },
			want: []Problem{{Path: "server.max_connections_per_client", Message: "must not be above server.max_connections (10), got 11"}},
		},
		"header timeout above the read timeout": {
			edit: func(c *Config) { c.Server.HeaderTimeout = 11 * time.Second },
			want: []Problem{{Path: "server.header_timeout", Message: "must not be longer than server.read_timeout (10s), got 11s"}},
		},
		"probes on the API address": {
			edit: func(c *Config) { c.Server.ProbesListen = c.Server.Listen },
			want: []Problem{{Path: "server.probes_listen", Message: `must differ from the API listen address "127.0.0.1:8080"`}},
		},
		"trusted proxies": {edit: func(c *Config) {
			c.Server.TrustedProxies = []string{"10.0.0.7", "10.1.0.0/16", "2001:db8::/32", "::ffff:192.0.2.1"}
		}},
		"trusted proxies malformed": {
			edit: func(c *Config) { c.Server.TrustedProxies = []string{"10.0.0.0/8", "ingress", "10.0.0.0/33", "fe80::1%eth0"} },
			want: []Problem{
				{Path: "server.trusted_proxies[1]", Message: `must be an IP address or a CIDR range such as 10.0.0.0/8 or 2001:db8::/32, got "ingress"`},
				{Path: "server.trusted_proxies[2]", Message: `must be an IP address or a CIDR range such as 10.0.0.0/8 or 2001:db8::/32, got "10.0.0.0/33"`},
				{Path: "server.trusted_proxies[3]", Message: `must be an IP address or a CIDR range such as 10.0.0.0/8 or 2001:db8::/32, got "fe80::1%eth0"`},
			},
		},
		"probes address malformed": {
			edit: func(c *Config) { c.Server.ProbesListen = "8081" },
			want: []Problem{{Path: "server.probes_listen", Message: `invalid address "8081": expected host:port, e.g. "127.0.0.1:8080" or ":8080"`}},
		},
	})
}

// The header timeout defaults to 5s, or to the read timeout when shorter.
func TestHeaderTimeoutDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ read, want time.Duration }{
		{0, DefaultHeaderTimeout},
		{10 * time.Second, 5 * time.Second},
		{2 * time.Second, 2 * time.Second},
	} {
		s := Server{ReadTimeout: tc.read}
		s.setDefaults(Options{})
		if s.HeaderTimeout != tc.want {
			t.Errorf("read_timeout %s: header_timeout default = %s, want %s", tc.read, s.HeaderTimeout, tc.want)
		}
	}
}

// The trusted proxies are read as the connection limits see clients: a
// single address is a whole-length prefix, IPv4-mapped IPv6 is IPv4, and
// host bits are masked.
func TestTrustedProxyRanges(t *testing.T) {
	t.Parallel()
	s := Server{TrustedProxies: []string{"10.0.0.7", "10.1.2.3/16", "::ffff:192.0.2.1", "::ffff:192.0.2.0/120", "2001:db8::1"}}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.7/32"), netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::1/128"),
	}
	if got := s.TrustedProxyRanges(); !slices.Equal(got, want) {
		t.Errorf("TrustedProxyRanges() = %v, want %v", got, want)
	}
}
