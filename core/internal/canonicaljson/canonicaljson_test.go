package canonicaljson

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestFingerprintEquivalence(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		a, b  string
		equal bool
	}{
		"member order":        {`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, true},
		"number spelling":     {`{"q":1.0}`, `{"q":1}`, true},
		"exponent":            {`{"q":1e2}`, `{"q":100}`, true},
		"whitespace":          {"{ \"a\" : [ 1 , 2 ] }", `{"a":[1,2]}`, true},
		"unicode escapes":     {`{"s":"\u00e9"}`, `{"s":"é"}`, true},
		"empty bodies":        {``, "  \n", true},
		"array order":         {`{"a":[1,2]}`, `{"a":[2,1]}`, false},
		"null versus absent":  {`{"a":null}`, `{}`, false},
		"string versus num":   {`{"a":"1"}`, `{"a":1}`, false},
		"empty versus object": {``, `{}`, false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fa, err := Fingerprint([]byte(tc.a))
			if err != nil {
				t.Fatalf("Fingerprint(%q) error = %v", tc.a, err)
			}
			fb, err := Fingerprint([]byte(tc.b))
			if err != nil {
				t.Fatalf("Fingerprint(%q) error = %v", tc.b, err)
			}
			if (fa == fb) != tc.equal {
				t.Errorf("Fingerprint(%q) == Fingerprint(%q) is %v, want %v", tc.a, tc.b, fa == fb, tc.equal)
			}
		})
	}
}

func TestTransformRejectsInvalidJSON(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{`, `{"a":}`, `nope`, `{"a":1}{"b":2}`} {
		if _, err := Transform([]byte(body)); err == nil {
			t.Errorf("Transform(%q) succeeded, want an error", body)
		}
	}
}

// FuzzTransform checks that canonicalization never panics, is idempotent,
// and yields valid JSON that means the same as its input.
func FuzzTransform(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `{"a":1.50,"b":[true,null,"x"]}`, `{"z":{"y":{"x":[1e300,-0.0]}}}`, `"\ud800"`, `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := Transform(body)
		if err != nil || len(out) == 0 {
			return
		}
		again, err := Transform(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Transform is not idempotent: %q -> %q -> %q (%v)", body, out, again, err)
		}
		var in, canon any
		if json.Unmarshal(body, &in) == nil {
			if err := json.Unmarshal(out, &canon); err != nil {
				t.Fatalf("canonical form %q of %q is not JSON: %v", out, body, err)
			}
		}
	})
}
