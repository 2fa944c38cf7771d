package acpschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFile is the checkout schema bundle inside a version's folder.
const schemaFile = "json-schema/schema.agentic_checkout.json"

// SpecDir returns the acp-spec folder, or skips the test when it is absent.
func SpecDir(t testing.TB) string {
	t.Helper()
	dir, err := findSpecDir()
	if err != nil {
		t.Skipf("ACP spec files not found (%v): put the official spec at ../shared/acp-spec beside the repository or set ACP_SPEC_DIR to run schema conformance checks", err)
	}
	return dir
}

func findSpecDir() (string, error) {
	if dir := os.Getenv("ACP_SPEC_DIR"); dir != "" {
		return dir, statDir(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "..", "shared", "acp-spec")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && statDir(candidate) == nil {
			return candidate, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no ../shared/acp-spec beside any module root above %s", wd)
		}
	}
}

func statDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// Validator validates bodies against one version's checkout schema.
type Validator struct {
	version string
	url     string
	mu      sync.Mutex
	c       *jsonschema.Compiler
	defs    map[string]*jsonschema.Schema
}

var validators perVersion[*Validator]

// For returns the validator of version, skipping the test when the spec
// files are absent and failing it when the version has no schema.
func For(t testing.TB, version string) *Validator {
	t.Helper()
	dir := SpecDir(t)
	v, err := validators.get(version, func() (*Validator, error) {
		path := filepath.Join(dir, version, schemaFile)
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
		url := "file:///acp-spec/" + version + "/" + schemaFile
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", path, err)
		}
		return &Validator{version: version, url: url, c: c, defs: map[string]*jsonschema.Schema{}}, nil
	})
	if err != nil {
		t.Fatalf("schema of version %s: %v", version, err)
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
		t.Errorf("response is not a valid %s %s: %v\nbody: %s", v.version, def, err, body)
	}
}

// Check returns the validation error of body against $defs/def.
func (v *Validator) Check(def string, body []byte) error {
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
// "examples.agentic_checkout.json") as a map from example name to JSON,
// skipping the test when the spec files are absent.
func Examples(t testing.TB, version, file string) map[string]json.RawMessage {
	t.Helper()
	path := filepath.Join(SpecDir(t), version, "examples", file)
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
