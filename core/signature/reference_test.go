package signature_test

import (
	"os"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/internal/canonicaljson"
	"github.com/acp-sidecar/acp/core/signature"
)

// documentedLines returns the lines of the signing input as
// docs/configuration.md documents them: the first code block of its
// "Request signatures" section.
func documentedLines(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "### Request signatures\n")
	if !ok {
		t.Fatal("docs/configuration.md has no \"### Request signatures\" section")
	}
	_, block, ok := strings.Cut(section, "```\n")
	if !ok {
		t.Fatal("the Request signatures section has no code block")
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		t.Fatal("the Request signatures code block is not closed")
	}
	return strings.Split(strings.TrimSuffix(block, "\n"), "\n")
}

// TestReferenceMatchesSigningInput builds the signing input the way
// docs/configuration.md describes it, line by line, and compares it with
// SigningInput's for requests that exercise every line.
func TestReferenceMatchesSigningInput(t *testing.T) {
	// What each documented line stands for. A line the table does not
	// know fails the test: the reference and this table must agree.
	meaning := map[string]func(r signature.Request) string{
		"<Timestamp header value, verbatim>":                func(r signature.Request) string { return r.Timestamp },
		"<HTTP method, upper case>":                         func(r signature.Request) string { return strings.ToUpper(r.Method) },
		"<request path, without the query string>":          func(r signature.Request) string { p, _, _ := strings.Cut(r.Path, "?"); return p },
		"<API-Version header value>":                        func(r signature.Request) string { return r.APIVersion },
		"<Idempotency-Key header value, empty when absent>": func(r signature.Request) string { return r.IdempotencyKey },
		"<RFC 8785 (JCS) canonical form of the JSON body, empty for no body>": func(r signature.Request) string {
			out, err := canonicaljson.Transform(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		},
	}
	lines := documentedLines(t)
	for _, line := range lines {
		if meaning[line] == nil {
			t.Fatalf("docs/configuration.md documents the signed line %q, which this test does not know", line)
		}
	}
	requests := map[string]signature.Request{
		"create with key": {Method: "POST", Path: "/checkout_sessions", APIVersion: "2026-04-17", IdempotencyKey: "k-1",
			Timestamp: "2026-04-17T12:00:00Z", Body: []byte(`{"line_items":[{"id":"a"}], "currency":"usd"}`)},
		"keyless update": {Method: "post", Path: "/checkout_sessions/cs_1?x=1", APIVersion: "2026-01-30",
			Timestamp: "2026-04-17T12:00:00+02:00", Body: []byte(`{ "b":1.0,"a":[true,null] }`)},
		"get": {Method: "GET", Path: "/checkout_sessions/cs_1", APIVersion: "2026-04-17", Timestamp: "2026-04-17T12:00:00Z"},
	}
	for name, r := range requests {
		t.Run(name, func(t *testing.T) {
			documented := make([]string, len(lines))
			for i, line := range lines {
				documented[i] = meaning[line](r)
			}
			got, err := signature.SigningInput(r)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Join(documented, "\n"); string(got) != want {
				t.Errorf("SigningInput differs from docs/configuration.md:\ncode: %q\ndocs: %q", got, want)
			}
		})
	}
}
