package acpschema

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// toolOutputs are the output schemas the tools of an MCP client session
// declare, compiled, by tool name.
var toolOutputs sync.Map // *mcp.ClientSession → map[string]*jsonschema.Schema

// CheckToolOutput validates body, a tool result's structuredContent as
// JSON, against the output schema tool declares in the tools/list of cs,
// as a client would: nil when it holds. The schemas are listed and
// compiled once per client session. An unknown tool, a tool without an
// output schema and one whose root is not an object (the MCP
// specification requires it) fail the test.
func CheckToolOutput(t testing.TB, cs *mcp.ClientSession, tool string, body []byte) error {
	t.Helper()
	compiled := declaredOutputs(t, cs)
	schema := compiled[tool]
	if schema == nil {
		t.Fatalf("the MCP server lists no tool %s", tool)
	}
	instance, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: structured content is not JSON: %v", tool, err)
	}
	return schema.Validate(instance)
}

// declaredOutputs returns the compiled output schemas of cs's tools.
func declaredOutputs(t testing.TB, cs *mcp.ClientSession) map[string]*jsonschema.Schema {
	t.Helper()
	if m, ok := toolOutputs.Load(cs); ok {
		return m.(map[string]*jsonschema.Schema)
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatalf("list tools: %v", err)
	}
	compiled := map[string]*jsonschema.Schema{}
	for _, tl := range list.Tools {
		raw, err := json.Marshal(tl.OutputSchema)
		if err != nil {
			t.Fatalf("%s output schema: %v", tl.Name, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s output schema: %v", tl.Name, err)
		}
		if root, _ := doc.(map[string]any); root == nil || root["type"] != "object" {
			t.Fatalf("%s declares output schema %s, want one of type object", tl.Name, raw)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("output.json", doc); err != nil {
			t.Fatalf("%s output schema: %v", tl.Name, err)
		}
		if compiled[tl.Name], err = c.Compile("output.json"); err != nil {
			t.Fatalf("%s output schema does not compile: %v\n%s", tl.Name, err, raw)
		}
	}
	toolOutputs.Store(cs, compiled)
	return compiled
}
