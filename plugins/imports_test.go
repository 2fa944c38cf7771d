// Package plugins_test checks a rule for every first-party plugin: it is
// built with the SDK alone, as a third-party plugin would be, and imports
// nothing of the host (core, config, cmd), in its code or its tests.
package plugins_test

import (
	"os/exec"
	"strings"
	"testing"
)

func TestPluginsImportOnlyTheSDK(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/acp-sidecar/acp/"
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, module) && !strings.HasPrefix(pkg, module+"sdk/") && !strings.HasPrefix(pkg, module+"plugins") {
			t.Errorf("a first-party plugin depends on the host package %s", pkg)
		}
	}
}
