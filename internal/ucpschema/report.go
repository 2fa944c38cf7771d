package ucpschema

import (
	"testing"

	"github.com/acp-sidecar/acp/internal/acpschema"
)

// Main runs a package's tests and returns their exit code; call it from
// TestMain (os.Exit(ucpschema.Main(m))) in every package that validates
// UCP bodies, whether or not it validates ACP bodies too: after the tests
// it prints the line saying how many UCP schema checks were not made for
// want of the spec files, and acpschema's line for the ACP checks (each
// only when some were not made; see acpschema.Report for where such a
// line is seen).
func Main(m *testing.M) int {
	code := m.Run()
	spec.Report("ucpschema", NotMade())
	acpschema.Report()
	return code
}
