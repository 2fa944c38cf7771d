package netguard

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"golang.org/x/net/idna"
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
		{"１２７。０。０。１", true},  // full-width 127.0.0.1
		{"ｌｏｃａｌｈｏｓｔ", true},  // full-width localhost
		{"ｌｏｃａｌｈｏｓｔ。", true}, // and a full-width trailing dot
		{"１６９．２５４．１６９．２５４", true},  // full-width 169.254.169.254
		{"０ｘ７ｆ０００００１", true},       // full-width 0x7f000001
		{"a\u200db.example", true}, // refused by IDNA mapping
		{"hooks.ｅｘａｍｐｌｅ.com", false},
		{"bücher.example", false},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			err := CheckHost(tc.host)
			if (err != nil) != tc.refused {
				t.Fatalf("CheckHost(%q) = %v, want refused %v", tc.host, err, tc.refused)
			}
			if err != nil && !errors.Is(err, errRefusedHost) {
				t.Errorf("error %v does not wrap errRefusedHost", err)
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
	for _, s := range []string{"localhost.", "127.1", "0x7f000001", "2130706433", "::ffff:127.0.0.1", "169.254.169.254.", "example.com", "0177.0.0.1", "1.2.3.4.5",
		"１２７。０。０。１", "ｌｏｃａｌｈｏｓｔ", "ｌｏｃａｌｈｏｓｔ。", "１６９．２５４．１６９．２５４", "０ｘ７ｆ０００００１", "a\u200db.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		err := CheckHost(host)
		// Whatever parses as an internal address, as written or as
		// mapped for lookup, is refused.
		for _, form := range []string{host, mapped(host)} {
			if addr, _, ok := ParseIP(strings.ToLower(form)); ok && Forbidden(addr) && err == nil {
				t.Fatalf("CheckHost(%q) accepted internal address %s", host, addr)
			}
		}
	})
}

// mapped is host as the HTTP client dials it, or "" when it cannot.
func mapped(host string) string {
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		return ""
	}
	return ascii
}

// The lookup form of a host outside ASCII is what the rule applies to;
// an ASCII host is left as written.
func TestASCIIHost(t *testing.T) {
	for host, want := range map[string]string{
		"example.com":       "example.com",
		"xn--zz.example":    "xn--zz.example", // ASCII: left as the HTTP client leaves it
		"１２７。０。０。１":         "127.0.0.1",
		"ｌｏｃａｌｈｏｓｔ":         "localhost",
		"bücher.example":    "xn--bcher-kva.example",
		"Ｈｏｏｋｓ.example.com": "hooks.example.com",
	} {
		if got, err := ASCIIHost(host); err != nil || got != want {
			t.Errorf("ASCIIHost(%q) = %q, %v; want %q", host, got, err, want)
		}
	}
	if _, err := ASCIIHost("a\u200db.example"); !errors.Is(err, ErrInvalidHost) {
		t.Errorf("ASCIIHost with a zero-width joiner = %v, want ErrInvalidHost", err)
	}
}
