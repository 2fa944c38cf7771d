package ucpprofile

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// platformProfile is a valid platform profile declaring caps (each at the
// release's version, extensions of checkout as the spec's), with one
// signing key, and an order webhook when webhook is set.
func platformProfile(t testing.TB, webhook string, caps ...string) []byte {
	t.Helper()
	capabilities := map[string]any{}
	for _, name := range caps {
		e := map[string]any{"version": ucp.Version, "spec": "https://ucp.dev/2026-04-08/specification/x", "schema": "https://ucp.dev/2026-04-08/schemas/x.json"}
		if o := offerings[name]; o.extends != "" {
			e["extends"] = o.extends
		}
		if name == ucp.CapOrder && webhook != "" {
			e["config"] = map[string]any{"webhook_url": webhook}
		}
		capabilities[name] = []any{e}
	}
	doc := map[string]any{
		"ucp": map[string]any{
			"version": ucp.Version,
			"services": map[string]any{"dev.ucp.shopping": []any{map[string]any{
				"version": ucp.Version, "transport": "rest", "spec": "https://ucp.dev/2026-04-08/specification/overview",
				"schema": "https://ucp.dev/2026-04-08/services/shopping/rest.openapi.json",
			}}},
			"capabilities":     capabilities,
			"payment_handlers": map[string]any{},
		},
		"signing_keys": []json.RawMessage{newJWK(t, "platform_2026", false)},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withVersion is doc with its ucp.version set to v.
func withVersion(t testing.TB, doc []byte, v string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	m["ucp"].(map[string]any)["version"] = v
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// profileServer is a loopback server of platform profiles that counts the
// requests for each path. Its handler answers a path from answers; other
// paths get the default profile.
type profileServer struct {
	*httptest.Server
	mu      sync.Mutex
	hits    map[string]int
	answers map[string]http.HandlerFunc
}

func (s *profileServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// newProfileServer starts a profile server, over TLS with a certificate
// from testkit when tlsOn (the pool trusting it is returned).
func newProfileServer(t *testing.T, tlsOn bool, answers map[string]http.HandlerFunc) (*profileServer, *x509.CertPool) {
	t.Helper()
	profile := platformProfile(t, "", Served...)
	s := &profileServer{hits: map[string]int{}, answers: answers}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		answer := s.answers[r.URL.Path]
		s.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(profile)
	})
	s.Server = httptest.NewUnstartedServer(handler)
	var pool *x509.CertPool
	if tlsOn {
		now := time.Now()
		certPEM, keyPEM, cert := testkit.SelfSignedCert(t, "profiles", now.Add(-time.Hour), now.Add(time.Hour))
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		s.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
		s.StartTLS()
		pool = x509.NewCertPool()
		pool.AddCert(cert)
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s, pool
}

// wantError checks that err is a *ucp.Error with code and status.
func wantError(t *testing.T, err error, status int, code string) *ucp.Error {
	t.Helper()
	var ue *ucp.Error
	if !errors.As(err, &ue) || ue.Status != status || ue.Code != code {
		t.Fatalf("error = %v (%#v), want %d %s", err, err, status, code)
	}
	return ue
}

// TestResolverHTTPS fetches a profile over TLS from a loopback server (so
// with private networks allowed), negotiates every capability and
// carries the profile's signing keys.
func TestResolverHTTPS(t *testing.T) {
	t.Parallel()
	srv, pool := newProfileServer(t, true, nil)
	r, err := NewResolver(Options{
		Agents:               map[string]AgentPolicy{"agent": {ProfileHosts: []string{"127.0.0.1"}}},
		AllowPrivateNetworks: true, RootCAs: pool,
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Negotiate(context.Background(), "agent", srv.URL+"/profile.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Agent != "agent" || p.Profile != srv.URL+"/profile.json" || p.Version != ucp.Version || len(p.Capabilities) != len(Served) {
		t.Errorf("platform %+v", p)
	}
	if len(p.SigningKeys) != 1 || !strings.Contains(string(p.SigningKeys[0]), "platform_2026") {
		t.Errorf("signing keys %s", p.SigningKeys)
	}
	// The second request is served from the cache.
	if _, err := r.Negotiate(context.Background(), "agent", srv.URL+"/profile.json"); err != nil {
		t.Fatal(err)
	}
	if n := srv.count("/profile.json"); n != 1 {
		t.Errorf("fetched %d times, want 1", n)
	}
}

// TestResolverRefusesWithoutFetching checks the refusals made before any
// request: the server records no hit for any of them.
func TestResolverRefusesWithoutFetching(t *testing.T) {
	t.Parallel()
	srv, _ := newProfileServer(t, false, nil)
	u, _ := url.Parse(srv.URL)
	inline := map[string]json.RawMessage{srv.URL + "/inline.json": platformProfile(t, "", ucp.CapCheckout)}
	strict, err := NewResolver(Options{Agents: map[string]AgentPolicy{
		"allowed": {ProfileHosts: []string{"127.0.0.1"}},
		"other":   {ProfileHosts: []string{"platform.example"}, Profiles: inline},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		agent, url string
		status     int
		code       string
	}{
		"host not allowed for the agent":   {agent: "other", url: srv.URL + "/p", status: http.StatusForbidden, code: CodeProfileNotAllowed},
		"agent without UCP":                {agent: "stranger", url: srv.URL + "/p", status: http.StatusForbidden, code: CodeProfileNotAllowed},
		"allowed host, but plain http":     {agent: "allowed", url: srv.URL + "/p", status: http.StatusBadRequest, code: ucp.CodeInvalidProfileURL},
		"allowed host, but internal":       {agent: "allowed", url: "https://" + u.Host + "/p", status: http.StatusBadRequest, code: ucp.CodeInvalidProfileURL},
		"another agent's inline profile":   {agent: "allowed", url: "https://platform.example/x", status: http.StatusForbidden, code: CodeProfileNotAllowed},
		"relative URL":                     {agent: "allowed", url: "/p", status: http.StatusBadRequest, code: ucp.CodeInvalidProfileURL},
		"no URL":                           {agent: "allowed", url: "", status: http.StatusBadRequest, code: ucp.CodeInvalidProfileURL},
		"user information in the URL":      {agent: "other", url: "https://user:pw@platform.example/p", status: http.StatusBadRequest, code: ucp.CodeInvalidProfileURL},
		"host allowed in another spelling": {agent: "allowed", url: "https://127.1/p", status: http.StatusForbidden, code: CodeProfileNotAllowed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := strict.Negotiate(context.Background(), tc.agent, tc.url)
			wantError(t, err, tc.status, tc.code)
		})
	}
	// The inline profile is served to its agent without a fetch.
	p, err := strict.Negotiate(context.Background(), "other", srv.URL+"/inline.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Agent != "other" || !p.Has(ucp.CapCheckout) || p.Has(ucp.CapOrder) {
		t.Errorf("inline platform %+v", p)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.hits) != 0 {
		t.Errorf("the server was asked for %v; nothing may be fetched", srv.hits)
	}
}

// TestResolverFetchFailures checks each way a fetch fails, and the error
// overview.md's table gives it.
func TestResolverFetchFailures(t *testing.T) {
	t.Parallel()
	profile := platformProfile(t, "", ucp.CapCheckout)
	old := withVersion(t, profile, "2026-01-11")
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv, _ := newProfileServer(t, false, map[string]http.HandlerFunc{
		"/slow": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
		"/slow-body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(profile)))
			_, _ = w.Write(profile[:10])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
		"/redirect": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/target", http.StatusFound) },
		"/permanent": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/target", http.StatusPermanentRedirect)
		},
		"/missing": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"/broken":  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) },
		"/big": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"ucp":{"version":"2026-04-08","pad":"` + strings.Repeat("x", 4096) + `"}}`))
		},
		"/not-json": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>profile</html>")) },
		"/schema": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"ucp":{"version":"2026-04-08","services":{}}}`))
		},
		"/bad-key": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(strings.Replace(string(profile), `"kty":"EC"`, `"kty":"EC","d":"AAAA"`, 1)))
		},
		"/old": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(old) },
	})
	r, err := NewResolver(Options{
		Agents:  map[string]AgentPolicy{"agent": {ProfileHosts: []string{"127.0.0.1"}}},
		Timeout: 300 * time.Millisecond, MaxBytes: 2048, AllowPrivateNetworks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		status  int
		code    string
		content string
	}{
		"/slow":      {http.StatusFailedDependency, ucp.CodeProfileUnreachable, "timed out"},
		"/slow-body": {http.StatusFailedDependency, ucp.CodeProfileUnreachable, "reading it failed"},
		"/redirect":  {http.StatusFailedDependency, ucp.CodeProfileUnreachable, "HTTP 302, and profile redirects are not followed"},
		"/permanent": {http.StatusFailedDependency, ucp.CodeProfileUnreachable, "HTTP 308"},
		"/missing":   {http.StatusFailedDependency, ucp.CodeProfileUnreachable, "HTTP 404"},
		"/broken":    {http.StatusFailedDependency, ucp.CodeProfileUnreachable, "HTTP 502"},
		"/big":       {http.StatusUnprocessableEntity, ucp.CodeProfileMalformed, "larger than 2048 bytes"},
		"/not-json":  {http.StatusUnprocessableEntity, ucp.CodeProfileMalformed, "not valid JSON"},
		"/schema":    {http.StatusUnprocessableEntity, ucp.CodeProfileMalformed, "ucp.payment_handlers: is required"},
		"/bad-key":   {http.StatusUnprocessableEntity, ucp.CodeProfileMalformed, "signing_keys[0]"},
		"/old":       {http.StatusUnprocessableEntity, ucp.CodeVersionUnsupported, "Protocol version 2026-01-11 is not supported"},
	}
	for path, tc := range tests {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := r.Negotiate(context.Background(), "agent", srv.URL+path)
			ue := wantError(t, err, tc.status, tc.code)
			if !strings.Contains(ue.Content, tc.content) {
				t.Errorf("content %q, want it to contain %q", ue.Content, tc.content)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s; the timeout is 300ms", took)
			}
		})
	}
	t.Run("redirect target never fetched", func(t *testing.T) {
		t.Parallel()
		if _, err := r.Negotiate(context.Background(), "agent", srv.URL+"/redirect"); err == nil {
			t.Fatal("redirect accepted")
		}
		if n := srv.count("/target"); n != 0 {
			t.Errorf("the redirect's target was fetched %d times", n)
		}
	})
}

// TestResolverCacheTTL checks that a profile is cached for its max-age,
// clamped to at least 60s and at most MaxTTL.
func TestResolverCacheTTL(t *testing.T) {
	t.Parallel()
	profile := platformProfile(t, "", ucp.CapCheckout)
	withCacheControl := func(cc string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if cc != "" {
				w.Header().Set("Cache-Control", cc)
			}
			_, _ = w.Write(profile)
		}
	}
	srv, _ := newProfileServer(t, false, map[string]http.HandlerFunc{
		"/short":    withCacheControl("public, max-age=5"),
		"/none":     withCacheControl(""),
		"/no-store": withCacheControl("no-store"),
		"/medium":   withCacheControl("public, max-age=90"),
		"/long":     withCacheControl("public, max-age=86400"),
	})
	tests := map[string]struct {
		path string
		// cachedUntil is how long the profile stays cached.
		cachedUntil time.Duration
	}{
		"max-age under the floor": {"/short", time.Minute},
		"no Cache-Control":        {"/none", time.Minute},
		"no-store":                {"/no-store", time.Minute},
		"max-age within bounds":   {"/medium", 90 * time.Second},
		"max-age over MaxTTL":     {"/long", 10 * time.Minute},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := clocktest.New(time.Date(2026, 4, 8, 12, 0, 0, 0, time.UTC))
			r, err := NewResolver(Options{
				Agents: map[string]AgentPolicy{"agent": {ProfileHosts: []string{"127.0.0.1"}}},
				MinTTL: 10 * time.Second, MaxTTL: 10 * time.Minute, AllowPrivateNetworks: true, Now: clock.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			fetch := func() {
				t.Helper()
				if _, err := r.Negotiate(context.Background(), "agent", srv.URL+tc.path); err != nil {
					t.Fatal(err)
				}
			}
			fetch()
			clock.Advance(tc.cachedUntil - time.Second)
			fetch()
			if n := srv.count(tc.path); n != 1 {
				t.Fatalf("fetched %d times within %s, want once", n, tc.cachedUntil)
			}
			clock.Advance(time.Second)
			fetch()
			if n := srv.count(tc.path); n != 2 {
				t.Fatalf("fetched %d times after %s, want twice", n, tc.cachedUntil)
			}
		})
	}
}

// TestResolverCacheBound checks that the cache keeps CacheSize profiles,
// dropping the least recently used.
func TestResolverCacheBound(t *testing.T) {
	t.Parallel()
	srv, _ := newProfileServer(t, false, nil)
	r, err := NewResolver(Options{
		Agents:    map[string]AgentPolicy{"agent": {ProfileHosts: []string{"127.0.0.1"}}},
		CacheSize: 2, AllowPrivateNetworks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) {
		t.Helper()
		if _, err := r.Negotiate(context.Background(), "agent", srv.URL+path); err != nil {
			t.Fatal(err)
		}
	}
	get("/a")
	get("/b")
	get("/a") // a is now the most recently used
	get("/c") // drops b
	if n := r.cache.len(); n != 2 {
		t.Errorf("cache holds %d profiles, want 2", n)
	}
	get("/a")
	get("/b")
	if a, b, c := srv.count("/a"), srv.count("/b"), srv.count("/c"); a != 1 || b != 2 || c != 1 {
		t.Errorf("fetches a=%d b=%d c=%d, want a=1 b=2 c=1", a, b, c)
	}
}

// TestResolverBackoff checks that a failing profile is not fetched again
// at once, but is after the backoff, and that concurrent requests share
// one fetch.
func TestResolverBackoff(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	profile := platformProfile(t, "", ucp.CapCheckout)
	gate := make(chan struct{})
	srv, _ := newProfileServer(t, false, map[string]http.HandlerFunc{
		"/flaky": func(w http.ResponseWriter, r *http.Request) {
			if fail.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write(profile)
		},
		"/gated": func(w http.ResponseWriter, r *http.Request) {
			<-gate
			_, _ = w.Write(profile)
		},
	})
	clock := clocktest.New(time.Date(2026, 4, 8, 12, 0, 0, 0, time.UTC))
	r, err := NewResolver(Options{
		Agents: map[string]AgentPolicy{"agent": {ProfileHosts: []string{"127.0.0.1"}}}, AllowPrivateNetworks: true, Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, err := r.Negotiate(context.Background(), "agent", srv.URL+"/flaky")
		wantError(t, err, http.StatusFailedDependency, ucp.CodeProfileUnreachable)
	}
	if n := srv.count("/flaky"); n != 1 {
		t.Fatalf("fetched %d times during the backoff, want once", n)
	}
	fail.Store(false)
	clock.Advance(time.Minute) // the longest backoff is MinTTL
	if _, err := r.Negotiate(context.Background(), "agent", srv.URL+"/flaky"); err != nil {
		t.Fatalf("after the backoff: %v", err)
	}
	if n := srv.count("/flaky"); n != 2 {
		t.Errorf("fetched %d times, want twice", n)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := r.Negotiate(context.Background(), "agent", srv.URL+"/gated")
			errs <- err
		})
	}
	for srv.count("/gated") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the others join the fetch
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := srv.count("/gated"); n != 1 {
		t.Errorf("concurrent requests fetched %d times, want once", n)
	}
}

// TestResolverOrderWebhook checks where order events go: the platform's
// order config.webhook_url when order is negotiated and the URL passes the
// webhook address rules; otherwise nowhere.
func TestResolverOrderWebhook(t *testing.T) {
	t.Parallel()
	const url = "https://platform.example/profile.json"
	tests := map[string]struct {
		webhook      string
		caps         []string
		offered      []string
		allowPrivate bool
		want         string
	}{
		"public https":             {webhook: "https://platform.example/hooks/orders", caps: Served, want: "https://platform.example/hooks/orders"},
		"plain http refused":       {webhook: "http://platform.example/hooks", caps: Served},
		"loopback refused":         {webhook: "https://127.0.0.1/hooks", caps: Served},
		"metadata address refused": {webhook: "https://169.254.169.254/latest", caps: Served},
		"loopback when allowed":    {webhook: "http://127.0.0.1:9/hooks", caps: Served, allowPrivate: true, want: "http://127.0.0.1:9/hooks"},
		"not a URL":                {webhook: "::", caps: Served},
		"relative":                 {webhook: "/hooks", caps: Served},
		"order not declared":       {webhook: "https://platform.example/hooks", caps: []string{ucp.CapCheckout}},
		"order not offered":        {webhook: "https://platform.example/hooks", caps: Served, offered: []string{ucp.CapCheckout}},
		"no webhook":               {caps: Served},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc := platformProfile(t, tc.webhook, tc.caps...)
			if !strings.Contains(strings.Join(tc.caps, ","), ucp.CapOrder) && tc.webhook != "" {
				// The order capability is absent: put its config on
				// checkout to show it is not read from there.
				doc = []byte(strings.Replace(string(doc), `"dev.ucp.shopping.checkout":[{`, `"dev.ucp.shopping.checkout":[{"config":{"webhook_url":"`+tc.webhook+`"},`, 1))
			}
			r, err := NewResolver(Options{
				Agents:       map[string]AgentPolicy{"agent": {Profiles: map[string]json.RawMessage{url: doc}}},
				Capabilities: tc.offered, AllowPrivateNetworks: tc.allowPrivate,
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := r.Negotiate(context.Background(), "agent", url)
			if err != nil {
				t.Fatal(err)
			}
			if p.OrderWebhookURL != tc.want {
				t.Errorf("OrderWebhookURL = %q, want %q", p.OrderWebhookURL, tc.want)
			}
		})
	}
}

// TestNewResolverRefusals checks what NewResolver refuses: a malformed
// inline profile and a capability it cannot serve. An inline profile of
// another protocol version is answered version_unsupported.
func TestNewResolverRefusals(t *testing.T) {
	t.Parallel()
	if _, err := NewResolver(Options{Agents: map[string]AgentPolicy{"a": {Profiles: map[string]json.RawMessage{"https://p.example/": []byte(`{"ucp":{}}`)}}}}); err == nil ||
		!strings.Contains(err.Error(), "agent a: profile https://p.example/: ucp.version: is required") {
		t.Errorf("malformed inline profile: %v", err)
	}
	if _, err := NewResolver(Options{Capabilities: []string{"dev.ucp.shopping.cart"}}); err == nil {
		t.Error("cart accepted")
	}
	old := withVersion(t, platformProfile(t, "", ucp.CapCheckout), "2026-01-23")
	r, err := NewResolver(Options{Agents: map[string]AgentPolicy{"a": {Profiles: map[string]json.RawMessage{"https://p.example/": old}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Negotiate(context.Background(), "a", "https://p.example/")
	wantError(t, err, http.StatusUnprocessableEntity, ucp.CodeVersionUnsupported)
}

// len is how many entries are cached.
func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
