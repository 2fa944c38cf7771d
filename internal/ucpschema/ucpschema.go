package ucpschema

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acp-sidecar/acp/internal/specdir"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Release is the UCP release whose files the checks read, and the value
// DocExamples puts for the docs' {{ ucp_version }}.
const Release = "2026-04-08"

// fetchHint tells a reader how to get the spec files.
const fetchHint = "run scripts/fetch-specs.sh (it fills ../shared beside the repository) or set UCP_SPEC_DIR to a ucp-spec folder"

// spec is where the tests look for the UCP spec files: UCP_SPEC_DIR, or
// ../shared/ucp-spec beside a module root, holding the release's checkout
// schema.
var spec = &specdir.Spec{Name: "UCP", Env: "UCP_SPEC_DIR", Folder: "ucp-spec", Probe: Release + "/source/schemas/shopping/checkout.json", Hint: fetchHint}

// notMade counts the schema checks not made in this test binary because
// the spec files are absent.
var notMade atomic.Int64

// Present reports whether the spec files are there, counting one check not
// made when they are not (or failing the test under CI=true). Tests whose
// whole subject is the spec's own content return early when it is false.
func Present(t testing.TB) bool {
	t.Helper()
	_, ok := releaseDir(t)
	return ok
}

// NotMade returns how many UCP schema checks this test binary did not make
// for want of the spec files.
func NotMade() int64 { return notMade.Load() }

// releaseDir returns the release's folder, or false after counting one
// check not made.
func releaseDir(t testing.TB) (string, bool) {
	t.Helper()
	dir, ok := spec.Dir(t)
	if !ok {
		notMade.Add(1)
		return "", false
	}
	return filepath.Join(dir, Release), true
}

// base is the URL the spec's files are known by: a file at source/<rel>
// is base+<rel>, which is the $id of every schema under source/schemas.
const base = "https://ucp.dev/"

// schemaURL is the URL of a schema named relative to source/schemas,
// optionally with a fragment ("shopping/checkout.json#/$defs/x").
func schemaURL(name string) string { return base + "schemas/" + name }

// view is one reading of the annotated schemas: the response one, or the
// request one of an operation.
type view struct {
	request bool
	op      string // the operation of a request view
}

func (v view) String() string {
	if v.request {
		return v.op + " request"
	}
	return "response"
}

// compiled holds a compiler per view over the release folder, and what it
// compiled.
type compiled struct {
	mu      sync.Mutex
	c       *jsonschema.Compiler
	schemas map[string]*jsonschema.Schema
}

var views sync.Map // view → *compiled

// schema returns the schema at url (a spec file's URL with an optional
// fragment) read through view v, compiled once per test binary.
func schema(dir string, v view, url string) (*jsonschema.Schema, error) {
	entry, _ := views.LoadOrStore(v, &compiled{})
	cv := entry.(*compiled)
	cv.mu.Lock()
	defer cv.mu.Unlock()
	if s, ok := cv.schemas[url]; ok {
		return s, nil
	}
	if cv.c == nil {
		cv.c = jsonschema.NewCompiler()
		cv.c.AssertFormat()
		l := &loader{dir: filepath.Join(dir, "source"), view: v}
		cv.c.UseLoader(jsonschema.SchemeURLLoader{"https": l, "http": l, "file": l})
		cv.schemas = map[string]*jsonschema.Schema{}
	}
	s, err := cv.c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile %s (%s view): %w", url, v, err)
	}
	cv.schemas[url] = s
	return s, nil
}

// loader reads the spec's files for the URLs they are known by, through
// one view, and refuses every other URL: nothing is fetched.
type loader struct {
	dir  string // the release's source folder
	view view
}

// Load implements jsonschema.URLLoader.
func (l *loader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, base)
	if !ok || rel == "" || strings.Contains(rel, "..") {
		return nil, fmt.Errorf("%s is not a file of the UCP spec: not fetched", url)
	}
	path := filepath.Join(l.dir, filepath.FromSlash(rel))
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if root, ok := doc.(map[string]any); ok {
		// An $id naming another place would move the base its relative
		// $refs resolve against (profile_schema.json: see doc.go).
		if id, ok := root["$id"].(string); ok && id != url {
			delete(root, "$id")
		}
	}
	if err := annotate(doc, l.view); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

// check validates body against the schema at url read through view v:
// nil when it holds, and nil after counting a check not made when the
// spec files are absent.
func check(t testing.TB, v view, url string, body []byte) error {
	t.Helper()
	dir, ok := releaseDir(t)
	if !ok {
		return nil
	}
	s, err := schema(dir, v, url)
	if err != nil {
		t.Fatalf("UCP schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		// annotate turns an omitted property's schema into false.
		return errors.New(strings.ReplaceAll(err.Error(), "false schema", "false schema (a property the "+v.String()+" does not carry)"))
	}
	return nil
}

// Response reports a test error when body is not a valid response body
// of the schema name, a file relative to source/schemas with an optional
// JSON pointer fragment ("shopping/checkout.json",
// "shopping/types/error_response.json",
// "shopping/catalog_search.json#/$defs/search_response"). The schemas are
// read for responses: a property annotated "ucp_response": "omit" must be
// absent.
func Response(t testing.TB, name string, body []byte) {
	t.Helper()
	if err := check(t, view{}, schemaURL(name), body); err != nil {
		t.Errorf("body is not a valid UCP %s response %s: %v\nbody: %s", Release, name, err, body)
	}
}

// Request reports a test error when body is not a valid request body of
// operation op ("create", "update", "complete") for the schema name
// (named as for Response). The schemas are read for that operation's
// requests (see annotate): an "omit" property must be absent, a
// "required" one present.
func Request(t testing.TB, name, op string, body []byte) {
	t.Helper()
	if op == "" {
		t.Fatalf("ucpschema.Request(%s): no operation", name)
	}
	if err := check(t, view{request: true, op: op}, schemaURL(name), body); err != nil {
		t.Errorf("body is not a valid UCP %s %s request %s: %v\nbody: %s", Release, op, name, err, body)
	}
}
