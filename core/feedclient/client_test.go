package feedclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/internal/feedtest"
)

func TestMain(m *testing.M) { os.Exit(acpschema.Main(m)) }

const (
	token   = "feed-token-do-not-log"
	product = `{"id":"tee","title":"Tee","variants":[{"id":"tee-m","title":"Tee - M","price":{"amount":2000,"currency":"USD"}}]}`
)

func newClient(t *testing.T, url, header string) *Client {
	t.Helper()
	c, err := New(Options{BaseURL: url, Token: token, Header: header, Timeout: 5 * time.Second, AllowPrivateNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOperations creates, reads and fills a feed on the test platform,
// with the credential in Authorization and in a header of its own.
func TestOperations(t *testing.T) {
	t.Parallel()
	for _, header := range []string{"", "X-Feed-Key"} {
		t.Run("header "+header, func(t *testing.T) {
			t.Parallel()
			srv := feedtest.New(t, feedtest.Options{Token: token, Header: header, FeedUpdateIDs: true})
			c := newClient(t, srv.URL(), header)
			ctx := context.Background()
			meta, err := c.CreateFeed(ctx, "US")
			if err != nil || meta.ID == "" || meta.TargetCountry != "US" {
				t.Fatalf("CreateFeed = %+v, %v", meta, err)
			}
			got, err := c.GetFeed(ctx, meta.ID)
			if err != nil || got.ID != meta.ID {
				t.Fatalf("GetFeed = %+v, %v", got, err)
			}
			answer, err := c.UpsertProducts(ctx, meta.ID, []json.RawMessage{json.RawMessage(product)})
			if err != nil || !answer.Accepted || answer.ID != meta.ID || answer.FeedUpdateID == "" {
				t.Fatalf("UpsertProducts = %+v, %v", answer, err)
			}
			if p := srv.Products(meta.ID); string(p["tee"]) != product {
				t.Errorf("the platform holds %s, want %s", p["tee"], product)
			}
		})
	}
}

// TestRefusals: the platform's refusals come back as *Error with the
// status, the error code, Retry-After, and whether to retry; no error
// message holds the credential.
func TestRefusals(t *testing.T) {
	t.Parallel()
	srv := feedtest.New(t, feedtest.Options{Token: token})
	c := newClient(t, srv.URL(), "")
	ctx := context.Background()
	meta, err := c.CreateFeed(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	body := []json.RawMessage{json.RawMessage(product)}
	wrong, err := New(Options{BaseURL: srv.URL(), Token: "wrong", AllowPrivateNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		setup     func()
		call      func() error
		status    int
		code      string
		retryable bool
		notFound  bool
		wait      time.Duration
	}{
		{name: "unknown feed", call: func() error { _, err := c.UpsertProducts(ctx, "feed_x", body); return err },
			status: 404, code: "feed_not_found", notFound: true},
		{name: "unknown feed read", call: func() error { _, err := c.GetFeed(ctx, "feed_x"); return err },
			status: 404, code: "feed_not_found", notFound: true},
		{name: "refused product", setup: func() { srv.Refuse(400, "tee") }, call: func() error { _, err := c.UpsertProducts(ctx, meta.ID, body); return err },
			status: 400, code: "invalid_product_payload"},
		{name: "wrong credential", call: func() error { _, err := wrong.CreateFeed(ctx, "US"); return err },
			status: 401, code: "unauthorized"},
		{name: "rate limited", setup: func() { srv.FailNext(1, 429, 3*time.Second) }, call: func() error { _, err := c.CreateFeed(ctx, "US"); return err },
			status: 429, code: "unavailable", retryable: true, wait: 3 * time.Second},
		{name: "unavailable", setup: func() { srv.SetMode(feedtest.Unavailable) }, call: func() error { _, err := c.GetFeed(ctx, meta.ID); return err },
			status: 503, code: "unavailable", retryable: true},
	}
	for _, tc := range tests {
		if tc.setup != nil {
			tc.setup()
		}
		err := tc.call()
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v, want an *Error", tc.name, err)
			continue
		}
		if fe.Status != tc.status || fe.Body.Code != tc.code || fe.Retryable() != tc.retryable || fe.FeedNotFound() != tc.notFound || fe.RetryAfter != tc.wait {
			t.Errorf("%s: %+v (retryable %v, not found %v), want status %d code %s retryable %v not found %v wait %v",
				tc.name, fe, fe.Retryable(), fe.FeedNotFound(), tc.status, tc.code, tc.retryable, tc.notFound, tc.wait)
		}
		if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("%s: the error %q holds the credential", tc.name, err)
		}
	}

	srv.SetMode(feedtest.Refusing)
	_, err = c.GetFeed(ctx, meta.ID)
	var fe *Error
	if err == nil || errors.As(err, &fe) || strings.Contains(err.Error(), srv.URL()) {
		t.Errorf("GetFeed while down = %v, want a network error without the URL", err)
	}
}

// TestGuard: without AllowPrivateNetworks a platform on loopback is not
// reached; a malformed base URL is refused at once.
func TestGuard(t *testing.T) {
	t.Parallel()
	srv := feedtest.New(t, feedtest.Options{})
	c, err := New(Options{BaseURL: srv.URL(), Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateFeed(context.Background(), "US"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("CreateFeed on loopback = %v, want ErrForbiddenAddress", err)
	}
	if srv.Requests() != 0 {
		t.Errorf("the platform was reached")
	}
	for _, bad := range []string{"", "ftp://x.example", "/feeds", "https://"} {
		if _, err := New(Options{BaseURL: bad}); err == nil {
			t.Errorf("New(%q) accepted it", bad)
		}
	}
}

// TestPaths: the operations' paths go under the base URL's own path, the
// feed id escaped; an answer that is not the API's is an error.
func TestPaths(t *testing.T) {
	t.Parallel()
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.EscapedPath()+" "+r.Header.Get("Authorization"))
		switch {
		case r.Method == http.MethodGet:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`<html>bad gateway</html>`))
		default:
			_, _ = w.Write([]byte(`not json`))
		}
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL+"/api/v1/?q=1", "")
	ctx := context.Background()
	_, err := c.GetFeed(ctx, "a/b")
	var fe *Error
	if !errors.As(err, &fe) || fe.Status != 502 || fe.Body.Code != "" || !fe.Retryable() {
		t.Errorf("GetFeed = %v, want a 502 *Error without a code", err)
	}
	if _, err := c.UpsertProducts(ctx, "f1", nil); err == nil || errors.As(err, &fe) {
		t.Errorf("UpsertProducts with a non-JSON answer = %v, want a decoding error", err)
	}
	want := []string{"GET /api/v1/feeds/a%2Fb Bearer " + token, "PATCH /api/v1/feeds/f1/products Bearer " + token}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
}

// TestAnswers: a redirect is not followed (it is a refusal like any
// status outside 2xx); no more than maxAnswer of an answer is read.
func TestAnswers(t *testing.T) {
	t.Parallel()
	var reached atomic.Int32
	big := `{"id":"f1","accepted":true,"x":"` + strings.Repeat("x", maxAnswer) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feeds/moved/products":
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		case "/elsewhere":
			reached.Add(1)
			_, _ = w.Write([]byte(`{"id":"moved","accepted":true}`))
		case "/feeds/big/products":
			_, _ = w.Write([]byte(big))
		case "/feeds/small/products":
			_, _ = w.Write([]byte(big[:maxAnswer-2] + `"}`))
		}
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "")
	ctx := context.Background()
	body := []json.RawMessage{json.RawMessage(product)}

	_, err := c.UpsertProducts(ctx, "moved", body)
	var fe *Error
	if !errors.As(err, &fe) || fe.Status != http.StatusTemporaryRedirect || fe.Retryable() {
		t.Errorf("UpsertProducts redirected = %v, want a 307 *Error not to retry", err)
	}
	if reached.Load() != 0 {
		t.Error("the redirect was followed")
	}
	if _, err := c.UpsertProducts(ctx, "big", body); err == nil || !strings.Contains(err.Error(), "not the expected JSON") {
		t.Errorf("UpsertProducts with an answer over %d bytes = %v, want it cut off", maxAnswer, err)
	}
	if answer, err := c.UpsertProducts(ctx, "small", body); err != nil || !answer.Accepted {
		t.Errorf("UpsertProducts with an answer of %d bytes = %+v, %v", maxAnswer, answer, err)
	}
}
