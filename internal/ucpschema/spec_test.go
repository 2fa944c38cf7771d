package ucpschema

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// allViews are the readings every schema must compile in.
var allViews = []view{{}, {request: true, op: "create"}, {request: true, op: "update"}, {request: true, op: "complete"}}

// TestSchemasCompile compiles every schema of the release, and the
// profile schema, in every view, and checks that each schema's $id is
// the URL of its place, which is how the loader finds it (all but the
// profile schema's: see doc.go).
func TestSchemasCompile(t *testing.T) {
	t.Parallel()
	dir, ok := releaseDir(t)
	if !ok {
		return // the schemas are the subject
	}
	source := filepath.Join(dir, "source")
	var urls []string
	err := filepath.WalkDir(filepath.Join(source, "schemas"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, err := filepath.Rel(source, path)
		if err != nil {
			return err
		}
		url := base + filepath.ToSlash(rel)
		var doc struct {
			ID string `json:"$id"`
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return err
		}
		if doc.ID != url {
			t.Errorf("%s has $id %q, want %q", rel, doc.ID, url)
		}
		urls = append(urls, url)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(urls) < 50 {
		t.Fatalf("found %d schemas, want the release's 78 or so", len(urls))
	}
	urls = append(urls, base+"discovery/profile_schema.json")
	for _, v := range allViews {
		for _, url := range urls {
			if _, err := schema(dir, v, url); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestLoaderFetchesNothing checks that a URL outside the spec's files is
// refused, not fetched.
func TestLoaderFetchesNothing(t *testing.T) {
	t.Parallel()
	l := &loader{dir: t.TempDir()}
	for _, url := range []string{"https://example.com/schema.json", "https://ucp.dev/../etc/passwd", "https://ucp.dev/schemas/none.json"} {
		if _, err := l.Load(url); err == nil {
			t.Errorf("Load(%s) = nil error", url)
		}
	}
}

// createRequest is a create checkout request the release admits.
const createRequest = `{"line_items":[{"item":{"id":"item_1"},"quantity":1}]}`

// TestRequest checks that the request annotations hold per operation.
func TestRequest(t *testing.T) {
	t.Parallel()
	const payment = `"payment":{"instruments":[{"id":"pi_1","handler_id":"h_1","type":"card","credential":{"type":"PAYMENT_GATEWAY","token":"tok"}}]}`
	testCases := map[string]struct {
		op, body string
		wantFail bool
	}{
		"a create":                       {op: "create", body: createRequest},
		"a create with an id":            {op: "create", body: `{"id":"chk_1",` + createRequest[1:], wantFail: true},
		"a create with a status":         {op: "create", body: `{"status":"incomplete",` + createRequest[1:], wantFail: true},
		"a create without line items":    {op: "create", body: `{"buyer":{"email":"a@b.example"}}`, wantFail: true},
		"a create with a wrong quantity": {op: "create", body: strings.Replace(createRequest, "1}", `"one"}`, 1), wantFail: true},
		"an update":                      {op: "update", body: createRequest},
		"an update without line items":   {op: "update", body: `{}`, wantFail: true},
		"a complete":                     {op: "complete", body: `{` + payment + `}`},
		"a complete without payment":     {op: "complete", body: `{}`, wantFail: true},
		"a complete with line items":     {op: "complete", body: `{` + payment + `,` + createRequest[1:], wantFail: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !Present(t) {
				return // the schemas are the subject
			}
			rec := &testkit.Recorder{TB: t}
			Request(rec, "shopping/checkout.json", tc.op, []byte(tc.body))
			if rec.Failed() != tc.wantFail {
				t.Errorf("failed = %v, want %v: %s", rec.Failed(), tc.wantFail, rec.Messages())
			}
		})
	}
}

// TestResponseOmitsToken checks the one ucp_response annotation: a card
// token is never sent back.
func TestResponseOmitsToken(t *testing.T) {
	t.Parallel()
	if !Present(t) {
		return // the schemas are the subject
	}
	const name = "shopping/types/token_credential.json"
	rec := &testkit.Recorder{TB: t}
	Response(rec, name, []byte(`{"type":"PAYMENT_GATEWAY","token":"tok"}`))
	if !rec.Failed() {
		t.Error("a response credential with its token passed")
	}
	Response(t, name, []byte(`{"type":"PAYMENT_GATEWAY"}`))
	Request(t, name, "complete", []byte(`{"type":"PAYMENT_GATEWAY","token":"tok"}`))
}

// TestTransports checks the checks by REST operation and MCP tool.
func TestTransports(t *testing.T) {
	t.Parallel()
	invalid := strings.Replace(validCheckout, `"incomplete"`, `"pending"`, 1)
	testCases := map[string]struct {
		check    func(testing.TB, []byte)
		body     string
		wantFail bool
	}{
		"REST create: a checkout":            {check: restCreate, body: validCheckout},
		"REST create: an error":              {check: restCreate, body: errorResponse},
		"REST create: an invalid one":        {check: restCreate, body: invalid, wantFail: true},
		"MCP create: a checkout":             {check: mcpCreate, body: validCheckout},
		"MCP create: an error":               {check: mcpCreate, body: errorResponse},
		"MCP create: an invalid one":         {check: mcpCreate, body: invalid, wantFail: true},
		"MCP get_order: a checkout":          {check: func(t testing.TB, b []byte) { ToolResult(t, "get_order", b) }, body: validCheckout, wantFail: true},
		"REST update: a checkout (PUT {id})": {check: func(t testing.TB, b []byte) { Operation(t, "update_checkout", 200, b) }, body: validCheckout},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !Present(t) {
				return // the schemas are the subject
			}
			rec := &testkit.Recorder{TB: t}
			tc.check(rec, []byte(tc.body))
			if rec.Failed() != tc.wantFail {
				t.Errorf("failed = %v, want %v: %s", rec.Failed(), tc.wantFail, rec.Messages())
			}
		})
	}
}

// TestToolArguments checks the params of MCP tools: their names and
// whether each is required, and arguments checked against them.
func TestToolArguments(t *testing.T) {
	t.Parallel()
	if !Present(t) {
		return // the documents are the subject
	}
	var names []string
	for _, p := range ToolParams(t, "complete_checkout") {
		if !p.Required {
			t.Errorf("complete_checkout's %s is not required", p.Name)
		}
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "meta,id,checkout" {
		t.Errorf("complete_checkout params %v, want meta, id and checkout", names)
	}
	const meta = `"meta":{"ucp-agent":{"profile":"https://p.example/x.json"}}`
	const key = `"meta":{"ucp-agent":{"profile":"https://p.example/x.json"},"idempotency-key":"550e8400-e29b-41d4-a716-446655440000"}`
	testCases := map[string]struct {
		tool, op, args string
		wantFail       bool
	}{
		"a create":                          {tool: "create_checkout", op: "create", args: `{` + meta + `,"checkout":` + createRequest + `}`},
		"a create without meta":             {tool: "create_checkout", op: "create", args: `{"checkout":` + createRequest + `}`, wantFail: true},
		"a create without its checkout":     {tool: "create_checkout", op: "create", args: `{` + meta + `}`, wantFail: true},
		"a create with an invalid checkout": {tool: "create_checkout", op: "create", args: `{` + meta + `,"checkout":{}}`, wantFail: true},
		"a cancel":                          {tool: "cancel_checkout", args: `{` + key + `,"id":"c1"}`},
		"a cancel without a key":            {tool: "cancel_checkout", args: `{` + meta + `,"id":"c1"}`, wantFail: true},
		"a get_order without ucp-agent":     {tool: "get_order", args: `{"meta":{},"id":"o1"}`, wantFail: true},
		"arguments that are no object":      {tool: "get_order", args: `[]`, wantFail: true},
	}
	for name, tc := range testCases {
		if err := ToolArguments(t, tc.tool, tc.op, []byte(tc.args)); (err != nil) != tc.wantFail {
			t.Errorf("%s: error %v, want failure %v", name, err, tc.wantFail)
		}
	}
}

func restCreate(t testing.TB, body []byte) { Operation(t, "create_checkout", 201, body) }
func mcpCreate(t testing.TB, body []byte)  { ToolResult(t, "create_checkout", body) }

// TestUnknownOperations checks that an operation, status or tool the
// documents lack is an error.
func TestUnknownOperations(t *testing.T) {
	t.Parallel()
	dir, ok := releaseDir(t)
	if !ok {
		return // the documents are the subject
	}
	if _, err := restResponse(dir, "delete_checkout", 200); err == nil {
		t.Error("restResponse(delete_checkout) = nil error")
	}
	if _, err := restResponse(dir, "create_checkout", 418); err == nil {
		t.Error("restResponse(create_checkout, 418) = nil error")
	}
	if _, err := mcpResult(dir, "delete_checkout"); err == nil {
		t.Error("mcpResult(delete_checkout) = nil error")
	}
}

// TestProfile checks the business profile of the overview's example, and
// that the platform profile example is no business profile.
func TestProfile(t *testing.T) {
	t.Parallel()
	examples := DocExamples(t, "overview.md")
	if examples == nil {
		return // the examples are the subject
	}
	found := map[string]bool{}
	for _, ex := range examples {
		switch ex.Heading {
		case "Business Profile":
			found[ex.Heading] = true
			Profile(t, ex.Body)
		case "Platform Profile":
			found[ex.Heading] = true
			rec := &testkit.Recorder{TB: t}
			Profile(rec, ex.Body)
			if !rec.Failed() {
				t.Errorf("the platform profile of line %d passed as a business profile", ex.Line)
			}
		}
	}
	if len(found) != 2 {
		t.Errorf("overview.md: found examples under %v, want Business Profile and Platform Profile", found)
	}
}
