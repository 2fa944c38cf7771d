package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in, want string
	}{
		"empty":                       {in: "", want: ""},
		"plain text":                  {in: "checkout completed", want: "checkout completed"},
		"bearer token":                {in: "Bearer xyz", want: "Bearer [REDACTED]"},
		"bearer in a header line":     {in: "Authorization: Bearer demo-agent-local-token", want: "Authorization: Bearer [REDACTED]"},
		"bearer, lower case":          {in: "bearer abc.DEF-ghi_jkl~mno+pqr/stu==", want: "bearer [REDACTED]"},
		"bearer, upper case, tabbed":  {in: "BEARER\tabc", want: "BEARER\t[REDACTED]"},
		"two bearer tokens":           {in: "Bearer a1, Bearer b2", want: "Bearer [REDACTED], Bearer [REDACTED]"},
		"bearer keeps what follows":   {in: "Bearer abc rejected", want: "Bearer [REDACTED] rejected"},
		"email":                       {in: "ada@example.com", want: "[REDACTED]"},
		"email in text":               {in: "receipt sent to Ada.Lovelace+shop@mail.example.co.uk today", want: "receipt sent to [REDACTED] today"},
		"email in a URL":              {in: "mailto:ada@example.com", want: "mailto:[REDACTED]"},
		"two emails":                  {in: "a@b.io,c@d.io", want: "[REDACTED],[REDACTED]"},
		"at sign without a domain":    {in: "retry @ 5s, user@localhost", want: "retry @ 5s, user@localhost"},
		"shared payment token":        {in: "spt_test_ok", want: "[REDACTED]"},
		"payment token in text":       {in: "charge with spt_1234567890abc declined", want: "charge with [REDACTED] declined"},
		"vault token":                 {in: "vt_ABCDEF", want: "[REDACTED]"},
		"card token":                  {in: "tok_1N3xyzAbc", want: "[REDACTED]"},
		"payment method":              {in: "pm_card_visa", want: "[REDACTED]"},
		"payment intent":              {in: "pi_3Nabcdefg", want: "[REDACTED]"},
		"secret key":                  {in: "sk_live_51Habc", want: "[REDACTED]"},
		"restricted key":              {in: "rk_test_abcdef", want: "[REDACTED]"},
		"short token kept":            {in: "spt_abc", want: "spt_abc"},
		"token prefix inside a word":  {in: "xspt_1234567890", want: "xspt_1234567890"},
		"token prefix after _":        {in: "order_pm_1234567", want: "order_pm_1234567"},
		"unknown prefix kept":         {in: "cs_abc123xyz", want: "cs_abc123xyz"},
		"session id kept":             {in: "session cs_0123456789abcdef ready", want: "session cs_0123456789abcdef ready"},
		"order id kept":               {in: "ord_0123456789abcdef", want: "ord_0123456789abcdef"},
		"line item id kept":           {in: "li_mug-classic", want: "li_mug-classic"},
		"card number":                 {in: "4242424242424242", want: "[REDACTED]"},
		"card number grouped":         {in: "card 4242 4242 4242 4242 declined", want: "card [REDACTED] declined"},
		"card number with dashes":     {in: "5555-5555-5555-4444", want: "[REDACTED]"},
		"digits failing Luhn kept":    {in: "4242424242424241", want: "4242424242424241"},
		"too short for a card":        {in: "424242424242", want: "424242424242"},
		"longer than a card":          {in: "42424242424242424242", want: "42424242424242424242"},
		"amounts and dates kept":      {in: "total 5989 at 2026-04-17T12:00:00Z", want: "total 5989 at 2026-04-17T12:00:00Z"},
		"everything at once":          {in: "Bearer t0k ada@example.com spt_abcdefgh", want: "Bearer [REDACTED] [REDACTED] [REDACTED]"},
		"bearer token that is an spt": {in: "Bearer spt_abcdefgh", want: "Bearer [REDACTED]"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSensitiveKey(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		// The listed keys, in any case.
		"authorization": true, "Authorization": true, "token": true, "TOKEN": true,
		"secret": true, "signature": true, "Signature": true, "password": true,
		"email": true, "Email": true, "phone": true, "phone_number": true,
		"address": true, "line_one": true, "line_two": true, "postal_code": true,
		"card": true, "cvc": true, "pan": true, "PAN": true, "credential": true,
		// Keys ending with one, in any style.
		"billing_address": true, "buyer.email": true, "X-Api-Token": true,
		"postalCode": true, "phoneNumber": true, "lineOne": true,
		"Proxy-Authorization": true, "signing secret": true, "bearer_token": true,
		"customer_phone_number": true, "payment.card": true, "api_key": true,
		"Cookie": true, "private_key": true, "cvv": true,
		// Keys that are not sensitive.
		"route": false, "status": false, "session_id": false, "agent": false,
		"duration": false, "method": false, "request_id": false, "api_version": false,
		"token_env": false, "card_brand": false, "tokens": false, "span": false,
		"company": false, "idempotency_key": false, "email_verified": false,
		"msg": false, "level": false, "time": false, "": false, "___": false,
		"addresses_count": false, "listen": false,
	}
	for key, want := range tests {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			if got := SensitiveKey(key); got != want {
				t.Errorf("SensitiveKey(%q) = %v, want %v", key, got, want)
			}
		})
	}
}

// logLines logs with a fresh logger at info level and returns each line
// decoded, failing unless every line is a JSON object.
func logLines(t *testing.T, log func(*slog.Logger)) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	log(New(&buf, slog.LevelInfo))
	var out []map[string]any
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) && buf.Len() > 0 {
		t.Errorf("output does not end with a newline: %q", buf.String())
	}
	return out
}

// secretLogValue logs as a group holding an email.
type secretLogValue struct{}

// LogValue returns a group with a sensitive member.
func (secretLogValue) LogValue() slog.Value {
	return slog.GroupValue(slog.String("email", "ada@example.com"), slog.String("city", "Paris"))
}

// buyer is a struct logged with slog.Any.
type buyer struct {
	Name    string            `json:"name"`
	Email   string            `json:"email"`
	Note    string            `json:"note"`
	Tags    []string          `json:"tags"`
	Address map[string]string `json:"address"`
}

// TestLogger checks the redacted output of each kind of attribute, and
// that non-sensitive attributes are untouched. Each case logs one line
// and looks up a JSON path in it.
func TestLogger(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		log  func(*slog.Logger)
		path []string
		want any
	}{
		"sensitive string key": {
			log:  func(l *slog.Logger) { l.Info("m", "authorization", "Bearer abc") },
			path: []string{"authorization"}, want: Redacted,
		},
		"sensitive key, mixed case": {
			log:  func(l *slog.Logger) { l.Info("m", "Email", "nobody") },
			path: []string{"Email"}, want: Redacted,
		},
		"sensitive key with a number": {
			log:  func(l *slog.Logger) { l.Info("m", slog.Int("card", 4242)) },
			path: []string{"card"}, want: Redacted,
		},
		"sensitive key with a struct": {
			log:  func(l *slog.Logger) { l.Info("m", slog.Any("address", buyer{Name: "x"})) },
			path: []string{"address"}, want: Redacted,
		},
		"bearer in a string value": {
			log:  func(l *slog.Logger) { l.Info("m", "header", "Bearer demo-agent-local-token") },
			path: []string{"header"}, want: "Bearer [REDACTED]",
		},
		"email in the message": {
			log:  func(l *slog.Logger) { l.Info("sent receipt to ada@example.com") },
			path: []string{"msg"}, want: "sent receipt to [REDACTED]",
		},
		"payment token in an error": {
			log: func(l *slog.Logger) {
				l.Error("m", "err", fmt.Errorf("charge spt_test_decline: %w", errors.New("declined")))
			},
			path: []string{"err"}, want: "charge [REDACTED]: declined",
		},
		"member of a group": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Group("buyer", "email", "ada@example.com", "first_name", "Ada"))
			},
			path: []string{"buyer", "email"}, want: Redacted,
		},
		"other member of a group untouched": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Group("buyer", "email", "ada@example.com", "first_name", "Ada"))
			},
			path: []string{"buyer", "first_name"}, want: "Ada",
		},
		"every member of a sensitive group": {
			log:  func(l *slog.Logger) { l.Info("m", slog.Group("address", "city", "San Francisco", "country", "US")) },
			path: []string{"address", "city"}, want: Redacted,
		},
		"nested groups": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Group("fulfillment", slog.Group("details", "phone_number", "+1 510 555 0100", "note", "ring ada@example.com")))
			},
			path: []string{"fulfillment", "details", "phone_number"}, want: Redacted,
		},
		"string rule in nested groups": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Group("fulfillment", slog.Group("details", "phone_number", "+1 510 555 0100", "note", "ring ada@example.com")))
			},
			path: []string{"fulfillment", "details", "note"}, want: "ring [REDACTED]",
		},
		"WithGroup": {
			log:  func(l *slog.Logger) { l.WithGroup("request").Info("m", "postal_code", "94105") },
			path: []string{"request", "postal_code"}, want: Redacted,
		},
		"WithGroup of a sensitive name": {
			log:  func(l *slog.Logger) { l.WithGroup("credential").Info("m", "type", "spt") },
			path: []string{"credential", "type"}, want: Redacted,
		},
		"With attributes": {
			log:  func(l *slog.Logger) { l.With("token", "abc", "agent", "demo-agent").Info("m") },
			path: []string{"token"}, want: Redacted,
		},
		"LogValuer resolving to a group": {
			log:  func(l *slog.Logger) { l.Info("m", "buyer", secretLogValue{}) },
			path: []string{"buyer", "email"}, want: Redacted,
		},
		"LogValuer member untouched": {
			log:  func(l *slog.Logger) { l.Info("m", "buyer", secretLogValue{}) },
			path: []string{"buyer", "city"}, want: "Paris",
		},
		"struct field by key": {
			log:  func(l *slog.Logger) { l.Info("m", slog.Any("buyer", buyer{Name: "Ada", Email: "x"})) },
			path: []string{"buyer", "email"}, want: Redacted,
		},
		"struct field by content": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Any("buyer", buyer{Note: "use pm_card_visa", Tags: []string{"Bearer q"}}))
			},
			path: []string{"buyer", "note"}, want: "use [REDACTED]",
		},
		"list in a struct": {
			log:  func(l *slog.Logger) { l.Info("m", slog.Any("buyer", buyer{Tags: []string{"vip", "Bearer q"}})) },
			path: []string{"buyer", "tags"}, want: []any{"vip", "Bearer [REDACTED]"},
		},
		"map in a struct by key": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Any("buyer", buyer{Address: map[string]string{"line_one": "1 Market St"}}))
			},
			path: []string{"buyer", "address"}, want: Redacted,
		},
		"map value": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Any("headers", map[string]any{"Authorization": "Bearer x", "Accept": "application/json"}))
			},
			path: []string{"headers"}, want: map[string]any{"Authorization": Redacted, "Accept": "application/json"},
		},
		"raw JSON body": {
			log: func(l *slog.Logger) {
				l.Info("m", slog.Any("body", json.RawMessage(`{"buyer":{"email":"a@b.io"},"quantity":2}`)))
			},
			path: []string{"body"}, want: map[string]any{"buyer": map[string]any{"email": Redacted}, "quantity": 2.0},
		},
		"route untouched": {
			log:  func(l *slog.Logger) { l.Info("m", "route", "/checkout_sessions/:id/complete") },
			path: []string{"route"}, want: "/checkout_sessions/:id/complete",
		},
		"status untouched": {
			log:  func(l *slog.Logger) { l.Info("m", "status", 201) },
			path: []string{"status"}, want: 201.0,
		},
		"session id untouched": {
			log:  func(l *slog.Logger) { l.Info("m", "session_id", "cs_abc123xyz") },
			path: []string{"session_id"}, want: "cs_abc123xyz",
		},
		"agent untouched": {
			log:  func(l *slog.Logger) { l.Info("m", "agent", "demo-agent") },
			path: []string{"agent"}, want: "demo-agent",
		},
		"duration as people write it": {
			log:  func(l *slog.Logger) { l.Info("m", "duration", 1500*time.Millisecond) },
			path: []string{"duration"}, want: "1.5s",
		},
		"boolean untouched": {
			log:  func(l *slog.Logger) { l.Info("m", "replayed", true) },
			path: []string{"replayed"}, want: true,
		},
		"level untouched": {
			log:  func(l *slog.Logger) { l.Warn("m") },
			path: []string{"level"}, want: "WARN",
		},
		"message untouched": {
			log:  func(l *slog.Logger) { l.Info("request") },
			path: []string{"msg"}, want: "request",
		},
		"nil error": {
			log:  func(l *slog.Logger) { l.Info("m", "err", error(nil)) },
			path: []string{"err"}, want: nil,
		},
		"unmarshalable value": {
			log:  func(l *slog.Logger) { l.Info("m", slog.Any("fn", func() {})) },
			path: []string{"fn"}, want: "", // only checked to be a string
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lines := logLines(t, tc.log)
			if len(lines) != 1 {
				t.Fatalf("%d lines logged, want 1", len(lines))
			}
			var got any = lines[0]
			for _, k := range tc.path {
				m, ok := got.(map[string]any)
				if !ok {
					t.Fatalf("at %q: %v is not an object; line: %v", k, got, lines[0])
				}
				if got, ok = m[k]; !ok {
					t.Fatalf("no %q in %v", k, m)
				}
			}
			if name == "unmarshalable value" {
				if _, ok := got.(string); !ok {
					t.Errorf("got %v (%T), want a string", got, got)
				}
				return
			}
			if !equalJSON(got, tc.want) {
				t.Errorf("%s = %#v, want %#v", strings.Join(tc.path, "."), got, tc.want)
			}
		})
	}
}

// equalJSON compares decoded JSON values.
func equalJSON(a, b any) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// TestLoggerJSONLines checks that a burst of records is one JSON object per
// line, with the level filtered, and that no secret reaches the output.
func TestLoggerJSONLines(t *testing.T) {
	t.Parallel()
	secrets := []string{"demo-agent-local-token", "ada@example.com", "spt_test_ok", "1 Market St", "94105", "4242424242424242"}
	var buf bytes.Buffer
	l := New(&buf, slog.LevelInfo).With("agent", "demo-agent")
	l.Debug("hidden", "x", 1)
	for i := range 50 {
		l.Info("request",
			"method", "POST", "route", "/checkout_sessions", "status", 200+i,
			"authorization", "Bearer demo-agent-local-token",
			"note", "with \"quotes\", a newline\nand spt_test_ok and 4242424242424242",
			slog.Group("fulfillment_details", "email", "ada@example.com",
				slog.Group("address", "line_one", "1 Market St", "postal_code", "94105")),
		)
	}
	out := buf.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("output contains %q", s)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines, want 50 (debug filtered out)", len(lines))
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		if m["agent"] != "demo-agent" || m["status"] != float64(200+i) || m["msg"] != "request" {
			t.Errorf("line %d = %v, want agent, status and msg untouched", i, m)
		}
	}
}

// TestReplaceAttrStandalone checks ReplaceAttr used directly, as another
// handler would: group values are redacted member by member.
func TestReplaceAttrStandalone(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		groups []string
		attr   slog.Attr
		want   string
	}{
		"group value": {
			attr: slog.Group("buyer", "email", "x", "name", "Ada", slog.Group("shipping_address", "city", "Paris")),
			want: "buyer=[email=[REDACTED] name=Ada shipping_address=[REDACTED]]",
		},
		"inside a sensitive group": {groups: []string{"request", "Address"}, attr: slog.String("city", "Paris"), want: "city=[REDACTED]"},
		"inside a plain group":     {groups: []string{"request"}, attr: slog.String("city", "Paris"), want: "city=Paris"},
		"string":                   {attr: slog.String("note", "Bearer abc"), want: "note=Bearer [REDACTED]"},
		"LogValuer":                {attr: slog.Any("buyer", secretLogValue{}), want: "buyer=[email=[REDACTED] city=Paris]"},
		"int":                      {attr: slog.Int("quantity", 2), want: "quantity=2"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ReplaceAttr(tc.groups, tc.attr).String(); got != tc.want {
				t.Errorf("ReplaceAttr(%v, %v) = %s, want %s", tc.groups, tc.attr, got, tc.want)
			}
		})
	}
}

// FuzzRedact checks that Redact never panics, is idempotent, and leaves
// no email address or long payment token behind.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"Bearer x", "ada@example.com", "spt_test_ok", "4242 4242 4242 4242", "cs_abc123xyz", "@@..", "bearer bearer a@b.cc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Redact(s)
		if twice := Redact(once); twice != once {
			t.Fatalf("Redact is not idempotent: %q -> %q -> %q", s, once, twice)
		}
		if emailPattern.MatchString(once) || paymentTokenPattern.MatchString(once) {
			t.Fatalf("Redact(%q) = %q still contains an email or a payment token", s, once)
		}
	})
}

// referenceSensitiveKey is SensitiveKey as it was first written, splitting
// the whole key into word strings: SensitiveKey, which looks at the last
// two words in place, must agree with it on every key.
func referenceSensitiveKey(key string) bool {
	var words []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	afterLowerOrDigit := false
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'A' <= c && c <= 'Z':
			if afterLowerOrDigit {
				flush()
			}
			cur = append(cur, c+('a'-'A'))
			afterLowerOrDigit = false
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			cur = append(cur, c)
			afterLowerOrDigit = true
		default:
			flush()
			afterLowerOrDigit = false
		}
	}
	flush()
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	return sensitiveWords[last] || len(words) >= 2 && sensitiveWords[words[len(words)-2]+"_"+last]
}

// referenceRedact is Redact with the payment token rule's first
// precondition, any underscore: Redact, which searches only strings
// holding one of the tokens' prefixes, must agree with it.
func referenceRedact(s string) string {
	if strings.Contains(s, "_") {
		s = paymentTokenPattern.ReplaceAllString(s, Redacted)
	}
	return s
}

// TestSensitiveKeyAsReference checks SensitiveKey against the reference
// on thousands of random keys made of words, separators and case changes.
func TestSensitiveKeyAsReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"api", "Key", "KEY", "private", "phone", "Number", "NUMBER", "line", "One", "two", "postal", "Code",
		"email", "Token", "x", "X", "9", "card", "brand", "_", "-", ".", " ", "__", "é", "authorizationauthorization", "a1B2"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		key := b.String()
		if got, want := SensitiveKey(key), referenceSensitiveKey(key); got != want {
			t.Fatalf("SensitiveKey(%q) = %v, the reference says %v", key, got, want)
		}
	}
}

// TestRedactTokensAsReference checks the payment token rule's
// precondition against the reference on random strings of token-like
// pieces.
func TestRedactTokensAsReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	parts := []string{"spt", "vt", "tok", "pm", "pi", "sk", "rk", "_", "abcdef", "123456", "cs", "/checkout", "sessions", " ", "x", "S", "__"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		got := s
		if hasTokenPrefix(s) {
			got = paymentTokenPattern.ReplaceAllString(s, Redacted)
		}
		if want := referenceRedact(s); got != want {
			t.Fatalf("the token rule on %q gives %q, the reference %q", s, got, want)
		}
	}
}

// FuzzSensitiveKey: SensitiveKey and the payment token rule agree with
// their references on any input.
func FuzzSensitiveKey(f *testing.F) {
	for _, s := range []string{"", "postalCode", "X-Api-Token", "customer_phone_number", "spt_abcdefgh", "cs_123", "a__pi_123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := SensitiveKey(s), referenceSensitiveKey(s); got != want {
			t.Fatalf("SensitiveKey(%q) = %v, the reference says %v", s, got, want)
		}
		got := s
		if hasTokenPrefix(s) {
			got = paymentTokenPattern.ReplaceAllString(s, Redacted)
		}
		if want := referenceRedact(s); got != want {
			t.Fatalf("the token rule on %q gives %q, the reference %q", s, got, want)
		}
	})
}

// BenchmarkRequestLine measures the redaction of a request's log line, as
// the checkout API writes one for every request at info level.
func BenchmarkRequestLine(b *testing.B) {
	logger := New(io.Discard, slog.LevelInfo)
	b.ReportAllocs()
	for b.Loop() {
		logger.Info("request", "method", "POST", "route", "/checkout_sessions", "status", 201, "duration_ms", 2.5,
			"agent", "demo-agent", "api_version", "2026-04-17", "session_id", "cs_n4bq3kd7yfxwqz6mgvn5r2l2ay")
	}
}
