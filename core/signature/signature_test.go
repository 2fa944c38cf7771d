package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	// now is the server's clock in every test.
	now = time.Date(2026, 4, 17, 12, 0, 0, 0, time.UTC)
	// testSecret is a 32-byte HMAC secret.
	testSecret = []byte("0123456789abcdef0123456789abcdef")
	// otherSecret is another valid secret.
	otherSecret = []byte("fedcba9876543210fedcba9876543210")
	// testKey and otherKey are Ed25519 key pairs from fixed seeds.
	testKey  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	otherKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))
)

// testBody is a create request as an agent sends it.
const testBody = `{"line_items":[{"id":"mug-classic","quantity":2}],"currency":"usd"}`

// request is what an agent signs, or what the server receives.
type request struct {
	method, path, ts, body string
	version, key           string
}

// req is r as the package sees it.
func (r request) req() Request {
	return Request{Method: r.method, Path: r.path, APIVersion: r.version, IdempotencyKey: r.key, Timestamp: r.ts, Body: []byte(r.body)}
}

// testRequest is a signed create request at now.
var testRequest = request{method: "POST", path: "/checkout_sessions", ts: "2026-04-17T12:00:00Z", body: testBody, version: "2026-04-17", key: "k-1"}

// with returns r with edit applied.
func (r request) with(edit func(*request)) request {
	edit(&r)
	return r
}

// sign signs r with the test key of scheme, or with another key when
// other is set.
func sign(t testing.TB, scheme Scheme, other bool, r request) string {
	t.Helper()
	var sig string
	var err error
	switch scheme {
	case HMACSHA256:
		secret := testSecret
		if other {
			secret = otherSecret
		}
		sig, err = SignHMAC(secret, r.req())
	case Ed25519:
		key := testKey
		if other {
			key = otherKey
		}
		sig, err = SignEd25519(key, r.req())
	default:
		t.Fatalf("unknown scheme %q", scheme)
	}
	if err != nil {
		t.Fatalf("sign %+v: %v", r, err)
	}
	return sig
}

// verifier returns the test verifier of scheme with a 300s skew.
func verifier(t testing.TB, scheme Scheme) *Verifier {
	t.Helper()
	var v *Verifier
	var err error
	switch scheme {
	case HMACSHA256:
		v, err = NewHMAC(testSecret, 300*time.Second)
	case Ed25519:
		v, err = NewEd25519(testKey.Public().(ed25519.PublicKey), 300*time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVerify checks what each scheme accepts and refuses: the agent signs
// `signed` (with its own key unless otherKey), the server receives `sent`
// with the signature, edited by editSig when set.
func TestVerify(t *testing.T) {
	t.Parallel()
	same := func(r *request) {}
	reordered := `{
  "currency" : "usd",
  "line_items" : [ { "quantity" : 2.0, "id" : "mug-classic" } ]
}`
	at := func(d time.Duration) func(*request) {
		return func(r *request) { r.ts = now.Add(d).Format(time.RFC3339Nano) }
	}
	tests := map[string]struct {
		signed   func(*request)
		sent     func(*request)
		otherKey bool
		editSig  func(sig string) string
		wantErr  error
	}{
		"valid":                             {signed: same, sent: same},
		"GET without a body":                {signed: func(r *request) { r.method, r.body = "GET", "" }, sent: func(r *request) { r.method, r.body = "GET", "" }},
		"whitespace-only body is empty":     {signed: func(r *request) { r.body = "" }, sent: func(r *request) { r.body = " \n" }},
		"method case does not matter":       {signed: same, sent: func(r *request) { r.method = "post" }},
		"query string is ignored":           {signed: same, sent: func(r *request) { r.path += "?debug=1" }},
		"key order and whitespace":          {signed: same, sent: func(r *request) { r.body = reordered }},
		"padded signature":                  {signed: same, sent: same, editSig: func(s string) string { return s + strings.Repeat("=", (4-len(s)%4)%4) }},
		"timestamp with fraction and zone":  {signed: func(r *request) { r.ts = "2026-04-17T14:01:59.5+02:00" }, sent: func(r *request) { r.ts = "2026-04-17T14:01:59.5+02:00" }},
		"timestamp at the past skew edge":   {signed: at(-300 * time.Second), sent: at(-300 * time.Second)},
		"timestamp at the future skew edge": {signed: at(300 * time.Second), sent: at(300 * time.Second)},
		"tampered body":                     {signed: same, sent: func(r *request) { r.body = strings.Replace(testBody, `"quantity":2`, `"quantity":3`, 1) }, wantErr: ErrInvalid},
		"member added to the body":          {signed: same, sent: func(r *request) { r.body = strings.Replace(testBody, `{"line_items"`, `{"buyer":null,"line_items"`, 1) }, wantErr: ErrInvalid},
		"body dropped":                      {signed: same, sent: func(r *request) { r.body = "" }, wantErr: ErrInvalid},
		"body added":                        {signed: func(r *request) { r.body = "" }, sent: same, wantErr: ErrInvalid},
		"tampered timestamp":                {signed: same, sent: func(r *request) { r.ts = "2026-04-17T12:00:01Z" }, wantErr: ErrInvalid},
		"same instant spelled differently":  {signed: same, sent: func(r *request) { r.ts = "2026-04-17T12:00:00+00:00" }, wantErr: ErrInvalid},
		"tampered method":                   {signed: same, sent: func(r *request) { r.method = "PUT" }, wantErr: ErrInvalid},
		"tampered path":                     {signed: same, sent: func(r *request) { r.path = "/checkout_sessions/cs_other" }, wantErr: ErrInvalid},
		"path suffix":                       {signed: same, sent: func(r *request) { r.path += "/" }, wantErr: ErrInvalid},
		"path with a line break":            {signed: same, sent: func(r *request) { r.path += "\nx" }, wantErr: ErrInvalid},
		"skew exceeded in the past":         {signed: at(-301 * time.Second), sent: at(-301 * time.Second), wantErr: ErrSkew},
		"skew exceeded in the future":       {signed: at(301 * time.Second), sent: at(301 * time.Second), wantErr: ErrSkew},
		"year 1":                            {signed: func(r *request) { r.ts = "0001-01-01T00:00:00Z" }, sent: func(r *request) { r.ts = "0001-01-01T00:00:00Z" }, wantErr: ErrSkew},
		"year 9999":                         {signed: func(r *request) { r.ts = "9999-12-31T23:59:59Z" }, sent: func(r *request) { r.ts = "9999-12-31T23:59:59Z" }, wantErr: ErrSkew},
		"wrong key":                         {signed: same, sent: same, otherKey: true, wantErr: ErrInvalid},
		"missing signature":                 {signed: same, sent: same, editSig: func(string) string { return "" }, wantErr: ErrMissing},
		"missing timestamp":                 {signed: same, sent: func(r *request) { r.ts = "" }, wantErr: ErrMissing},
		"missing both":                      {signed: same, sent: func(r *request) { r.ts = "" }, editSig: func(string) string { return "" }, wantErr: ErrMissing},
		"malformed base64":                  {signed: same, sent: same, editSig: func(string) string { return "not base64!" }, wantErr: ErrInvalid},
		"standard alphabet":                 {signed: same, sent: same, editSig: func(s string) string { return s[:len(s)-1] + "+" }, wantErr: ErrInvalid},
		"excess padding":                    {signed: same, sent: same, editSig: func(s string) string { return s + "====" }, wantErr: ErrInvalid},
		"truncated signature":               {signed: same, sent: same, editSig: func(s string) string { return s[:len(s)-4] }, wantErr: ErrInvalid},
		"signature bit flipped":             {signed: same, sent: same, editSig: flipFirstBit, wantErr: ErrInvalid},
		"timestamp without zone":            {signed: same, sent: func(r *request) { r.ts = "2026-04-17T12:00:00" }, wantErr: ErrTimestamp},
		"timestamp with a space":            {signed: same, sent: func(r *request) { r.ts = "2026-04-17 12:00:00Z" }, wantErr: ErrTimestamp},
		"unix timestamp":                    {signed: same, sent: func(r *request) { r.ts = "1776427200" }, wantErr: ErrTimestamp},
		"HTTP date":                         {signed: same, sent: func(r *request) { r.ts = now.Format(time.RFC1123) }, wantErr: ErrTimestamp},
		"body not JSON":                     {signed: same, sent: func(r *request) { r.body = "{" }, wantErr: ErrBody},
	}
	for _, scheme := range []Scheme{HMACSHA256, Ed25519} {
		for name, tc := range tests {
			t.Run(string(scheme)+"/"+name, func(t *testing.T) {
				t.Parallel()
				signed, sent := testRequest.with(tc.signed), testRequest.with(tc.sent)
				sig := sign(t, scheme, tc.otherKey, signed)
				if tc.editSig != nil {
					sig = tc.editSig(sig)
				}
				err := verifier(t, scheme).Verify(sent.req(), sig, now)
				if tc.wantErr == nil {
					if err != nil {
						t.Fatalf("Verify() = %v, want nil", err)
					}
					return
				}
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Verify() = %v, want an error wrapping %v", err, tc.wantErr)
				}
				for _, sentinel := range []error{ErrMissing, ErrTimestamp, ErrSkew, ErrInvalid, ErrBody} {
					if sentinel != tc.wantErr && errors.Is(err, sentinel) {
						t.Errorf("Verify() = %v also wraps %v", err, sentinel)
					}
				}
				assertNoExpected(t, err, scheme, sent)
			})
		}
	}
}

// assertNoExpected fails when err mentions the signature the server would
// have accepted for r, in base64url or hex.
func assertNoExpected(t *testing.T, err error, scheme Scheme, r request) {
	t.Helper()
	var want []byte
	input, ierr := SigningInput(r.req())
	if ierr != nil {
		return // no expected signature exists
	}
	switch scheme {
	case HMACSHA256:
		h := hmac.New(sha256.New, testSecret)
		h.Write(input)
		want = h.Sum(nil)
	case Ed25519:
		want = ed25519.Sign(testKey, input)
	}
	msg := err.Error()
	for _, form := range []string{base64.RawURLEncoding.EncodeToString(want), base64.StdEncoding.EncodeToString(want), hex.EncodeToString(want)} {
		if strings.Contains(msg, form[:16]) {
			t.Errorf("error %q contains the expected signature %s", msg, form)
		}
	}
}

// flipFirstBit flips the first bit of a base64url signature.
func flipFirstBit(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	b[0] ^= 0x80
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestVerifyWrongScheme checks that a signature of one scheme is refused
// by a verifier of the other.
func TestVerifyWrongScheme(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		signer, verifier Scheme
	}{
		"HMAC to Ed25519": {signer: HMACSHA256, verifier: Ed25519},
		"Ed25519 to HMAC": {signer: Ed25519, verifier: HMACSHA256},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testRequest
			sig := sign(t, tc.signer, false, r)
			err := verifier(t, tc.verifier).Verify(r.req(), sig, now)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Verify() = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestSigningInput checks the exact bytes signed.
func TestSigningInput(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		r       Request
		want    string
		wantErr error
	}{
		"canonical body": {
			r: Request{Method: "post", Path: "/checkout_sessions/cs_1/complete?x=y", APIVersion: "2026-04-17", IdempotencyKey: "k-1", Timestamp: "2026-04-17T12:00:00Z",
				Body: []byte("{ \"b\": 1, \"a\": [1.0, \"\\u00e9\", 1e2] }")},
			want: "2026-04-17T12:00:00Z\nPOST\n/checkout_sessions/cs_1/complete\n2026-04-17\nk-1\n{\"a\":[1,\"é\",100],\"b\":1}",
		},
		"empty body and no key": {
			r:    Request{Method: "GET", Path: "/checkout_sessions/cs_1", APIVersion: "2026-01-30", Timestamp: "2026-04-17T12:00:00.25-07:00"},
			want: "2026-04-17T12:00:00.25-07:00\nGET\n/checkout_sessions/cs_1\n2026-01-30\n\n",
		},
		"timestamp kept verbatim": {
			r:    Request{Method: "GET", Path: "/", Timestamp: "not even a time"},
			want: "not even a time\nGET\n/\n\n\n",
		},
		"body not JSON":        {r: Request{Method: "POST", Path: "/", Timestamp: "t", Body: []byte(`{"a":}`)}, wantErr: ErrBody},
		"line break in method": {r: Request{Method: "POST\n", Path: "/", Timestamp: "t"}},
		"line break in path":   {r: Request{Method: "POST", Path: "/a\r", Timestamp: "t"}},
		"line break in time":   {r: Request{Method: "POST", Path: "/", Timestamp: "t\nGET"}},
		"line break in key":    {r: Request{Method: "POST", Path: "/", Timestamp: "t", IdempotencyKey: "a\nb"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := SigningInput(tc.r)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("SigningInput() = %q, want an error", got)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("SigningInput() error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SigningInput() error = %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("SigningInput() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSignKnownAnswers checks the signatures against values computed
// independently of SigningInput: the HMAC with Python's hmac module, the
// Ed25519 signature by verifying it over the literal input.
func TestSignKnownAnswers(t *testing.T) {
	t.Parallel()
	const input = "2026-04-17T12:00:00Z\nPOST\n/checkout_sessions\n2026-04-17\nk-1\n" +
		`{"currency":"usd","line_items":[{"id":"mug-classic","quantity":2}]}`
	r := testRequest
	got, err := SignHMAC(testSecret, r.req())
	if err != nil {
		t.Fatal(err)
	}
	// python3: base64.urlsafe_b64encode(hmac.new(secret, input, sha256).digest()).rstrip(b"=")
	if want := "miv_XMcz3u87jVfnLVpM56LiLF6vIxDYmL-OowzTWns"; got != want {
		t.Errorf("SignHMAC() = %s, want %s", got, want)
	}
	edSig, err := SignEd25519(testKey, r.req())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(edSig)
	if err != nil {
		t.Fatalf("SignEd25519() = %q is not unpadded base64url: %v", edSig, err)
	}
	if !ed25519.Verify(testKey.Public().(ed25519.PublicKey), []byte(input), raw) {
		t.Errorf("SignEd25519() is not a signature of the documented input")
	}
}

// TestConstructors checks what NewHMAC, NewEd25519 and SignEd25519 refuse.
func TestConstructors(t *testing.T) {
	t.Parallel()
	pub := testKey.Public().(ed25519.PublicKey)
	tests := map[string]struct {
		make    func() error
		wantErr bool
	}{
		"HMAC":                 {make: func() error { _, err := NewHMAC(testSecret, time.Second); return err }},
		"HMAC, short secret":   {make: func() error { _, err := NewHMAC(testSecret[:31], time.Second); return err }, wantErr: true},
		"HMAC, empty secret":   {make: func() error { _, err := NewHMAC(nil, time.Second); return err }, wantErr: true},
		"HMAC, zero skew":      {make: func() error { _, err := NewHMAC(testSecret, 0); return err }, wantErr: true},
		"Ed25519":              {make: func() error { _, err := NewEd25519(pub, time.Second); return err }},
		"Ed25519, short key":   {make: func() error { _, err := NewEd25519(pub[:31], time.Second); return err }, wantErr: true},
		"Ed25519, private key": {make: func() error { _, err := NewEd25519(ed25519.PublicKey(testKey), time.Second); return err }, wantErr: true},
		"Ed25519, skew < 0":    {make: func() error { _, err := NewEd25519(pub, -time.Second); return err }, wantErr: true},
		"sign with a bad key": {make: func() error {
			_, err := SignEd25519(testKey[:32], Request{Method: "GET", Path: "/", Timestamp: "t"})
			return err
		}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := tc.make(); (err != nil) != tc.wantErr {
				t.Errorf("error = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

// TestVerifierKeepsItsOwnKey checks that changing the caller's secret or
// key after construction does not change the verifier.
func TestVerifierKeepsItsOwnKey(t *testing.T) {
	t.Parallel()
	secret := bytes.Clone(testSecret)
	hv, err := NewHMAC(secret, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	pub := bytes.Clone(testKey.Public().(ed25519.PublicKey))
	ev, err := NewEd25519(pub, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	secret[0]++
	pub[0]++
	r := testRequest
	for _, tc := range []struct {
		v      *Verifier
		scheme Scheme
	}{{hv, HMACSHA256}, {ev, Ed25519}} {
		if err := tc.v.Verify(r.req(), sign(t, tc.scheme, false, r), now); err != nil {
			t.Errorf("%s: Verify() = %v after the caller changed its key", tc.scheme, err)
		}
		if tc.v.Scheme() != tc.scheme || tc.v.MaxSkew() != time.Minute {
			t.Errorf("Scheme(), MaxSkew() = %s, %s; want %s, 1m0s", tc.v.Scheme(), tc.v.MaxSkew(), tc.scheme)
		}
	}
}

// TestZeroVerifier checks that a Verifier not made by a constructor
// accepts nothing and does not panic.
func TestZeroVerifier(t *testing.T) {
	t.Parallel()
	r := testRequest
	var v Verifier
	sig := sign(t, HMACSHA256, false, r)
	if err := v.Verify(r.req(), sig, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("Verify() = %v, want ErrInvalid", err)
	}
}

// TestFormatTimestamp checks that timestamps are RFC 3339 in UTC, to the
// second.
func TestFormatTimestamp(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 4, 17, 5, 0, 0, 123, time.FixedZone("PDT", -7*3600))
	if got, want := FormatTimestamp(at), "2026-04-17T12:00:00Z"; got != want {
		t.Errorf("FormatTimestamp() = %q, want %q", got, want)
	}
}

// FuzzVerify checks that Verify never panics, that every error wraps
// exactly one sentinel, and that an accepted HMAC signature is the one
// SignHMAC computes.
func FuzzVerify(f *testing.F) {
	r := testRequest
	f.Add(r.method, r.path, []byte(r.body), sign(f, HMACSHA256, false, r), r.ts)
	f.Add(r.method, r.path, []byte(r.body), sign(f, Ed25519, false, r), r.ts)
	f.Add("GET", "/checkout_sessions/cs_1?x", []byte(nil), "", "")
	f.Add("POST", "/\n", []byte(`{"a":1e400}`), "AAAA==", "2026-04-17T12:00:00+25:00")
	f.Add("post", "/", []byte(`"\ud800"`), "____", "9999-12-31T23:59:59.999999999Z")
	hv, ev := verifier(f, HMACSHA256), verifier(f, Ed25519)
	sentinels := []error{ErrMissing, ErrTimestamp, ErrSkew, ErrInvalid, ErrBody}
	f.Fuzz(func(t *testing.T, method, path string, body []byte, sig, ts string) {
		for _, v := range []*Verifier{hv, ev} {
			err := v.Verify(Request{Method: method, Path: path, Timestamp: ts, Body: body}, sig, now)
			if err == nil {
				if v.Scheme() == HMACSHA256 {
					want, serr := SignHMAC(testSecret, Request{Method: method, Path: path, Timestamp: ts, Body: body})
					got, derr := decodeSignature(sig)
					if serr != nil || derr != nil || base64.RawURLEncoding.EncodeToString(got) != want {
						t.Fatalf("Verify accepted %q for %q %q %q %q, which SignHMAC signs as %q (%v, %v)", sig, method, path, body, ts, want, serr, derr)
					}
				}
				continue
			}
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("Verify() = %v wraps %d sentinels, want 1", err, n)
			}
		}
	})
}

// The replay record outlives the skew window on the recording server's
// clock by max_skew (other replicas' clocks) and a second (whole-second
// timestamps and store expiry).
func TestReplayWindow(t *testing.T) {
	v, err := NewHMAC([]byte("0123456789abcdef0123456789abcdef"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 4, 17, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		timestamp string
		want      time.Duration
	}{
		{"signed now", "2026-04-17T12:00:00Z", 2*time.Minute + time.Second},
		{"signed at the edge of the past", "2026-04-17T11:59:00Z", time.Minute + time.Second},
		{"signed at the edge of the future", "2026-04-17T12:01:00Z", 3*time.Minute + time.Second},
		{"signed long ago", "2026-04-17T11:00:00Z", time.Minute + time.Second},
		{"malformed", "yesterday", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := v.ReplayWindow(tc.timestamp, now); got != tc.want {
				t.Errorf("ReplayWindow(%s) = %s, want %s", tc.timestamp, got, tc.want)
			}
		})
	}
}
