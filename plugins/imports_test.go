// Package plugins_test checks a rule for every first-party plugin: it is
// built with the SDK and the standard library alone, as a third-party
// plugin would be, and imports nothing of the host (core, config, cmd);
// its tests may add go-cmp.
package plugins_test

import (
	"os/exec"
	"strings"
	"testing"
)

func TestPluginsImportOnlyTheSDK(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{range .TestImports}} test:{{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const sdk = "github.com/acp-sidecar/acp/sdk/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			path, inTest := strings.CutPrefix(imp, "test:")
			firstElem, _, _ := strings.Cut(path, "/")
			switch {
			case !strings.Contains(firstElem, "."): // the standard library
			case strings.HasPrefix(path, sdk):
			case inTest && strings.HasPrefix(path, "github.com/google/go-cmp/"):
			default:
				t.Errorf("%s imports %s: a first-party plugin imports only the SDK and the standard library", fields[0], path)
			}
		}
	}
}
