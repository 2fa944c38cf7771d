package ucpschema

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Example is one fenced ```json block of a page of the spec's docs.
type Example struct {
	// Line is the line of the opening fence (1-based).
	Line int
	// Heading is the text of the heading the block sits under.
	Heading string
	// Tab is the label of the content tab (=== "Request") the block sits
	// in, if any: "Request", "Response", "Error Response", ….
	Tab string
	// Method and Path are those of an HTTP request preamble
	// ("POST /checkout-sessions HTTP/1.1"); Status is that of a response
	// preamble ("HTTP/1.1 201 Created"); Header holds the preamble's
	// header fields. They are zero without a preamble.
	Method, Path string
	Status       int
	Header       http.Header
	// Body is the block after the preamble, with {{ ucp_version }} put as
	// the release.
	Body []byte
	// JSON reports whether Body is JSON; it is false for blocks with
	// placeholders such as "..." or [...].
	JSON bool
}

var (
	fence        = regexp.MustCompile("^(\\s*)```(\\S*)\\s*$")
	heading      = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*$`)
	tab          = regexp.MustCompile(`^\s*===\s+"([^"]*)"`)
	requestLine  = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE)\s+(\S+)(\s+HTTP/\d(\.\d)?)?$`)
	statusLine   = regexp.MustCompile(`^HTTP/\d(\.\d)?\s+(\d{3})\b`)
	versionToken = regexp.MustCompile(`\{\{\s*ucp_version\s*\}\}`)
)

// DocExamples returns the ```json blocks of page, a file of the release's
// docs/specification ("checkout-rest.md"), in order. Without the spec
// files it returns nil, counting a check not made: a test reproducing the
// examples then has nothing to reproduce.
func DocExamples(t testing.TB, page string) []Example {
	t.Helper()
	dir, ok := releaseDir(t)
	if !ok {
		return nil
	}
	path := filepath.Join(dir, "docs", "specification", filepath.FromSlash(page))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return parseExamples(string(data))
}

// parseExamples returns the ```json blocks of a Markdown page.
func parseExamples(page string) []Example {
	var (
		out          []Example
		head, label  string
		inBlock      bool
		lang, indent string
		block        []string
		start        int
	)
	for i, line := range strings.Split(page, "\n") {
		if inBlock {
			if m := fence.FindStringSubmatch(line); m != nil && m[2] == "" {
				inBlock = false
				if lang == "json" {
					out = append(out, newExample(start, head, label, block))
				}
				continue
			}
			block = append(block, strings.TrimPrefix(line, indent))
			continue
		}
		if m := fence.FindStringSubmatch(line); m != nil {
			inBlock, lang, indent, block, start = true, m[2], m[1], nil, i+1
			continue
		}
		if m := heading.FindStringSubmatch(line); m != nil {
			head, label = m[1], ""
		} else if m := tab.FindStringSubmatch(line); m != nil {
			label = m[1]
		}
	}
	return out
}

// newExample splits a block into its HTTP preamble, if any, and body.
func newExample(line int, head, label string, lines []string) Example {
	ex := Example{Line: line, Heading: head, Tab: label}
	first := 0
	for first < len(lines) && strings.TrimSpace(lines[first]) == "" {
		first++
	}
	if first < len(lines) {
		preamble := strings.TrimSpace(lines[first])
		if m := requestLine.FindStringSubmatch(preamble); m != nil {
			ex.Method, ex.Path = m[1], m[2]
		} else if m := statusLine.FindStringSubmatch(preamble); m != nil {
			ex.Status, _ = strconv.Atoi(m[2])
		}
	}
	body := lines
	if ex.Method != "" || ex.Status != 0 {
		end := first + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "" {
			end++
		}
		r := textproto.NewReader(bufio.NewReader(strings.NewReader(strings.Join(lines[first+1:end], "\n") + "\n\n")))
		if h, err := r.ReadMIMEHeader(); err == nil || len(h) > 0 {
			ex.Header = http.Header(h)
		}
		body = lines[end:]
	}
	ex.Body = []byte(strings.TrimSpace(versionToken.ReplaceAllString(strings.Join(body, "\n"), Release)))
	ex.JSON = json.Valid(ex.Body)
	return ex
}
