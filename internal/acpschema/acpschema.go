package acpschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acp-sidecar/acp/internal/specdir"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFile is the checkout schema bundle inside a version's folder.
const schemaFile = "json-schema/schema.agentic_checkout.json"

// fetchHint tells a reader how to get the spec files.
const fetchHint = "run scripts/fetch-specs.sh (it fills ../shared beside the repository) or set ACP_SPEC_DIR to an acp-spec folder"

// notMade counts the schema checks not made in this test binary because
// the spec files are absent.
var notMade atomic.Int64

// spec is where the tests look for the ACP spec files: ACP_SPEC_DIR, or
// ../shared/acp-spec beside a module root, holding the newest release's
// checkout schema.
var spec = &specdir.Spec{Name: "ACP", Env: "ACP_SPEC_DIR", Folder: "acp-spec", Probe: newestRelease + "/" + schemaFile, Hint: fetchHint}

// specDir returns the acp-spec folder. When it is absent it returns false
// (the caller counts the checks it does not make), or fails the test under
// CI=true, where every schema check must run.
func specDir(t testing.TB) (string, bool) {
	t.Helper()
	return spec.Dir(t)
}

// Present reports whether the spec files are there, counting one check not
// made when they are not. Tests whose whole subject is the spec's own
// content (its examples, its schemas) return early when it is false.
func Present(t testing.TB) bool {
	t.Helper()
	_, ok := specDir(t)
	if !ok {
		notMade.Add(1)
	}
	return ok
}

// NotMade returns how many schema checks this test binary did not make
// for want of the spec files.
func NotMade() int64 { return notMade.Load() }

// newestRelease is the newest ACP release the spec folder must hold.
const newestRelease = "2026-04-17"

// Validator validates bodies against the $defs of one version's schema
// bundle (the checkout's, or the product feed's). Its checks are counted
// no-ops when the spec files are absent (c is nil).
type Validator struct {
	version string
	notMade *atomic.Int64 // where a check not made is counted
	url     string
	mu      sync.Mutex
	c       *jsonschema.Compiler
	defs    map[string]*jsonschema.Schema
}

// feedSchemaFile is the product feed schema bundle inside a version's
// folder (the Feed API's bodies, and the lines of a feed file).
const feedSchemaFile = "json-schema/schema.feed.json"

var validators, feedValidators perVersion[*Validator]

// For returns the validator of version's checkout schema: a no-op one
// when the spec files are absent, and a failed test when the version has
// no schema.
func For(t testing.TB, version string) *Validator {
	t.Helper()
	return bundle(t, version, schemaFile, &validators)
}

// Feed returns the validator of version's product feed schema, whose
// $defs are the Feed API's bodies (CreateFeedRequest, FeedMetadata,
// UpsertProductsRequest, ProductsResponse, Error, and from the unreleased
// spec on UpsertProductsResponse) and their parts (Product): a no-op one
// when the spec files are absent, and a failed test when the version has
// no feed schema.
func Feed(t testing.TB, version string) *Validator {
	t.Helper()
	return bundle(t, version, feedSchemaFile, &feedValidators)
}

// bundle returns the validator of the schema bundle file of version,
// compiled once per version into cache.
func bundle(t testing.TB, version, file string, cache *perVersion[*Validator]) *Validator {
	t.Helper()
	dir, ok := specDir(t)
	if !ok {
		return &Validator{version: version, notMade: &notMade}
	}
	v, err := cache.get(version, func() (*Validator, error) {
		path := filepath.Join(dir, version, file)
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open schema: %w", err)
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		fixDraft04(doc)
		c := newCompiler()
		url := "file:///acp-spec/" + version + "/" + file
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", path, err)
		}
		return &Validator{version: version, url: url, c: c, defs: map[string]*jsonschema.Schema{}}, nil
	})
	if err != nil {
		t.Fatalf("schema %s of version %s: %v", file, version, err)
	}
	return v
}

// perVersion builds a value once per API version and keeps it.
type perVersion[T any] struct {
	mu   sync.Mutex
	byID map[string]T
}

func (p *perVersion[T]) get(version string, build func() (T, error)) (T, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.byID[version]; ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	if p.byID == nil {
		p.byID = map[string]T{}
	}
	p.byID[version] = v
	return v, nil
}

// newCompiler returns a draft 2020-12 compiler that asserts formats.
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	return c
}

// validate checks a JSON body against a compiled schema.
func validate(sch *jsonschema.Schema, body []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return sch.Validate(inst)
}

// Def validates body against the named definition under $defs.
func (v *Validator) Def(t testing.TB, def string, body []byte) {
	t.Helper()
	if err := v.Check(def, body); err != nil {
		t.Errorf("body is not a valid %s %s: %v\nbody: %s", v.version, def, err, body)
	}
}

// Check returns the validation error of body against $defs/def. Without
// the spec files it counts a check not made and returns nil.
func (v *Validator) Check(def string, body []byte) error {
	if v.c == nil {
		v.notMade.Add(1)
		return nil
	}
	sch, err := v.schema(def)
	if err != nil {
		return err
	}
	return validate(sch, body)
}

func (v *Validator) schema(def string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.defs[def]; ok {
		return s, nil
	}
	s, err := v.c.Compile(v.url + "#/$defs/" + def)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", def, err)
	}
	v.defs[def] = s
	return s, nil
}

// Examples reads one of a version's example files (e.g.
// "examples.agentic_checkout.json") as a map from example name to JSON. It
// returns nil, counting a check not made, when the spec files are absent:
// a test replaying the examples then has nothing to replay.
func Examples(t testing.TB, version, file string) map[string]json.RawMessage {
	t.Helper()
	dir, ok := specDir(t)
	if !ok {
		notMade.Add(1)
		return nil
	}
	path := filepath.Join(dir, version, "examples", file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var examples map[string]json.RawMessage
	if err := json.Unmarshal(data, &examples); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return examples
}

// CheckoutSchema returns the raw checkout JSON Schema of version (its
// $defs hold the request and response definitions). Without the spec
// files it returns nil, counting a check not made (or fails under
// CI=true).
func CheckoutSchema(t testing.TB, version string) []byte {
	t.Helper()
	dir, ok := specDir(t)
	if !ok {
		notMade.Add(1)
		return nil
	}
	path := filepath.Join(dir, version, schemaFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return data
}
