package ucpschema

import (
	"os"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// validCheckout is a checkout response the 2026-04-08 schema admits.
const validCheckout = `{
  "ucp": {"version": "2026-04-08", "status": "success",
    "capabilities": {"dev.ucp.shopping.checkout": [{"version": "2026-04-08"}]},
    "payment_handlers": {}},
  "id": "chk_1",
  "status": "incomplete",
  "currency": "USD",
  "line_items": [{"id": "li_1", "item": {"id": "item_1", "title": "Shirt", "price": 2500}, "quantity": 2,
    "totals": [{"type": "subtotal", "amount": 5000}, {"type": "total", "amount": 5000}]}],
  "totals": [{"type": "subtotal", "amount": 5000}, {"type": "total", "amount": 5000}],
  "links": [{"type": "terms_of_service", "url": "https://shop.example/terms"}]
}`

// errorResponse is an error response the 2026-04-08 schema admits.
const errorResponse = `{"ucp":{"version":"2026-04-08","status":"error"},"messages":[{"type":"error","code":"out_of_stock","content":"Gone","severity":"unrecoverable"}]}`

// TestResponse checks that a valid checkout response passes and that
// invalid ones fail.
func TestResponse(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		name, body string
		wantFail   bool
	}{
		"a checkout":                {name: "shopping/checkout.json", body: validCheckout},
		"no id":                     {name: "shopping/checkout.json", body: strings.Replace(validCheckout, `"id": "chk_1",`, "", 1), wantFail: true},
		"an unknown status":         {name: "shopping/checkout.json", body: strings.Replace(validCheckout, `"incomplete"`, `"pending"`, 1), wantFail: true},
		"not JSON":                  {name: "shopping/checkout.json", body: `{`, wantFail: true},
		"an error is no checkout":   {name: "shopping/checkout.json", body: errorResponse, wantFail: true},
		"an error response":         {name: "shopping/types/error_response.json", body: errorResponse},
		"an error with a stranger":  {name: "shopping/types/error_response.json", body: strings.Replace(errorResponse, `"messages"`, `"detail":"x","messages"`, 1), wantFail: true},
		"an error without messages": {name: "shopping/types/error_response.json", body: `{"ucp":{"version":"2026-04-08","status":"error"},"messages":[]}`, wantFail: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !Present(t) {
				return // the schemas are the subject
			}
			rec := &testkit.Recorder{TB: t}
			Response(rec, tc.name, []byte(tc.body))
			if rec.Failed() != tc.wantFail {
				t.Errorf("failed = %v, want %v: %s", rec.Failed(), tc.wantFail, rec.Messages())
			}
		})
	}
}
