package signature

import (
	"encoding/hex"
	"strconv"
	"time"
)

// TimestampedHMAC returns the "t=<unix seconds>,v1=<hex>" signature header
// value of body sent at t, where hex is the lower-case HMAC-SHA256, keyed
// with secret, of the decimal timestamp, a ".", and the raw body bytes
// exactly as sent; t is truncated to the second.
//
// It is Stripe's webhook signature construction, used for the
// Merchant-Signature header of ACP order webhooks (package webhook) and
// for the Stripe-Signature header of the Stripe test fake (package
// stripefake). It is unrelated to the agents' request signatures that
// Verifier checks.
func TimestampedHMAC(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	input := make([]byte, 0, len(ts)+1+len(body))
	input = append(append(append(input, ts...), '.'), body...)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, input))
}
