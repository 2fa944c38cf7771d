package ucpmcp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// FuzzArguments feeds arbitrary arguments to every tool: a call is
// refused with invalid params or invalid_profile_url before anything is
// dispatched, or becomes exactly one REST request on the tool's own
// route, with a UCP-Agent header; it never panics.
func FuzzArguments(f *testing.F) {
	for _, seed := range []string{
		`{"meta":{"ucp-agent":{"profile":"https://p.example/x.json"},"idempotency-key":"k"},"id":"cs_1","checkout":{"line_items":[]},"catalog":{"query":"q"}}`,
		`{"meta":{"ucp-agent":{"profile":"https://p.example/\"x\\"}},"id":"../../orders/o1"}`,
		`{"meta":{"ucp-agent":{"profile":null}},"id":7}`,
		`{"meta":[],"checkout":"x"}`,
		`{}`, `null`, `[]`, `"x"`, ``, `{"meta":{"ucp-agent":{"profile":"https://p.example/é"}}}`,
	} {
		for i := range tools {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, args []byte) {
		tl := tools[int(which)%len(tools)]
		schema, err := tl.inputSchema().Resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		r := &rest{status: http.StatusOK, body: checkout}
		res, fail := call(tl, schema, r, json.RawMessage(args), http.Header{})
		if fail != nil {
			if res != nil || fail.err == nil || fail.status != http.StatusBadRequest {
				t.Fatalf("refusal %+v with result %v", fail, res)
			}
			switch fail.err.Code {
			case jsonrpc.CodeInvalidParams:
			case -32001:
				if !strings.Contains(string(fail.err.Data), `"code":"invalid_profile_url"`) {
					t.Fatalf("-32001 with data %s", fail.err.Data)
				}
			default:
				t.Fatalf("refused with code %d", fail.err.Code)
			}
			if r.count() != 0 {
				t.Fatal("a refused call was dispatched")
			}
			return
		}
		if res == nil || r.count() != 1 {
			t.Fatalf("result %v after %d requests", res, r.count())
		}
		got := r.last(t)
		prefix, _, _ := strings.Cut(tl.path, idParam)
		if got.method != tl.method || !strings.HasPrefix(got.path, prefix) || strings.Contains(got.path, "..") || strings.ContainsAny(got.path, "?#%\\") ||
			strings.Count(got.path, "/") != strings.Count(tl.path, "/") {
			t.Fatalf("%s dispatched %s %s", tl.name, got.method, got.path)
		}
		if !strings.HasPrefix(got.header.Get("UCP-Agent"), `profile="`) {
			t.Fatalf("UCP-Agent %q", got.header.Get("UCP-Agent"))
		}
	})
}
