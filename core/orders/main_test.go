package orders_test

import (
	"os"
	"testing"

	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(func() int { return ucpschema.Main(m) })) }
