package ucpmcp

import (
	"os"
	"testing"

	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// TestMain reports the schema checks not made for want of the spec files.
func TestMain(m *testing.M) { os.Exit(ucpschema.Main(m)) }
