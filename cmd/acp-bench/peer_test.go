package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/loadgen"
)

// TestPeerRequest sends the peer's create to a server that checks it
// against the peer's own request model (its CheckoutSessionCreateRequest,
// strictly) and answers as the peer does, and reads the results.
func TestPeerRequest(t *testing.T) {
	t.Parallel()
	var bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Buyer *struct {
				Email     string `json:"email"`
				FirstName string `json:"first_name"`
				LastName  string `json:"last_name"`
			} `json:"buyer"`
			Items []struct {
				ID       string `json:"id"`
				Quantity int    `json:"quantity"`
			} `json:"items"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		err := dec.Decode(&req)
		if err != nil || r.Method != http.MethodPost || r.URL.Path != "/checkout_sessions" || r.Header.Get("API-Version") != peerAPIVersion ||
			len(req.Items) != 2 || req.Items[0].ID != "latte" || req.Items[1].ID != "mug" || req.Items[1].Quantity != 1 || req.Buyer == nil ||
			r.Header.Get("Content-Type") != "application/json" {
			bad.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"type":"invalid_request","code":"invalid_request","message":"bad"}`)
			return
		}
		w.Header().Set("API-Version", peerAPIVersion)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"cs_000001","currency":"USD","status":"ready_for_payment","line_items":[]}`)
	}))
	defer srv.Close()
	cfg := peerConfig(srv.URL, "", 2, time.Minute)
	cfg.Requests = 40
	r, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rps, p99, err := peerResult("peer", r)
	if err != nil || rps <= 0 || p99 <= 0 || r.Total.OK != 40 || bad.Load() != 0 {
		t.Errorf("peerResult = %g, %g, %v; %d ok, %d refused", rps, p99, err, r.Total.OK, bad.Load())
	}
	// A server that refuses the request fails the measurement.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":"invalid_request"}`)
	}))
	defer refusing.Close()
	cfg = peerConfig(refusing.URL, "", 1, time.Minute)
	cfg.Requests = 5
	if r, err = loadgen.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if _, _, err := peerResult("peer", r); err == nil || !strings.Contains(err.Error(), "errors") {
		t.Errorf("peerResult of refused creates = %v, want an error", err)
	}
}

func TestHideURLs(t *testing.T) {
	t.Parallel()
	got := hideURLs("reading https://proxy.example/github.com/x/@v/v1.zip: 403 Forbidden")
	if got != "reading (a URL of the Go module proxy): 403 Forbidden" {
		t.Errorf("hideURLs = %q", got)
	}
}

// TestWithPeerItems adds the peer's items to the demo store's catalog,
// where its config keeps them.
func TestWithPeerItems(t *testing.T) {
	t.Parallel()
	cfg, err := withPeerItems("merchant:\n  name: x\n\ncatalog:\n  items:\n    - sku: a\n      unit_price: 1\n")
	if err != nil || !strings.Contains(cfg, "catalog:\n  items:\n    - sku: latte\n      title: Oat Milk Latte\n      unit_price: 650\n") ||
		!strings.Contains(cfg, "    - sku: mug\n") || !strings.HasSuffix(cfg, "    - sku: a\n      unit_price: 1\n") {
		t.Errorf("withPeerItems = %q, %v", cfg, err)
	}
	if _, err := withPeerItems("catalog:\n  products: []\n"); err == nil {
		t.Error("withPeerItems of a config without catalog items did not fail")
	}
}
