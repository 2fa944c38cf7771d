package specdir

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// Spec describes where the tests look for one specification's files.
type Spec struct {
	// Name names the specification in messages ("ACP").
	Name string
	// Env is the environment variable that, when set, names the folder
	// itself ("ACP_SPEC_DIR").
	Env string
	// Folder is the folder's name looked for in ../shared beside a
	// module root ("acp-spec").
	Folder string
	// Probe is a file, relative to the folder, that must be there for
	// the folder to count as present (one of the newest release's).
	Probe string
	// Hint tells a reader how to get the files.
	Hint string

	once sync.Once
	dir  string
	err  error
}

// Find looks for the folder: the one Env names when it is set, else
// ../shared/Folder beside the nearest module root (a directory holding
// go.mod) above the working directory where it holds Probe.
func (s *Spec) Find() (string, error) {
	if dir := os.Getenv(s.Env); dir != "" {
		return dir, s.stat(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "..", "shared", s.Folder)
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && s.stat(candidate) == nil {
			return candidate, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no ../shared/%s beside any module root above %s", s.Folder, wd)
		}
	}
}

// stat checks that dir holds the probe file.
func (s *Spec) stat(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, s.Probe)); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}

// Dir returns the folder, found once per test binary. When it is absent
// it returns false (the caller counts the checks it does not make), or
// fails the test under CI=true, where every schema check must run.
func (s *Spec) Dir(t testing.TB) (string, bool) {
	t.Helper()
	s.once.Do(func() { s.dir, s.err = s.Find() })
	if s.err == nil {
		return s.dir, true
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s spec files not found (%v) and CI=true, where schema checks are required: %s", s.Name, s.err, s.Hint)
	}
	return "", false
}

// Report prints, when notMade is positive, the one line saying how many
// of the spec's schema checks the package under test did not make, tagged
// with tool (the helper package that counted them). It prints with
// testkit.Notice, which says where the line is seen and where it is not.
func (s *Spec) Report(tool string, notMade int64) {
	if notMade > 0 {
		testkit.Notice(fmt.Sprintf("%s: %s: %d %s schema checks not made: the spec files are absent (%s)", tool, testkit.TestedPackage(), notMade, s.Name, s.Hint))
	}
}
