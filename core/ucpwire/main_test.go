package ucpwire

import (
	"os"
	"testing"

	"github.com/acp-sidecar/acp/internal/ucpschema"
)

func TestMain(m *testing.M) { os.Exit(ucpschema.Main(m)) }
