package testkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// VerifySignature checks a Merchant-Signature header (ACP's
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">") the way a
// receiver would, independently of the project's signing code: the
// timestamp within skew (plus a second of rounding) of now, the MAC in
// lower-case hex, compared in constant time.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, skew time.Duration) error {
	ts, mac, ok := strings.Cut(header, ",")
	if !ok || !strings.HasPrefix(ts, "t=") || !strings.HasPrefix(mac, "v1=") {
		return fmt.Errorf("malformed header %q", header)
	}
	ts, mac = strings.TrimPrefix(ts, "t="), strings.TrimPrefix(mac, "v1=")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > skew+time.Second || d < -skew-time.Second {
		return fmt.Errorf("timestamp %d is %v away from now", sec, d)
	}
	got, err := hex.DecodeString(mac)
	if err != nil || len(got) != sha256.Size || mac != strings.ToLower(mac) {
		return fmt.Errorf("mac %q is not 64 lower-case hex digits", mac)
	}
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts + "."))
	h.Write(body)
	if !hmac.Equal(got, h.Sum(nil)) {
		return fmt.Errorf("mac mismatch")
	}
	return nil
}
