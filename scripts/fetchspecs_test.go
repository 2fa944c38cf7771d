// Package scripts_test tests the repository's shell scripts.
package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// acpVersions are the versions fetch-specs.sh requires files of.
var acpVersions = []string{"2025-09-29", "2025-12-12", "2026-01-16", "2026-01-30", "2026-04-17"}

// specRepo makes a git repository at dir holding files, and returns its
// commit.
func specRepo(t *testing.T, dir string, files []string) string {
	t.Helper()
	for _, f := range files {
		path := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(f+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "spec"}} {
		git(t, dir, args...)
	}
	return strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// acpFiles are an ACP repository's files: every file the tests open, but
// leaving out drop.
func acpFiles(drop string) []string {
	files := []string{"LICENSE"}
	for _, v := range acpVersions {
		files = append(files, "spec/"+v+"/json-schema/schema.agentic_checkout.json",
			"spec/"+v+"/openapi/openapi.agentic_checkout.yaml", "spec/"+v+"/openapi/openapi.agentic_checkout_webhook.yaml",
			"examples/"+v+"/examples.agentic_checkout.json")
	}
	files = append(files, "examples/2026-04-17/examples.mcp.agentic_checkout.json")
	var out []string
	for _, f := range files {
		if f != drop {
			out = append(out, f)
		}
	}
	return out
}

// TestFetchSpecs runs scripts/fetch-specs.sh against local repositories:
// it installs a complete copy, refuses to replace a good copy with one
// lacking a file the tests open, and shows git's own error when git
// cannot fetch.
func TestFetchSpecs(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		drop      string // an ACP file the fetched commit lacks
		badCommit bool   // an ACP commit git cannot fetch
		wantErr   string
	}{
		"complete":                  {},
		"no older version examples": {drop: "examples/2025-09-29/examples.agentic_checkout.json", wantErr: "2025-09-29/examples/examples.agentic_checkout.json"},
		"no MCP examples":           {drop: "examples/2026-04-17/examples.mcp.agentic_checkout.json", wantErr: "2026-04-17/examples/examples.mcp.agentic_checkout.json"},
		"no webhook document":       {drop: "spec/2026-01-16/openapi/openapi.agentic_checkout_webhook.yaml", wantErr: "2026-01-16/openapi/openapi.agentic_checkout_webhook.yaml"},
		"unfetchable commit":        {badCommit: true, wantErr: "git could not fetch"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			acpCommit := specRepo(t, filepath.Join(base, "agentic-commerce-protocol", "agentic-commerce-protocol.git"), acpFiles(tc.drop))
			ucpCommit := specRepo(t, filepath.Join(base, "Universal-Commerce-Protocol", "ucp.git"),
				[]string{"LICENSE", "source/schemas/shopping/checkout.json", "source/discovery/profile_schema.json",
					"source/services/shopping/rest.openapi.json", "source/services/shopping/mcp.openrpc.json",
					"docs/specification/checkout-rest.md", "docs/specification/overview.md", "docs/versioning.md"})
			if tc.badCommit {
				acpCommit = strings.Repeat("0", 40)
			}
			out := t.TempDir()
			acpDir, ucpDir := filepath.Join(out, "acp-spec"), filepath.Join(out, "ucp-spec")
			// A good copy from before, which a failed fetch must leave alone.
			good := filepath.Join(acpDir, "2026-04-17", "json-schema", "schema.agentic_checkout.json")
			if err := os.MkdirAll(filepath.Dir(good), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(good, []byte("good"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", "fetch-specs.sh")
			cmd.Env = append(os.Environ(), "ACP_SPEC_DIR="+acpDir, "UCP_SPEC_DIR="+ucpDir,
				"SPEC_SOURCE_OVERRIDE=file://"+base+" "+acpCommit+" "+ucpCommit)
			output, err := cmd.CombinedOutput()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("fetch-specs.sh: %v\n%s", err, output)
				}
				for _, f := range []string{"2025-09-29/examples/examples.agentic_checkout.json", "2026-04-17/examples/examples.mcp.agentic_checkout.json", "SOURCE.txt"} {
					if _, err := os.Stat(filepath.Join(acpDir, f)); err != nil {
						t.Errorf("installed copy lacks %s: %v", f, err)
					}
				}
				if _, err := os.Stat(filepath.Join(ucpDir, "2026-04-08", "docs", "versioning.md")); err != nil {
					t.Errorf("UCP copy: %v", err)
				}
			} else {
				if err == nil {
					t.Fatalf("fetch-specs.sh succeeded, want an error saying %q:\n%s", tc.wantErr, output)
				}
				if !strings.Contains(string(output), tc.wantErr) {
					t.Errorf("output does not say %q:\n%s", tc.wantErr, output)
				}
				if data, err := os.ReadFile(good); err != nil || string(data) != "good" {
					t.Errorf("the good copy was changed: %q, %v", data, err)
				}
			}
			if tc.badCommit && !strings.Contains(string(output), "    fatal:") && !strings.Contains(string(output), "    error:") {
				t.Errorf("output does not show git's own error:\n%s", output)
			}
			// Nothing staged is left beside the destination.
			entries, _ := os.ReadDir(out)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("%s left in %s", e.Name(), out)
				}
			}
		})
	}
}
