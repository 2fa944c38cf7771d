package httpsig

import (
	"testing"
	"time"
)

// BenchmarkVerify verifies a signed checkout creation with ES256: the
// cost a signed UCP request adds (JWK parse, digest, base, ECDSA).
func BenchmarkVerify(b *testing.B) {
	t := &testing.T{}
	s, platform := newSigner(t, "platform-2026", "P-256")
	req := signedRequest(t, s, `{"line_items":[{"item":{"id":"p1"},"quantity":2}]}`, clock)
	v := verifierAt(clock)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(req, platform); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignRequest signs a webhook-sized request with ES256.
func BenchmarkSignRequest(b *testing.B) {
	t := &testing.T{}
	s, _ := newSigner(t, "biz", "P-256")
	body := []byte(`{"id":"order_1","event_id":"evt_1","created_time":"2026-01-15T12:00:00Z"}`)
	b.ReportAllocs()
	for b.Loop() {
		_ = signedRequest(t, s, string(body), time.Unix(1_800_000_000, 0))
	}
}
