package main

import (
	"strings"
	"testing"
)

// TestVersionStamped checks that the values scripts/release.sh stamps with
// -ldflags are what acp version prints. It sets package variables, so it
// does not run in parallel (parallel tests start after it).
func TestVersionStamped(t *testing.T) {
	saved := [3]string{version, commit, date}
	t.Cleanup(func() { version, commit, date = saved[0], saved[1], saved[2] })
	version, commit, date = "v1.2.3", "0123456789abcdef", "2026-12-01T10:00:00Z"
	code, stdout, _ := runCLI("version")
	for _, want := range []string{"acp v1.2.3\n", "commit: 0123456789abcdef\n", "built: 2026-12-01T10:00:00Z\n", "ACP API versions: 2026-04-17, "} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("acp version: exit %d, output lacks %q:\n%s", code, want, stdout)
		}
	}
	if strings.Contains(stdout, "modified") {
		t.Errorf("a stamped build is reported as modified:\n%s", stdout)
	}
	version, commit, date = "", "", ""
	if b := readBuildInfo(); b.Version == "" {
		t.Error("an unstamped build has no version; want the module version or (devel)")
	}
}
