package pgtest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestDSN: the database is fresh, usable, and dropped at the test's end.
func TestDSN(t *testing.T) {
	var dsn string
	t.Run("inner", func(t *testing.T) {
		dsn = DSN(t)
		if err := exec1(context.Background(), dsn, "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	if dsn == "" {
		t.Fatal("no DSN")
	}
	if err := exec1(context.Background(), dsn, "SELECT 1"); err == nil {
		t.Error("the database outlived its test")
	}
}

// TestUnreachable runs this test binary with no server and no throwaway
// cluster: the PostgreSQL tests are skipped with one visible line, and
// fail under CI=true.
func TestUnreachable(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") != "" {
		DSN(t)
		return
	}
	for _, c := range []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{"", false, "the PostgreSQL tests did not run"},
		{"true", true, "PostgreSQL is required under CI=true"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUnreachable$", "-test.v")
		cmd.Env = append(os.Environ(), "PGTEST_CHILD=1", "ACP_TEST_POSTGRES=postgres://postgres@127.0.0.1:1/test?connect_timeout=2",
			"ACP_TEST_POSTGRES_NO_CLUSTER=1", "CI="+c.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != c.wantFail || !strings.Contains(string(out), c.want) {
			t.Errorf("CI=%q: failed %v, output:\n%s\nwant failed %v and %q", c.ci, failed, out, c.wantFail, c.want)
		}
	}
}
