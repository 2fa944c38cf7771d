package netguard

import (
	"context"
	"errors"
	"net"
	"testing"
)

func TestCheckHost(t *testing.T) {
	tests := []struct {
		host    string
		refused bool
	}{
		{"example.com", false},
		{"example.com.", false},
		{"8.8.8.8", false},
		{"2606:4700:4700::1111", false},
		{"localhost", true},
		{"localhost.", true},
		{"LOCALHOST", true},
		{"api.localhost", true},
		{"api.localhost.", true},
		{"169.254.169.254", true},
		{"169.254.169.254.", true},
		{"127.1", true},
		{"127.0.1", true},
		{"0x7f000001", true},
		{"0X7F.0.0.1", true},
		{"2130706433", true},
		{"0177.0.0.1", true},
		{"017700000001", true},
		{"10.1", true},
		{"0", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:7f00:1", true},
		{"::1", true},
		{"fe80::1%eth0", true},
		{"134744072", true},    // 8.8.8.8 in another form
		{"8.8.8.8.", true},     // likewise
		{"0x08080808", true},   // likewise
		{"1.2.3.4.5", false},   // not an address: a name
		{"127.0.0.256", false}, // not an address: a name, resolved and checked when dialed
		{"0x", false},          // a name
		{"4294967296", false},  // too large: a name
		{"", true},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			err := CheckHost(tc.host)
			if (err != nil) != tc.refused {
				t.Fatalf("CheckHost(%q) = %v, want refused %v", tc.host, err, tc.refused)
			}
			if err != nil && !errors.Is(err, ErrRefusedHost) {
				t.Errorf("error %v does not wrap ErrRefusedHost", err)
			}
		})
	}
}

func TestParseIP(t *testing.T) {
	for host, want := range map[string]string{
		"127.1":          "127.0.0.1",
		"127.0.1":        "127.0.0.1",
		"0x7f000001":     "127.0.0.1",
		"2130706433":     "127.0.0.1",
		"0177.0.0.01":    "127.0.0.1",
		"192.168.257":    "192.168.1.1",
		"10.0x10.1":      "10.16.0.1",
		"1.2.3.4.":       "1.2.3.4",
		"::ffff:1.2.3.4": "::ffff:1.2.3.4",
	} {
		addr, _, ok := ParseIP(host)
		if !ok || addr.String() != want {
			t.Errorf("ParseIP(%q) = %v, %v; want %s", host, addr, ok, want)
		}
	}
}

// A host refused by its form never reaches the dialer, so no DNS query
// is made for it.
func TestGuardDial(t *testing.T) {
	refused := errors.New("refused")
	var dialed []string
	dial := GuardDial(func(_ context.Context, _, address string) (net.Conn, error) {
		dialed = append(dialed, address)
		return nil, errors.New("dialed")
	}, refused)
	for _, addr := range []string{"localhost.:443", "127.1:443", "[::ffff:127.0.0.1]:443", "0x7f000001:80", "no-port"} {
		if _, err := dial(context.Background(), "tcp", addr); !errors.Is(err, refused) {
			t.Errorf("dial %s: %v, want refused", addr, err)
		}
	}
	if len(dialed) != 0 {
		t.Errorf("dialed %v", dialed)
	}
	if _, err := dial(context.Background(), "tcp", "example.com:443"); err == nil || errors.Is(err, refused) {
		t.Errorf("dial example.com: %v, want it dialed", err)
	}
	if len(dialed) != 1 {
		t.Errorf("dialed %v, want example.com:443", dialed)
	}
}

func FuzzCheckHost(f *testing.F) {
	for _, s := range []string{"localhost.", "127.1", "0x7f000001", "2130706433", "::ffff:127.0.0.1", "169.254.169.254.", "example.com", "0177.0.0.1", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		err := CheckHost(host)
		// Whatever parses as an internal address is refused.
		if addr, _, ok := ParseIP(host); ok && Forbidden(addr) && err == nil {
			t.Fatalf("CheckHost(%q) accepted internal address %s", host, addr)
		}
	})
}
