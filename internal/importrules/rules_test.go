package importrules

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// repo is the import path prefix shared by every module of the repository
// (the host module is repo itself; the SDK is repo + "/sdk").
const repo = "github.com/acp-sidecar/acp"

// rule restricts what the Go files in dirs (relative to the repository
// root; a dir covers its subdirectories) import from this repository.
// Imports from outside the repository are not restricted.
type rule struct {
	why string
	// dirs are the directories the rule applies to; except are
	// subdirectories of them it does not apply to.
	dirs, except []string
	// only, when set, lists the only directories their imports may come
	// from; never lists directories they may not import from.
	only, never []string
	// codeOnly exempts test files, which may build real fixtures with a
	// layer above (the orders tests encode events with the wire format).
	codeOnly bool
}

// rules are the layers' import rules. The first-party plugins have a
// stricter rule of their own (plugins/imports_test.go: the SDK and the
// standard library only).
var rules = []rule{
	{why: "the SDK module imports nothing of the host module", dirs: []string{"sdk"}, only: []string{"sdk"}},
	{why: "examples are built against the SDK alone, as a plugin author's would be", dirs: []string{"examples"}, only: []string{"sdk"}},
	{why: "config reads acp.yaml and imports nothing from core or cmd", dirs: []string{"config"}, only: []string{"config", "internal", "sdk"}},
	{why: "internal/ holds leaf tools: they import only each other and the SDK", dirs: []string{"internal"}, only: []string{"internal", "sdk"}},
	{why: "the schema checks read the spec files in tests only: no package's code imports them", dirs: []string{"cmd", "config", "core", "internal", "plugins"},
		except: []string{"internal/acpschema", "internal/ucpschema", "internal/specdir", "internal/feedtest"}, never: []string{"internal/acpschema", "internal/ucpschema", "internal/specdir"}, codeOnly: true},
	{why: "core/internal/ holds leaf helpers: they import no core layer above them", dirs: []string{"core/internal"}, only: []string{"core/internal", "internal", "sdk"}},
	{why: "no package in core/ imports cmd/ or a plugin", dirs: []string{"core"}, never: []string{"cmd", "plugins"}},
	{why: "only core/host reads acp.yaml's types; the layers below take their own or the SDK's", dirs: []string{"core"}, except: []string{"core/host"}, never: []string{"config"}},
	{why: "core/host is the top of core/: nothing in core/ imports it", dirs: []string{"core"}, except: []string{"core/host"}, never: []string{"core/host"}},
	{why: "the checkout API is mounted on, never mounts: it imports no other API", dirs: []string{"core/httpapi"},
		never: []string{"core/mcpapi", "core/merchantapi", "core/payment/stripe/stripehook", "core/ucpapi", "core/ucpwire"}},
	{why: "the UCP wire format sits beside the APIs, like acpwire: it imports no API, no other wire format and nothing above", dirs: []string{"core/ucpwire"},
		only: []string{"core/ucp", "core/ucpwire", "core/model", "core/checkout", "core/payment", "core/apierr", "core/internal", "internal", "sdk"}, codeOnly: true},
	{why: "UCP's REST binding is mounted on the checkout API and reaches the engine through it and ucpwire, never ACP's wire format or another API", dirs: []string{"core/ucpapi"},
		never: []string{"core/acpwire", "core/mcpapi", "core/merchantapi", "core/payment/stripe/stripehook", "core/ucpmcp"}},
	{why: "the engine and the parts below it import no API or wire format", dirs: []string{
		"core/checkout", "core/orders", "core/stock", "core/model", "core/store", "core/payment", "core/builtin", "core/pluginmgr", "core/capcache",
		"core/webhook", "core/idempotency", "core/signature", "core/apierr", "core/feed", "core/feedwire", "core/feedclient",
	}, except: []string{"core/payment/stripe/stripehook"}, never: []string{"core/acpwire", "core/httpapi", "core/mcpapi", "core/merchantapi", "core/payment/stripe/stripehook",
		"core/ucpwire", "core/ucpapi", "core/ucpmcp", "core/ucpprofile", "core/ucpcatalog"}, codeOnly: true},
	{why: "the UCP MCP binding reaches UCP only through a Dispatcher over the REST binding: it imports no engine, store or wire format",
		dirs: []string{"core/ucpmcp"}, only: []string{"core/ucpmcp", "core/httpapi", "core/apierr", "core/ucp", "core/internal", "internal", "sdk"}, codeOnly: true},
	{why: "the REST bindings are mounted on, never mount: they import no MCP binding", dirs: []string{"core/httpapi", "core/ucpapi"},
		never: []string{"core/mcpapi", "core/ucpmcp"}},
	{why: "core/ucp is what every part of the UCP binding shares: it imports nothing of the repository", dirs: []string{"core/ucp"}, only: []string{"core/ucp"}},
	{why: "the UCP catalog reads the catalog through the SDK's types and the host's stock levels through a function: it imports no model, store, engine or API",
		dirs: []string{"core/ucpcatalog"}, only: []string{"core/ucpcatalog", "core/ucp", "core/internal", "internal", "sdk"}, codeOnly: true},
	{why: "core/httpsig (RFC 9421 message signatures) is a base layer: core/ucp and core/internal only", dirs: []string{"core/httpsig"},
		only: []string{"core/httpsig", "core/ucp", "core/internal", "internal"}},
	{why: "UCP discovery and negotiation is a helper of the UCP bindings: it knows the protocol's shared types and payment handlers, nothing of the engine, the store or the APIs",
		dirs: []string{"core/ucpprofile"}, only: []string{"core/ucpprofile", "core/ucp", "core/payment", "core/internal", "internal"}},
	{why: "the plugins' answer cache is a provider-layer helper: it knows the SDK's capabilities, nothing of the engine, the store, the plugin manager or the APIs",
		dirs: []string{"core/capcache"}, only: []string{"core/capcache", "core/internal", "sdk"}},
	{why: "the feed wire format and its client know nothing of the model, the store or an engine", dirs: []string{"core/feedwire", "core/feedclient"},
		only: []string{"core/feedwire", "core/internal", "internal", "sdk"}},
}

// under reports whether dir is d or below it.
func under(dir, d string) bool {
	return dir == d || strings.HasPrefix(dir, d+"/")
}

func underAny(dir string, ds []string) bool {
	for _, d := range ds {
		if under(dir, d) {
			return true
		}
	}
	return false
}

// applies reports whether r covers a file in dir (a test file when test).
func (r rule) applies(dir string, test bool) bool {
	return underAny(dir, r.dirs) && !underAny(dir, r.except) && !(test && r.codeOnly)
}

// allows reports whether r lets a covered file import target, a
// directory of the repository.
func (r rule) allows(target string) bool {
	if r.only != nil && !underAny(target, r.only) {
		return false
	}
	return !underAny(target, r.never)
}

// violations lists the imports of a file in dir (a test file when test)
// that break a rule.
func violations(dir string, test bool, imports []string) []string {
	var out []string
	for _, imp := range imports {
		if imp != repo && !strings.HasPrefix(imp, repo+"/") {
			continue
		}
		target := strings.TrimPrefix(strings.TrimPrefix(imp, repo), "/")
		for _, r := range rules {
			if r.applies(dir, test) && !r.allows(target) {
				out = append(out, imp+": "+r.why)
			}
		}
	}
	return out
}

// TestRulesCatchViolations checks the checker on imports that break, and
// keep, each kind of rule.
func TestRulesCatchViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir, imp string
		test     bool
		broken   bool
	}{
		{"core/checkout", repo + "/cmd/acp", false, true},
		{"core/checkout", repo + "/core/model", false, false},
		{"core/builtin", repo + "/config", false, true},
		{"core/host", repo + "/config", false, false},
		{"config", repo + "/core/model", false, true},
		{"config", repo + "/internal/netguard", false, false},
		{"sdk/catalog", repo, false, true},
		{"sdk/catalog", repo + "/core/model", false, true},
		{"sdk/catalog", repo + "/sdk/acp", false, false},
		{"core/internal/ids", repo + "/core/model", false, true},
		{"core/internal/ids", repo + "/core/internal/text", false, false},
		{"internal/loadgen", repo + "/core/internal/text", false, true},
		{"core/httpapi", repo + "/core/mcpapi", false, true},
		{"core/mcpapi", repo + "/core/httpapi", false, false},
		{"core/ucpmcp", repo + "/core/httpapi", false, false},
		{"core/ucpmcp", repo + "/core/checkout", false, true},
		{"core/ucpmcp", repo + "/core/checkout", true, false},
		{"core/ucpapi", repo + "/core/ucpmcp", false, true},
		{"core/checkout", repo + "/core/acpwire", false, true},
		{"core/orders", repo + "/core/acpwire", true, false},
		{"core/orders", repo + "/cmd/acp", true, true},
		{"core/payment/stripe/stripehook", repo + "/core/checkout", false, false},
		{"core/model", "github.com/other/module", false, false},
		{"core/ucpcatalog", repo + "/core/store", false, true},
		{"core/ucpcatalog", repo + "/core/internal/listing", false, false},
		{"core/host", repo + "/internal/ucpschema", false, true},
		{"core/host", repo + "/internal/ucpschema", true, false},
		{"internal/ucpschema", repo + "/internal/acpschema", false, false},
		{"core/httpsig", repo + "/core/ucp", false, false},
		{"core/httpsig", repo + "/core/model", false, true},
	}
	for _, tt := range tests {
		if got := len(violations(tt.dir, tt.test, []string{tt.imp})) > 0; got != tt.broken {
			t.Errorf("%s importing %s (test file: %v): broken = %v, want %v", tt.dir, tt.imp, tt.test, got, tt.broken)
		}
	}
}

// TestImportRules parses the imports of every Go file of the repository,
// tests included, and reports each one that breaks a rule. Every rule must
// cover at least one file, so that a moved directory cannot leave a rule
// checking nothing.
func TestImportRules(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	covered := make([]int, len(rules))
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		var imports []string
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			imports = append(imports, imp)
		}
		test := strings.HasSuffix(path, "_test.go")
		for i, r := range rules {
			if r.applies(dir, test) {
				covered[i]++
			}
		}
		for _, v := range violations(dir, test, imports) {
			t.Errorf("%s imports %s", filepath.ToSlash(rel), v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range covered {
		if n == 0 {
			t.Errorf("rule %q covers no file", rules[i].why)
		}
	}
}
