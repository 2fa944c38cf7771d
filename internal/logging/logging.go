package logging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces a redacted value.
const Redacted = "[REDACTED]"

// New returns a logger writing JSON lines to w at level and above, with
// every attribute passed through ReplaceAttr.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: ReplaceAttr}))
}

// ReplaceAttr is the slog.HandlerOptions.ReplaceAttr that New installs,
// for building other handlers with the same redaction. groups are the
// names of the groups a is in; a member of a group whose name is
// sensitive is redacted as if its own key were. Group values are redacted
// member by member.
func ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if slices.ContainsFunc(groups, SensitiveKey) {
		return slog.String(a.Key, Redacted)
	}
	return redactAttr(a)
}

// redactAttr applies the key and content rules to a, recursively.
func redactAttr(a slog.Attr) slog.Attr {
	if SensitiveKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	a.Value = redactValue(a.Value.Resolve())
	return a
}

// redactValue applies the content rules to a resolved value.
func redactValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(Redact(v.String()))
	case slog.KindGroup:
		members := v.Group()
		out := make([]slog.Attr, len(members))
		for i, m := range members {
			out[i] = redactAttr(m)
		}
		return slog.GroupValue(out...)
	case slog.KindAny:
		return redactAny(v.Any())
	case slog.KindDuration:
		// As people write it ("1.5s"), not in nanoseconds.
		return slog.StringValue(v.Duration().String())
	}
	// Numbers, booleans and times carry no text.
	return v
}

// redactAny redacts a value of kind Any. An error becomes its redacted
// message, which is what the JSON handler would write for it. Anything
// else is converted to its JSON form, the form the JSON handler would
// write, and redacted by key and content; a value that cannot be
// marshaled is logged as its redacted fmt form.
func redactAny(v any) slog.Value {
	switch x := v.(type) {
	case slog.Level, *slog.Source:
		// The built-in level and source attributes carry no data.
		return slog.AnyValue(v)
	case error:
		return slog.StringValue(Redact(x.Error()))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return slog.StringValue(Redact(fmt.Sprintf("%+v", v)))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return slog.StringValue(Redact(string(b)))
	}
	return slog.AnyValue(redactJSON(generic))
}

// redactJSON redacts a decoded JSON value by key and content.
func redactJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if SensitiveKey(k) {
				x[k] = Redacted
			} else {
				x[k] = redactJSON(e)
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = redactJSON(e)
		}
		return x
	case string:
		return Redact(x)
	}
	return v
}

// sensitiveWords are the keys, and key endings, that name a secret or a
// personal field.
var sensitiveWords = map[string]bool{
	// Secrets.
	"authorization": true, "token": true, "secret": true, "signature": true,
	"password": true, "credential": true, "cookie": true, "api_key": true,
	"private_key": true,
	// Payment data.
	"card": true, "cvc": true, "cvv": true, "pan": true,
	// Personal data.
	"email": true, "phone": true, "phone_number": true, "address": true,
	"line_one": true, "line_two": true, "postal_code": true,
}

// SensitiveKey reports whether an attribute key names a secret or personal
// field, whose value is never logged. Keys are compared case-insensitively
// after splitting them into words at every character other than an ASCII
// letter or digit ('_', '-', '.', spaces) and at camelCase boundaries. A
// key is sensitive when it is, or ends with, one of: authorization, token,
// secret, signature, password, credential, cookie, api_key, private_key,
// card, cvc, cvv, pan, email, phone, phone_number, address, line_one,
// line_two, postal_code. So "Authorization", "billing_address",
// "buyer.email", "X-Api-Token" and "postalCode" are sensitive; "token_env",
// "card_brand", "session_id" and "route" are not.
func SensitiveKey(key string) bool {
	// It runs for every attribute of every log line, so it looks at the
	// key's last two words in place, without making them strings.
	prev, last, ok := lastWords(key)
	if !ok {
		return false
	}
	var buf [maxSensitiveWord]byte
	if w, ok := lowerWords(buf[:0], key, last); ok && sensitiveWords[string(w)] {
		return true
	}
	if prev[1] == 0 {
		return false
	}
	w, ok := lowerWords(buf[:0], key, prev)
	if !ok {
		return false
	}
	w, ok = lowerWords(append(w, '_'), key, last)
	return ok && sensitiveWords[string(w)]
}

// maxSensitiveWord bounds the sensitive words and pairs of words: none is
// longer.
const maxSensitiveWord = 16

// lastWords returns where the last two words of key are (start and end;
// a zero end when there is only one), and false when key has none. Words
// are split at every byte that is not an ASCII letter or digit, and
// before an upper-case letter that follows a lower-case letter or a
// digit.
func lastWords(key string) (prev, last [2]int, ok bool) {
	start := -1
	end := func(i int) {
		if start >= 0 {
			prev, last, ok = last, [2]int{start, i}, true
			start = -1
		}
	}
	afterLowerOrDigit := false
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'A' <= c && c <= 'Z':
			if afterLowerOrDigit {
				end(i)
			}
			if start < 0 {
				start = i
			}
			afterLowerOrDigit = false
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			if start < 0 {
				start = i
			}
			afterLowerOrDigit = true
		default:
			end(i)
			afterLowerOrDigit = false
		}
	}
	end(len(key))
	return prev, last, ok
}

// lowerWords appends the word of key at span, in lower case, to dst, and
// reports false when that makes dst longer than any sensitive word.
func lowerWords(dst []byte, key string, span [2]int) ([]byte, bool) {
	if len(dst)+span[1]-span[0] > maxSensitiveWord {
		return dst, false
	}
	for _, c := range []byte(key[span[0]:span[1]]) {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}

var (
	// bearerPattern matches an RFC 6750 bearer credential.
	bearerPattern = regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*`)
	// emailPattern matches an email address.
	emailPattern = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`)
	// paymentTokenPattern matches payment and API tokens: shared payment
	// tokens (spt_), vault tokens (vt_), card tokens (tok_), payment
	// methods (pm_), payment intents (pi_), secret and restricted keys
	// (sk_, rk_).
	paymentTokenPattern = regexp.MustCompile(`\b(spt|vt|tok|pm|pi|sk|rk)_[A-Za-z0-9_]{6,}\b`)
	// cardNumberPattern matches 13 to 19 digits, optionally grouped by
	// single spaces or dashes, that could be a card number; Redact keeps
	// those that fail the Luhn check.
	cardNumberPattern = regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`)
)

// Redact returns s with credentials and personal data replaced:
//
//   - bearer tokens: "Bearer abc.def" becomes "Bearer [REDACTED]";
//   - email addresses become "[REDACTED]";
//   - payment tokens matching \b(spt|vt|tok|pm|pi|sk|rk)_[A-Za-z0-9_]{6,}\b
//     become "[REDACTED]";
//   - card numbers (13 to 19 digits, optionally grouped by spaces or
//     dashes, passing the Luhn check) become "[REDACTED]".
//
// Ids such as "cs_abc123xyz" and other text are left alone.
func Redact(s string) string {
	if s == "" {
		return s
	}
	// Each rule runs only when its cheap precondition holds: most logged
	// strings (routes, ids, versions) match none, and this runs for every
	// string attribute of every log line.
	if strings.Contains(strings.ToLower(s), "bearer") {
		s = bearerPattern.ReplaceAllString(s, "${1}"+Redacted)
	}
	if strings.Contains(s, "@") {
		s = emailPattern.ReplaceAllString(s, Redacted)
	}
	if hasTokenPrefix(s) {
		s = paymentTokenPattern.ReplaceAllString(s, Redacted)
	}
	if countDigits(s) < 13 {
		return s
	}
	return cardNumberPattern.ReplaceAllStringFunc(s, func(m string) string {
		if luhn(m) {
			return Redacted
		}
		return m
	})
}

// tokenPrefixes are the prefixes paymentTokenPattern matches, each
// before its underscore.
var tokenPrefixes = [...]string{"spt", "vt", "tok", "pm", "pi", "sk", "rk"}

// hasTokenPrefix reports whether s holds one of tokenPrefixes followed by
// an underscore, which every match of paymentTokenPattern does: ids such
// as "cs_abc" and routes such as "/checkout_sessions" are not searched.
func hasTokenPrefix(s string) bool {
	for i := strings.IndexByte(s, '_'); i >= 0; {
		for _, p := range tokenPrefixes {
			if strings.HasSuffix(s[:i], p) {
				return true
			}
		}
		next := strings.IndexByte(s[i+1:], '_')
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// luhn reports whether the digits of s pass the Luhn checksum. Non-digits
// are skipped.
func luhn(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
