package testkit

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// CompareGolden compares got with the golden file at path and fails the
// test with the difference; with update set it rewrites the file with got
// instead. rerun is the command that does that update, named when the
// file is missing.
func CompareGolden(t testing.TB, path, got string, update bool, rerun string) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run %s to create it)", err, rerun)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
