package jsonpath

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestAtOffset(t *testing.T) {
	t.Parallel()
	type item struct {
		ID       string `json:"id"`
		Quantity int64  `json:"quantity"`
	}
	type body struct {
		LineItems []item            `json:"line_items"`
		Currency  string            `json:"currency"`
		Meta      map[string]string `json:"meta"`
		Nested    struct {
			Deep []struct {
				N int `json:"n"`
			} `json:"deep"`
		} `json:"nested"`
	}
	testCases := map[string]struct {
		doc  string
		want string
	}{
		"second element field":   {`{"line_items":[{"id":"a","quantity":1},{"id":"b","quantity":"x"}]}`, "$.line_items[1].quantity"},
		"decimal quantity":       {`{"line_items":[{"id":"a","quantity":1.5}]}`, "$.line_items[0].quantity"},
		"top-level scalar":       {`{"currency":5}`, "$.currency"},
		"object for string":      {`{"line_items":[],"currency":{"a":1}}`, "$.currency"},
		"array for object":       {`{"line_items":[{"id":"a"},[1]]}`, "$.line_items[1]"},
		"map value odd key":      {`{"meta":{"a b":1}}`, "$.meta['a b']"},
		"nested after siblings":  {`{"currency":"usd","nested":{"deep":[{"n":1},{"n":2},{"n":true}]}}`, "$.nested.deep[2].n"},
		"string for array":       {`{"line_items":"nope"}`, "$.line_items"},
		"after nested container": {`{"meta":{"x":"y"},"line_items":[{"id":"a","quantity":{}}]}`, "$.line_items[0].quantity"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b body
			err := json.Unmarshal([]byte(tc.doc), &b)
			var typeErr *json.UnmarshalTypeError
			if !errors.As(err, &typeErr) {
				t.Fatalf("Unmarshal() error = %v, want a type error", err)
			}
			if got := AtOffset([]byte(tc.doc), typeErr.Offset); got != tc.want {
				t.Errorf("AtOffset() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMember(t *testing.T) {
	t.Parallel()
	testCases := map[string]string{
		"plain":  ".plain",
		"a_b1":   ".a_b1",
		"1abc":   "['1abc']",
		"a b":    "['a b']",
		"it's":   `['it\'s']`,
		"":       "['']",
		`back\s`: `['back\\s']`,
		"a\nb":   `['a\u000ab']`,
	}
	for in, want := range testCases {
		if got := Member(in); got != want {
			t.Errorf("Member(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTypeNameAndDescribe(t *testing.T) {
	t.Parallel()
	for kind, want := range map[string][2]string{
		"int64":     {"integer", "an integer"},
		"uint8":     {"integer", "an integer"},
		"float64":   {"number", "a number"},
		"string":    {"string", "a string"},
		"bool":      {"boolean", "a boolean"},
		"slice":     {"array", "an array"},
		"array":     {"array", "an array"},
		"map":       {"object", "an object"},
		"struct":    {"object", "an object"},
		"ptr":       {"object", "an object"},
		"interface": {"", "of another type"},
	} {
		if got := TypeName(kind); got != want[0] {
			t.Errorf("TypeName(%q) = %q, want %q", kind, got, want[0])
		}
		if got := Describe(kind); got != want[1] {
			t.Errorf("Describe(%q) = %q, want %q", kind, got, want[1])
		}
	}
}
