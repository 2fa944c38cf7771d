package webhook

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/httpsig"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// businessProfile is the business profile URL the tests' UCP targets
// name in UCP-Agent.
const businessProfile = "https://shop.example/.well-known/ucp"

// ucpSigner returns a signer for a fresh P-256 key and its public JWK.
func ucpSigner(t *testing.T) (*httpsig.Signer, json.RawMessage) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := jose.JSONWebKey{Key: key, KeyID: "business-2026"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	s, err := httpsig.ParsePrivateJWK(jwk)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.PublicJWK()
}

func ucpTarget(s *httpsig.Signer) Target {
	return Target{Agent: testAgent, Name: model.TargetUCP, UCP: &UCPSigning{Signer: s, Profile: businessProfile}, MaxAttempts: 10, MaxAge: time.Hour}
}

// newUCPEvent is a pending UCP order event for order, sent to url.
func newUCPEvent(id, order, url string, now time.Time) *model.WebhookEvent {
	e := newEvent(id, model.TargetUCP, order, now)
	e.Protocol, e.URL, e.APIVersion = model.ProtocolUCP, url, "ucp/2026-04-08"
	e.Payload = fmt.Appendf(nil, `{"id":%q,"event_id":%q,"note":%q}`, order, id, payloadMarker)
	return e
}

// verifyRFC9421 is a verifier written for this test alone, apart from
// package httpsig: it rebuilds the signature base of the received
// request per RFC 9421 §2 from its Signature-Input "sig1", checks
// Content-Digest (RFC 9530) against the body, and the ES256 signature
// (r||s) with the public JWK through crypto/ecdsa. It returns the covered
// components.
func verifyRFC9421(r received, method, path, host string, jwk json.RawMessage) ([]string, error) {
	var key struct{ Kid, Crv, X, Y string }
	if err := json.Unmarshal(jwk, &key); err != nil || key.Crv != "P-256" {
		return nil, fmt.Errorf("test key %s: %v", jwk, err)
	}
	x, _ := base64.RawURLEncoding.DecodeString(key.X)
	y, _ := base64.RawURLEncoding.DecodeString(key.Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, fmt.Errorf("test key: %w", err)
	}

	input := regexp.MustCompile(`^sig1=\(([^)]*)\)(.*)$`).FindStringSubmatch(r.header.Get("Signature-Input"))
	if input == nil {
		return nil, fmt.Errorf("Signature-Input %q", r.header.Get("Signature-Input"))
	}
	if !strings.Contains(input[2], `;keyid="`+key.Kid+`"`) {
		return nil, fmt.Errorf("keyid is not %s: %s", key.Kid, input[2])
	}
	sum := sha256.Sum256(r.body)
	if got, want := r.header.Get("Content-Digest"), "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":"; got != want {
		return nil, fmt.Errorf("Content-Digest %s, want %s", got, want)
	}
	var base strings.Builder
	var covered []string
	for _, q := range strings.Fields(input[1]) {
		name := strings.Trim(q, `"`)
		covered = append(covered, name)
		var v string
		switch name {
		case "@method":
			v = method
		case "@authority":
			v = host
		case "@path":
			v = path
		default:
			if strings.HasPrefix(name, "@") {
				return nil, fmt.Errorf("component %s not expected", name)
			}
			v = strings.TrimSpace(strings.Join(r.header.Values(name), ", "))
		}
		fmt.Fprintf(&base, "%q: %s\n", name, v)
	}
	fmt.Fprintf(&base, `"@signature-params": (%s)%s`, input[1], input[2])

	m := regexp.MustCompile(`^sig1=:([A-Za-z0-9+/=]+):$`).FindStringSubmatch(r.header.Get("Signature"))
	if m == nil {
		return nil, fmt.Errorf("Signature %q", r.header.Get("Signature"))
	}
	sig, _ := base64.StdEncoding.DecodeString(m[1])
	if len(sig) != 64 {
		return nil, fmt.Errorf("signature of %d bytes, want 64 (r||s)", len(sig))
	}
	digest := sha256.Sum256([]byte(base.String()))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("ES256 signature does not verify")
	}
	return covered, nil
}

// TestDeliverUCPEvent delivers a UCP order event to a real receiver and
// checks its headers and its RFC 9421 signature with an independent
// verifier, which refuses the message changed.
func TestDeliverUCPEvent(t *testing.T) {
	st := newStore(t)
	rc := &receiver{}
	srv := serve(t, rc)
	reg := prometheus.NewRegistry()
	now := time.Now()
	e := newUCPEvent("evt_u1", "ord_1", srv.URL+"/webhooks/ucp/orders", now)
	put(t, st, e)
	signer, jwk := ucpSigner(t)
	clock := now.Truncate(time.Second).Add(time.Second) // the event is due
	_, logs, _ := start(t, Options{Store: st, Targets: []Target{ucpTarget(signer)}, Metrics: NewMetrics(reg), AllowPrivateNetworks: true,
		Now: func() time.Time { return clock }})
	testkit.Eventually(t, 10*time.Second, "the delivery", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	checkMetric(t, reg, "acp_webhook_events_delivered_total", model.TargetUCP, 1)

	got := soleRequest(t, rc, e.Payload)
	for name, want := range map[string]string{
		"Content-Type":       "application/json",
		"Webhook-Id":         "evt_u1",
		"Webhook-Timestamp":  strconv.FormatInt(clock.Unix(), 10),
		"UCP-Agent":          `profile="` + businessProfile + `"`,
		"Merchant-Signature": "",
	} {
		if v := got.header.Get(name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	covered, err := verifyRFC9421(got, http.MethodPost, "/webhooks/ucp/orders", host, jwk)
	if err != nil {
		t.Fatalf("independent RFC 9421 verifier: %v", err)
	}
	if want := []string{"@method", "@authority", "@path", "ucp-agent", "webhook-id", "webhook-timestamp", "content-digest", "content-type"}; fmt.Sprint(covered) != fmt.Sprint(want) {
		t.Errorf("covered %v, want %v", covered, want)
	}
	if !strings.Contains(got.header.Get("Signature-Input"), fmt.Sprintf(";created=%d;", clock.Unix())) {
		t.Errorf("Signature-Input %s: created is not the attempt's time", got.header.Get("Signature-Input"))
	}

	tampered := got
	tampered.body = bytes.Replace(got.body, []byte("ord_1"), []byte("ord_2"), 1)
	if _, err := verifyRFC9421(tampered, http.MethodPost, "/webhooks/ucp/orders", host, jwk); err == nil {
		t.Error("the independent verifier accepted a tampered body")
	}
	tampered = got
	tampered.header = got.header.Clone()
	tampered.body = append(bytes.Clone(got.body), ' ')
	sum := sha256.Sum256(tampered.body)
	tampered.header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	if _, err := verifyRFC9421(tampered, http.MethodPost, "/webhooks/ucp/orders", host, jwk); err == nil {
		t.Error("the independent verifier accepted a tampered body with its digest recomputed")
	}
	tampered = got
	tampered.header = got.header.Clone()
	tampered.header.Set("Webhook-Id", "evt_other")
	if _, err := verifyRFC9421(tampered, http.MethodPost, "/webhooks/ucp/orders", host, jwk); err == nil {
		t.Error("the independent verifier accepted a changed Webhook-Id")
	}
	if _, err := verifyRFC9421(got, http.MethodPost, "/other/path", host, jwk); err == nil {
		t.Error("the independent verifier accepted another path")
	}
	logs.checkNoLeak(t)
}

// TestUCPRetriesKeepPerOrderOrder: UCP events of two orders, each to its
// own URL, go through 503s and are delivered once each, in order per
// order, each attempt signed anew at its own time.
func TestUCPRetriesKeepPerOrderOrder(t *testing.T) {
	st := newStore(t)
	rc := &receiver{respond: func(n int, r *http.Request, _ http.ResponseWriter) int {
		if n%2 == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}}
	srv := serve(t, rc)
	now := time.Now()
	events := []*model.WebhookEvent{
		newUCPEvent("a1", "ord_a", srv.URL+"/platform-a", now),
		newUCPEvent("b1", "ord_b", srv.URL+"/platform-b?x=1", now),
		newUCPEvent("a2", "ord_a", srv.URL+"/platform-a", now),
		newUCPEvent("a3", "ord_a", srv.URL+"/platform-a", now),
	}
	put(t, st, events...)
	signer, jwk := ucpSigner(t)
	start(t, Options{Store: st, Targets: []Target{ucpTarget(signer)}, AllowPrivateNetworks: true, Workers: 1})
	testkit.Eventually(t, 10*time.Second, "every event to be delivered", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	if dead := list(t, st, model.EventDead); len(dead) != 0 {
		t.Fatalf("%d events went dead: %+v", len(dead), dead[0])
	}
	var orderA []string
	accepted := map[string]int{}
	for _, r := range rc.requests() {
		id := r.header.Get("Webhook-Id")
		path := "/platform-a"
		if id == "b1" {
			path = "/platform-b"
			// @query is covered: the independent verifier does not
			// know it, so check it is listed and skip the rest.
			if !strings.Contains(r.header.Get("Signature-Input"), `"@query"`) {
				t.Errorf("b1's signature does not cover @query: %s", r.header.Get("Signature-Input"))
			}
		} else if _, err := verifyRFC9421(r, http.MethodPost, path, strings.TrimPrefix(srv.URL, "http://"), jwk); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if r.status == http.StatusOK {
			accepted[id]++
			if id != "b1" {
				orderA = append(orderA, id)
			}
		}
	}
	if fmt.Sprint(orderA) != "[a1 a2 a3]" {
		t.Errorf("ord_a delivered as %v", orderA)
	}
	for _, e := range events {
		if accepted[e.ID] != 1 {
			t.Errorf("%s accepted %d times", e.ID, accepted[e.ID])
		}
	}
}

// TestUCPEventURLRefused dead-letters at once, without dialing, a UCP
// event whose URL the address rules refuse.
func TestUCPEventURLRefused(t *testing.T) {
	rc := &receiver{}
	srv := serve(t, rc)
	signer, _ := ucpSigner(t)
	tests := []struct{ name, url, lastError string }{
		{"loopback address", strings.Replace(srv.URL, "http://", "https://", 1) + "/hook", "forbidden webhook destination address"},
		{"localhost", "https://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/hook", "forbidden webhook destination address"},
		{"plain http", "http://platform.example/hook", "must be https"},
		{"user information", "https://user:pw@platform.example/hook", "user information is not allowed"},
		{"not absolute", "/hook", "not an absolute URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			put(t, st, newUCPEvent("evt", "ord", tt.url, time.Now()))
			_, logs, _ := start(t, Options{Store: st, Targets: []Target{ucpTarget(signer)}, Client: NewClient(ClientOptions{Timeout: 5 * time.Second})})
			testkit.Eventually(t, 10*time.Second, "the event to go dead", func() bool { return len(list(t, st, model.EventDead)) == 1 })
			dead := list(t, st, model.EventDead)[0]
			if dead.Attempts != 1 || !strings.Contains(dead.LastError, tt.lastError) {
				t.Errorf("dead after %d attempts with LastError %q, want one attempt and %q", dead.Attempts, dead.LastError, tt.lastError)
			}
			if strings.Contains(dead.LastError, "/hook") || strings.Contains(logs.String(), "/hook") {
				t.Errorf("the URL was repeated: %q", dead.LastError)
			}
			logs.checkNoLeak(t)
		})
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("the receiver was reached %d times", n)
	}
}

// TestProtocolMismatch dead-letters an event whose protocol is not its
// target's: an ACP event for the UCP target and a UCP event for an ACP
// one.
func TestProtocolMismatch(t *testing.T) {
	rc := &receiver{}
	srv := serve(t, rc)
	signer, _ := ucpSigner(t)
	st := newStore(t)
	acp := newEvent("acp_for_ucp", model.TargetUCP, "ord_1", time.Now())
	u := newUCPEvent("ucp_for_acp", "ord_2", srv.URL, time.Now())
	u.Target = testTarget
	put(t, st, acp, u)
	start(t, Options{Store: st, Targets: []Target{ucpTarget(signer), target(srv.URL)}, AllowPrivateNetworks: true})
	testkit.Eventually(t, 10*time.Second, "both events to go dead", func() bool { return len(list(t, st, model.EventDead)) == 2 })
	for _, e := range list(t, st, model.EventDead) {
		if !strings.Contains(e.LastError, "another protocol") {
			t.Errorf("%s: LastError %q", e.ID, e.LastError)
		}
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("the receiver was reached %d times", n)
	}
}
