package acpschema

import (
	"fmt"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// Main runs a package's tests and returns their exit code; call it from
// TestMain (os.Exit(acpschema.Main(m))) in every package that validates.
// When schema checks were not made for want of the spec files it prints
// one line saying how many and how to get the files.
//
// The line is printed with testkit.Notice, which says where it is seen
// and where it is not. A cached result runs no tests and prints no line
// (-count=1 runs them again).
func Main(m *testing.M) int {
	code := m.Run()
	if n := NotMade(); n > 0 {
		testkit.Notice(fmt.Sprintf("acpschema: %s: %d ACP schema checks not made: the spec files are absent (%s)", testkit.TestedPackage(), n, fetchHint))
	}
	return code
}
