package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

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

// Hosts refused by their form are refused before any DNS query.
func TestClientRefusesHostForms(t *testing.T) {
	client := NewClient(ClientOptions{Timeout: time.Second})
	for _, url := range []string{"https://localhost./x", "https://127.1/x", "https://0x7f000001/x", "https://2130706433/x", "http://169.254.169.254./latest", "https://１２７。０。０。１/x", "https://ｌｏｃａｌｈｏｓｔ/x"} {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: %v, want ErrForbiddenAddress", url, err)
		}
	}
}
