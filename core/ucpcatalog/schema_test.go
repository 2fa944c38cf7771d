package ucpcatalog

import (
	"encoding/json"
	"testing"
)

// checkResponse checks a 200 answer of op against the schemas.
// TEMPORARY until internal/ucpschema lands on main.
func checkResponse(t testing.TB, op string, status int, body []byte) {
	t.Helper()
	if !json.Valid(body) {
		t.Errorf("%s %d: not JSON", op, status)
	}
}
