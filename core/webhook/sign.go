package webhook

// SignatureHeader is the request header that carries a delivery's
// signature: signature.TimestampedHMAC of the body, keyed with the
// target's secret, at the time of the attempt ("t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<unix seconds>.<body>">", the Stripe construction).
const SignatureHeader = "Merchant-Signature"
