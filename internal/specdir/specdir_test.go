package specdir

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFind checks where a spec is looked for: the environment variable
// wins, and a folder without the probe file is absent.
func TestFind(t *testing.T) {
	full := t.TempDir()
	spec := &Spec{Name: "X", Env: "SPECDIR_TEST_DIR", Folder: "x-spec", Probe: "v1/schema.json"}
	if err := os.MkdirAll(filepath.Join(full, "v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, spec.Probe), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	testCases := map[string]struct {
		dir     string
		wantErr bool
	}{
		"a spec folder":            {dir: full},
		"an empty folder":          {dir: t.TempDir(), wantErr: true},
		"a folder that is not one": {dir: filepath.Join(full, "nope"), wantErr: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(spec.Env, tc.dir)
			dir, err := spec.Find()
			if (err != nil) != tc.wantErr || err == nil && dir != tc.dir {
				t.Errorf("Find() = %q, %v; want %q, error %v", dir, err, tc.dir, tc.wantErr)
			}
		})
	}
}

// TestFindBesideModuleRoot checks the default place: ../shared/<Folder>
// beside the nearest directory above holding go.mod.
func TestFindBesideModuleRoot(t *testing.T) {
	root := t.TempDir()
	module := filepath.Join(root, "repo")
	work := filepath.Join(module, "pkg", "sub")
	spec := &Spec{Name: "X", Env: "SPECDIR_TEST_DIR", Folder: "x-spec", Probe: "probe.json"}
	for _, dir := range []string{work, filepath.Join(root, "shared", "x-spec")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(module, "go.mod"), filepath.Join(root, "shared", "x-spec", "probe.json")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(spec.Env, "")
	t.Chdir(work)
	dir, err := spec.Find()
	if err != nil {
		t.Fatalf("Find() = %v", err)
	}
	if got, want := filepath.Clean(dir), filepath.Join(root, "shared", "x-spec"); got != want {
		t.Errorf("Find() = %s, want %s", got, want)
	}
}
