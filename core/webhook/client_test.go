package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

func TestForbiddenAddr(t *testing.T) {
	tests := []struct {
		ip        string
		forbidden bool
	}{
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true},
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"::1", true},
		{"::", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"ff02::1", true},
		{"ff05::2", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:100.64.0.1", true},
		{"64:ff9b::a9fe:a9fe", true},
		{"64:ff9b::7f00:1", true},
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"100.63.255.255", false},
		{"100.128.0.1", false},
		{"172.15.255.255", false},
		{"172.32.0.1", false},
		{"192.169.0.1", false},
		{"::ffff:8.8.8.8", false},
		{"64:ff9b::808:808", false},
		{"2606:4700:4700::1111", false},
		{"2001:4860:4860::8888", false},
	}
	for _, tc := range tests {
		t.Run(tc.ip, func(t *testing.T) {
			if got := forbiddenAddr(netip.MustParseAddr(tc.ip)); got != tc.forbidden {
				t.Errorf("forbiddenAddr(%s) = %v, want %v", tc.ip, got, tc.forbidden)
			}
		})
	}
}

func TestRefuseInternal(t *testing.T) {
	tests := []struct {
		network, address string
		refused          bool
	}{
		{"tcp4", "127.0.0.1:443", true},
		{"tcp6", "[::1]:443", true},
		{"tcp6", "[::ffff:192.168.0.1]:443", true},
		{"tcp4", "93.184.215.14:443", false},
		{"tcp6", "[2606:4700::6810:84e5]:443", false},
		{"tcp", "example.com:443", true}, // never a host name: fail closed
		{"tcp", "garbage", true},
	}
	for _, tc := range tests {
		t.Run(tc.address, func(t *testing.T) {
			err := refuseInternal(tc.network, tc.address, nil)
			if got := errors.Is(err, ErrForbiddenAddress); got != tc.refused {
				t.Errorf("refuseInternal(%s) = %v, want refused %v", tc.address, err, tc.refused)
			}
			if !tc.refused && err != nil {
				t.Errorf("refuseInternal(%s) = %v, want nil", tc.address, err)
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name         string
		allowPrivate bool
		url          string
		wantErr      error
		wantStatus   int
	}{
		{"loopback IP refused", false, srv.URL, ErrForbiddenAddress, 0},
		// The check is on the dialed address, after name resolution.
		{"name resolving to loopback refused", false, "http://localhost:" + port + "/", ErrForbiddenAddress, 0},
		{"loopback allowed for development", true, srv.URL, nil, http.StatusOK},
		{"redirect not followed", true, srv.URL + "/redirect", nil, http.StatusFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HTTP_PROXY", "http://192.0.2.1:3128") // must be ignored
			client := NewClient(ClientOptions{Timeout: 5 * time.Second, AllowPrivateNetworks: tc.allowPrivate})
			before := hits.Load()
			resp, err := client.Get(tc.url)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Get error = %v, want %v", err, tc.wantErr)
				}
				if hits.Load() != before {
					t.Errorf("the server was reached")
				}
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := hits.Load(); got != before+1 {
				t.Errorf("server hits = %d, want one more than %d", got, before)
			}
		})
	}
}
