package ucpprofile

import (
	"os"
	"testing"

	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// TestMain reports the UCP schema checks not made for want of the spec
// files.
func TestMain(m *testing.M) { os.Exit(ucpschema.Main(m)) }

// checkProfileSchema checks a business profile against the release's
// profile schema (its business_profile branch).
func checkProfileSchema(t *testing.T, body []byte) {
	t.Helper()
	ucpschema.Profile(t, body)
}
