package ucpcatalog

import (
	"os"
	"testing"

	"github.com/acp-sidecar/acp/internal/ucpschema"
)

func TestMain(m *testing.M) { os.Exit(ucpschema.Main(m)) }

// checkResponse checks an answer of op with HTTP status status against
// the schema rest.openapi.json gives it.
func checkResponse(t testing.TB, op string, status int, body []byte) {
	t.Helper()
	ucpschema.Operation(t, op, status, body)
}
