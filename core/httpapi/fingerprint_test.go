package httpapi

import (
	"strings"
	"testing"
)

// FuzzFingerprint drives the idempotency middleware's body handling: any
// body, JSON or not, fingerprints without panicking, deterministically,
// scoped by version, and equal JSON documents share a fingerprint.
func FuzzFingerprint(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1.0}`, `not json`, `{"a":`, "\xff\xfe", `[1e400]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, b := fingerprint("2026-04-17", body), fingerprint("2026-04-17", body)
		if a != b || !strings.HasPrefix(a, "2026-04-17:") {
			t.Fatalf("fingerprint(%q) = %q then %q", body, a, b)
		}
		if fingerprint("2026-01-30", body) == a {
			t.Fatalf("fingerprint(%q) ignores the version", body)
		}
	})
}

func TestFingerprintEquivalence(t *testing.T) {
	t.Parallel()
	if fingerprint("v", []byte(`{"a":1,"b":[1,2]}`)) != fingerprint("v", []byte(`{ "b":[1,2], "a":1.0 }`)) {
		t.Error("equal JSON documents have different fingerprints")
	}
	if fingerprint("v", []byte(`{"a":null}`)) == fingerprint("v", []byte(`{}`)) {
		t.Error("null and absent share a fingerprint")
	}
}
