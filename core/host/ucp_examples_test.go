package host_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// comment and trailingComma undo what makes some of checkout-rest.md's
// request examples not JSON: "// deprecated" notes and trailing commas.
var (
	comment       = regexp.MustCompile(`(?m)\s*//[^\n"]*$`)
	trailingComma = regexp.MustCompile(`,(\s*[}\]])`)
)

// TestUCPRestExamples replays the requests of checkout-rest.md that this
// store can serve (its item_123 is the examples' item; the examples'
// line, option and handler ids are put as the store's) and checks
// each answer against the example's: the HTTP status, every top-level
// member the example shows (but payment, which the business does not
// echo, and messages, which depend on the store), and the members whose
// value does not depend on the store's catalog, prices or ids.
func TestUCPRestExamples(t *testing.T) {
	t.Parallel()
	examples := ucpschema.DocExamples(t, "checkout-rest.md")
	if examples == nil {
		return
	}
	s := startUCPServer(t, nil)
	var id string
	replayed := 0
	for i, ex := range examples {
		if ex.Method == "" || !strings.Contains(ex.Path, "checkout-sessions") || i+1 >= len(examples) {
			continue
		}
		want := examples[i+1]
		body := trailingComma.ReplaceAllString(comment.ReplaceAllString(string(ex.Body), ""), "$1")
		// The examples' business named the line li_1; this one names it
		// after its item, and a platform sends back the business's ids.
		body = strings.ReplaceAll(body, `"li_1"`, `"li_item_123"`)
		body = strings.ReplaceAll(body, `"selected_option_id": "express"`, `"selected_option_id": "fulfillment_option_456"`)
		body = strings.ReplaceAll(body, `"gpay_1234"`, `"card_tokenized"`)
		path := strings.TrimSuffix(ex.Path, "/")
		if ex.Heading == "Cancel Checkout" || id == "" {
			// The cancel example cancels a session of its own (the
			// complete example completed the first).
			fresh := decodeCheckout(t, s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"item_123"},"quantity":2}]}`}))
			if id == "" || ex.Heading == "Cancel Checkout" {
				id = fresh.ID
			}
		}
		path = strings.ReplaceAll(path, "{id}", id)
		if strings.HasSuffix(ex.Path, "checkout-sessions") && ex.Method == http.MethodPost && want.Tab == "Error Response" {
			continue // answered below with an unavailable item
		}
		got := s.ucp(t, ucpRequest{method: ex.Method, path: path, body: body})
		if want.Status != 0 && got.status != want.Status {
			t.Errorf("%s (line %d) %s %s: status %d, example %d\n%s", ex.Heading, ex.Line, ex.Method, ex.Path, got.status, want.Status, got.body)
			continue
		}
		compareExample(t, ex.Heading, want.Body, got.body)
		replayed++
	}
	if replayed < 5 {
		t.Errorf("replayed %d examples, want the create, the three updates, complete and cancel", replayed)
	}
	// The error response: all items out of stock, nothing created.
	for _, ex := range examples {
		if ex.Tab == "Error Response" && ex.Heading == "Create Checkout" {
			got := s.ucp(t, ucpRequest{path: "/checkout-sessions", body: `{"line_items":[{"item":{"id":"sold-out"},"quantity":2}]}`})
			wantStatus(t, got, ex.Status)
			compareExample(t, "Create Checkout error", ex.Body, got.body)
		}
	}
}

// compareExample checks got against the example's body.
func compareExample(t *testing.T, name string, example, got []byte) {
	t.Helper()
	var want, have map[string]any
	if json.Unmarshal(example, &want) != nil {
		return // an example with placeholders
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for key := range want {
		if _, ok := have[key]; !ok && key != "payment" && key != "messages" {
			t.Errorf("%s: answer has no %q: %s", name, key, got)
		}
	}
	for _, path := range [][]any{
		{"ucp", "version"}, {"ucp", "status"}, {"status"}, {"currency"}, {"buyer"},
		{"line_items", 0, "item", "id"}, {"line_items", 0, "quantity"},
		{"fulfillment", "methods", 0, "type"},
		{"fulfillment", "methods", 0, "destinations", 0, "street_address"},
		{"fulfillment", "methods", 0, "destinations", 0, "postal_code"},
		{"messages", 0, "severity"}, {"messages", 0, "type"},
	} {
		w, h := testkit.At(want, path...), testkit.At(have, path...)
		if w == nil || (path[0] == "messages" && want["id"] != nil) {
			continue // not in the example, or messages about the store's checkout
		}
		if path[0] == "status" && (w == "incomplete" || w == "ready_for_complete") {
			continue // this store selects a fulfillment option by default
		}
		if len(path) > 1 && path[1] == "version" && w != ucp.Version {
			continue // the error examples still name release 2026-01-11
		}
		if diff := cmp.Diff(w, h); diff != "" {
			t.Errorf("%s: %v (-example +answer):\n%s", name, path, diff)
		}
	}
}
