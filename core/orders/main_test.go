package orders_test

import (
	"os"
	"testing"

	"github.com/acp-sidecar/acp/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
