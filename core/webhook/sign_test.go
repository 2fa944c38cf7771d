package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verifySignature checks a Merchant-Signature header the way a receiver
// would, independently of signature.TimestampedHMAC, allowing skew
// between its timestamp and now.
func verifySignature(secret []byte, header string, body []byte, now time.Time, skew time.Duration) error {
	ts, mac, ok := strings.Cut(header, ",")
	if !ok || !strings.HasPrefix(ts, "t=") || !strings.HasPrefix(mac, "v1=") {
		return fmt.Errorf("malformed header %q", header)
	}
	sec, err := strconv.ParseInt(strings.TrimPrefix(ts, "t="), 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > skew+time.Second || d < -skew-time.Second {
		return fmt.Errorf("timestamp %d is %v away from now", sec, d)
	}
	got, err := hex.DecodeString(strings.TrimPrefix(mac, "v1="))
	if err != nil {
		return fmt.Errorf("mac: %w", err)
	}
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(strings.TrimPrefix(ts, "t=") + "."))
	h.Write(body)
	if !hmac.Equal(got, h.Sum(nil)) {
		return fmt.Errorf("mac mismatch")
	}
	return nil
}

// TestVerifySignature checks the test receiver's verification against a
// header computed with OpenSSL (see signature.TestTimestampedHMAC).
func TestVerifySignature(t *testing.T) {
	const (
		header = "t=1700000000,v1=e4cf8279a02b62395a694bc0975fc58d8e794b02efd25dbe23b952789d1cf6ef"
		body   = `{"type":"order_create","data":{"id":"ord_1"}}`
	)
	at := time.Unix(1700000000, 0)
	if err := verifySignature([]byte("whsec_test"), header, []byte(body), at, 0); err != nil {
		t.Errorf("valid header: %v", err)
	}
	if err := verifySignature([]byte("whsec_test"), header, []byte(body+" "), at, 0); err == nil {
		t.Error("a changed body verified")
	}
	if err := verifySignature([]byte("whsec_other"), header, []byte(body), at, 0); err == nil {
		t.Error("another secret verified")
	}
	if err := verifySignature([]byte("whsec_test"), header, []byte(body), at.Add(time.Minute), 0); err == nil {
		t.Error("an old timestamp verified")
	}
}
