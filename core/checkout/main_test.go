package checkout_test

import (
	"os"
	"testing"

	"github.com/acp-sidecar/acp/internal/pgtest"
)

// TestMain stops the PostgreSQL server pgtest may start for the tests
// that run on both stores.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
