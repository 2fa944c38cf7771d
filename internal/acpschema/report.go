package acpschema

import (
	"testing"
)

// Main runs a package's tests and returns their exit code; call it from
// TestMain (os.Exit(acpschema.Main(m))) in every package that validates
// ACP bodies only. A package that validates UCP bodies too calls
// ucpschema.Main instead, which reports both counts. When schema checks
// were not made for want of the spec files it prints one line saying how
// many and how to get the files (see Report).
func Main(m *testing.M) int {
	code := m.Run()
	Report()
	return code
}

// Report prints, when this test binary did not make some ACP schema checks
// for want of the spec files, one line saying how many and how to get the
// files. Main calls it after the tests; so does ucpschema.Main.
//
// The line is printed with testkit.Notice, which says where it is seen
// and where it is not. A cached result runs no tests and prints no line
// (-count=1 runs them again).
func Report() { spec.Report("acpschema", NotMade()) }
