package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// testOptions mirror what this build passes: the served API versions and
// the sandbox payment handler.
var testOptions = Options{
	KnownAPIVersions: []string{"2026-04-17", "2026-01-30"},
	PaymentKinds:     []string{"sandbox", "stripe"},
}

// sellerFiles are the configs shipped to sellers, as golden cases.
var sellerFiles = map[string]string{
	"seller_demo":    "../acp.yaml",
	"seller_example": "../examples/acp.example.yaml",
}

// goldenCases maps each case name to its YAML file: testdata/<case>.yaml
// plus the seller files. Its golden file is testdata/<case>.golden.
func goldenCases(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{}
	for _, f := range files {
		cases[strings.TrimSuffix(filepath.Base(f), ".yaml")] = f
	}
	for name, f := range sellerFiles {
		cases[name] = f
	}
	return cases
}

// TestLoadGolden loads every case and compares the normalized config (as
// JSON) or the problem list with its golden file. Cases named invalid_*
// must have problems; all others must load.
func TestLoadGolden(t *testing.T) {
	t.Parallel()
	for name, file := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(file, testOptions)
			if wantInvalid := strings.HasPrefix(name, "invalid_"); wantInvalid != (err != nil) {
				t.Fatalf("Load(%s): invalid = %v, want %v; error:\n%v", file, err != nil, wantInvalid, err)
			}
			got, err := render(cfg, err)
			if err != nil {
				t.Fatal(err)
			}
			testkit.CompareGolden(t, filepath.Join("testdata", name+".golden"), got, *update, "go test ./config -run TestLoadGolden -update")
		})
	}
}

// TestLoadSellerFiles checks that the demo and the example load, the
// example with production settings.
func TestLoadSellerFiles(t *testing.T) {
	t.Parallel()
	demo, err := Load("../acp.yaml", testOptions)
	if err != nil {
		t.Fatalf("acp.yaml: %v", err)
	}
	if got := demo.Agents[0].LocalOnlyToken; got == "" {
		t.Errorf("acp.yaml: the demo agent should use a local-only token")
	}
	example, err := Load("../examples/acp.example.yaml", testOptions)
	if err != nil {
		t.Fatalf("acp.example.yaml: %v", err)
	}
	for i, a := range example.Agents {
		if a.TokenEnv == "" || a.LocalOnlyToken != "" {
			t.Errorf("acp.example.yaml: agents[%d] should use token_env only, got %+v", i, a)
		}
	}
}

// TestLoadKeyCoverage checks that the example sets every key of Config
// except the keys under server.tls, local_only_token, a plugin's sha256,
// a feed filter's product_ids and a UCP signing key's
// local_only_private_key, which it shows commented out. A
// product's variant has the keys of an item: each is shown once, on an
// item or on a variant.
func TestLoadKeyCoverage(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../examples/acp.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, perr := parse(data)
	if perr != nil {
		t.Fatal(perr)
	}
	used := map[string]bool{}
	collectKeys("", raw, used)
	const items, variants = "catalog.items.", "catalog.products.variants."
	var missing []string
	for _, k := range configKeys("", reflect.TypeFor[Config]()) {
		commented := k == "server.tls" || strings.HasPrefix(k, "server.tls.") || k == "agents.local_only_token" || k == "merchant_api.local_only_token" || k == "plugins.sha256" || k == "feeds.filter.product_ids" ||
			k == "ucp.signing_keys.local_only_private_key"
		itemKey := strings.TrimPrefix(strings.TrimPrefix(k, items), variants)
		asItem := itemKey != k && (used[items+itemKey] || used[variants+itemKey])
		if !used[k] && !commented && !asItem {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Errorf("acp.example.yaml does not use these keys: %s", strings.Join(missing, ", "))
	}
	for _, line := range []string{"#   cert_file:", "#   key_file:", "#   min_version:", "#   local_only_token:", "    # sha256:", "      # product_ids:", "      # local_only_private_key:"} {
		if !bytes.Contains(data, []byte(line)) {
			t.Errorf("acp.example.yaml does not show %q commented out", line)
		}
	}
}

// configKeys lists every key path of a struct type, list indexes elided.
func configKeys(prefix string, t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == durationType {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		k := tagName(t.Field(i))
		if k == "-" {
			continue
		}
		if prefix != "" {
			k = prefix + "." + k
		}
		out = append(out, k)
		out = append(out, configKeys(k, t.Field(i).Type)...)
	}
	return out
}

// collectKeys records every key path in a parsed document, list indexes
// elided. Map keys below "categories" are data, not keys, and skipped.
func collectKeys(prefix string, v any, used map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if strings.HasSuffix(prefix, ".categories") {
			return
		}
		for k, val := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			used[p] = true
			collectKeys(p, val, used)
		}
	case []any:
		for _, e := range x {
			collectKeys(prefix, e, used)
		}
	}
}

// TestLoadListenOverride checks that --listen replaces server.listen
// before defaults and validation.
func TestLoadListenOverride(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/valid_minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		override      string
		wantListen    string
		wantPublicURL string
		wantProblems  []Problem
	}{
		"no override": {
			wantListen: DefaultListen, wantPublicURL: "http://127.0.0.1:8080",
		},
		"loopback override": {
			override: "127.0.0.1:9999", wantListen: "127.0.0.1:9999", wantPublicURL: "http://127.0.0.1:9999",
		},
		"IPv6 loopback override": {
			override: "[::1]:9999", wantListen: "[::1]:9999", wantPublicURL: "http://[::1]:9999",
		},
		"non-loopback override requires TLS and refuses the local-only token": {
			override: "0.0.0.0:9999",
			wantProblems: []Problem{{
				Path: "server.tls",
				Message: `TLS is not configured and the listen address "0.0.0.0:9999" (from --listen) is not a loopback address: ` +
					"set tls.cert_file and tls.key_file to serve HTTPS, listen on 127.0.0.1, " +
					"or set server.tls_terminated_upstream: true when TLS ends at a proxy or ingress in front of the sidecar",
			}, {
				Path:    "agents[0].local_only_token",
				Message: "the local-only token is refused when listening on a non-loopback address; use token_env to read the token from the environment, or listen on 127.0.0.1",
			}},
		},
		"invalid override": {
			override: "nonsense",
			wantProblems: []Problem{{
				Path:    "server.listen",
				Message: `invalid address "nonsense" (from --listen): expected host:port, e.g. "127.0.0.1:8080" or ":8080"`,
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := testOptions
			opts.ListenOverride = tc.override
			cfg, err := LoadBytes(data, opts)
			if diff := cmp.Diff(tc.wantProblems, problemsOf(t, err)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if cfg.Server.Listen != tc.wantListen || cfg.Server.PublicURL != tc.wantPublicURL {
				t.Errorf("listen, public_url = %q, %q; want %q, %q",
					cfg.Server.Listen, cfg.Server.PublicURL, tc.wantListen, tc.wantPublicURL)
			}
		})
	}
}

// TestLoadKeysWithDots checks that koanf does not split map keys on dots.
func TestLoadKeysWithDots(t *testing.T) {
	t.Parallel()
	cfg, err := Load("testdata/valid_dotted_keys.yaml", testOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"food.prepared": 0.01, "food": 0}
	if diff := cmp.Diff(want, cfg.Tax.Rates[0].Categories); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	if got := cfg.Catalog.Items[0].TaxCategory; got != "food.prepared" {
		t.Errorf("tax_category = %q, want food.prepared", got)
	}
}

// TestLoadMissingFile checks that an unreadable file is an I/O error, not
// a config problem.
func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), testOptions)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	var es *Errors
	if errors.As(err, &es) {
		t.Errorf("err is *Errors, want an I/O error")
	}
}

// TestErrorsError checks the error text: one "path: message" per line.
func TestErrorsError(t *testing.T) {
	t.Parallel()
	err := &Errors{Problems: []Problem{
		{Message: "yaml: line 3: did not find expected key"},
		{Path: "catalog.items[2].prize", Message: "unknown key"},
	}}
	want := "yaml: line 3: did not find expected key\ncatalog.items[2].prize: unknown key"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// problemsOf returns the problems of an error from Load, failing the test
// when the error is not *Errors.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %v (%T) is not *Errors", err, err)
	}
	// Positions are asserted by the golden files; the unit tests compare
	// paths and messages.
	out := make([]Problem, len(es.Problems))
	for i, p := range es.Problems {
		out[i] = Problem{Path: p.Path, Message: p.Message}
	}
	return out
}

// FuzzLoadBytes checks that LoadBytes never panics and returns either a
// config that validates again, or a non-empty *Errors.
func FuzzLoadBytes(f *testing.F) {
	for _, file := range goldenCases(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := LoadBytes(data, testOptions)
		if err == nil {
			if cfg == nil {
				t.Fatal("LoadBytes returned neither a config nor an error")
			}
			if err := cfg.Validate(testOptions); err != nil {
				t.Fatalf("a loaded config does not validate again: %v", err)
			}
			return
		}
		if cfg != nil {
			t.Errorf("LoadBytes returned both a config and an error")
		}
		var es *Errors
		if !errors.As(err, &es) {
			t.Fatalf("error %v (%T) is not *Errors", err, err)
		}
		if len(es.Problems) == 0 {
			t.Fatal("*Errors has no problems")
		}
		for _, p := range es.Problems {
			if p.Message == "" {
				t.Errorf("problem at %q has no message", p.Path)
			}
		}
	})
}

// render is a golden file's content: the problems one per line, or the
// normalized config as indented JSON with acp.yaml's key names.
func render(cfg *Config, err error) (string, error) {
	if err != nil {
		var es *Errors
		if !errors.As(err, &es) {
			return "", fmt.Errorf("error %v (%T) is not *Errors", err, err)
		}
		return es.Error() + "\n", nil
	}
	out, err := json.MarshalIndent(tagged(reflect.ValueOf(cfg)), "", "  ")
	if err != nil {
		return "", fmt.Errorf("marshal config: %w", err)
	}
	return string(out) + "\n", nil
}

// tagged converts a config value into JSON-ready values keyed by koanf
// tags, in field order, with durations as strings such as "6h0m0s".
func tagged(v reflect.Value) any {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return tagged(v.Elem())
	case reflect.Struct:
		obj := object{}
		for i := range v.NumField() {
			if name := tagName(v.Type().Field(i)); name != "-" {
				obj = append(obj, member{name, tagged(v.Field(i))})
			}
		}
		return obj
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = tagged(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		obj := object{}
		for _, k := range keys {
			obj = append(obj, member{k, tagged(v.MapIndex(reflect.ValueOf(k)))})
		}
		return obj
	}
	return v.Interface()
}

// object is a JSON object that keeps its members in order.
type object []member

// member is one member of an object.
type member struct {
	key string
	val any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
