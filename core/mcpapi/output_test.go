package mcpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/internal/acpschema"
)

// declaredOutput returns the output schema a client sees for tool, resolved
// for validation, failing the test when the tool declares none or one
// whose root is not an object (the MCP specification requires it).
func declaredOutput(t *testing.T, cs *mcp.ClientSession, tool string) *jsonschema.Resolved {
	t.Helper()
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range list.Tools {
		if tl.Name != tool {
			continue
		}
		data, err := json.Marshal(tl.OutputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var s jsonschema.Schema
		if err := json.Unmarshal(data, &s); err != nil || s.Type != "object" {
			t.Fatalf("%s declares output schema %s (%v), want one of type object", tool, data, err)
		}
		resolved, err := s.Resolve(nil)
		if err != nil {
			t.Fatalf("%s output schema: %v", tool, err)
		}
		return resolved
	}
	t.Fatalf("no tool %s", tool)
	return nil
}

// TestOutputSchemaHoldsForEveryVersion checks the declared output schema
// of every tool against every session, completed session and error the
// specification of each served version shows in its examples (those that
// are valid for their version), and that it refuses what is neither.
func TestOutputSchemaHoldsForEveryVersion(t *testing.T) {
	t.Parallel()
	cs := connect(t, &rest{status: http.StatusOK, body: session}, ErrorStyleToolError)
	for _, tl := range tools {
		t.Run(tl.name, func(t *testing.T) {
			t.Parallel()
			output := declaredOutput(t, cs, tl.name)
			for _, version := range acpwire.Versions() {
				examples := acpschema.Examples(t, version, "examples.agentic_checkout.json")
				if examples == nil {
					return
				}
				v := acpschema.For(t, version)
				seen := map[string]int{}
				for name, raw := range examples {
					kind := ""
					for _, def := range []string{"CheckoutSessionWithOrder", "CheckoutSession", "Error"} {
						if v.Check(def, raw) == nil {
							kind = def
							break
						}
					}
					if kind == "" {
						continue
					}
					seen[kind]++
					var instance any
					if err := json.Unmarshal(raw, &instance); err != nil {
						t.Fatal(err)
					}
					if err := output.Validate(instance); err != nil {
						t.Errorf("%s example %s (a valid %s) breaks the output schema: %v", version, name, kind, err)
					}
				}
				if seen["CheckoutSession"]+seen["CheckoutSessionWithOrder"] == 0 {
					t.Errorf("%s: no example session checked", version)
				}
			}
			for _, body := range []string{session, `{"type":"invalid_request","message":"no code"}`, `{"line_items":[],"currency":"usd"}`} {
				var instance any
				_ = json.Unmarshal([]byte(body), &instance)
				if err := output.Validate(instance); err == nil {
					t.Errorf("output schema accepts %s, which is neither a session nor an error", body)
				}
			}
		})
	}
}

// TestToolErrorsKeepTheOutputSchema checks that a tool error's
// structuredContent, ACP's flat error, satisfies the declared schema, as
// a client may check it whether or not isError is set.
func TestToolErrorsKeepTheOutputSchema(t *testing.T) {
	t.Parallel()
	body := `{"type":"invalid_request","code":"not_found","message":"No checkout session cs_1.","param":"$.id"}`
	cs := connect(t, &rest{status: http.StatusNotFound, body: body}, ErrorStyleToolError)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_checkout_session",
		Arguments: map[string]any{"meta": map[string]any{"api_version": acpwire.V20260417}, "id": "cs_1"}})
	if err != nil || !res.IsError {
		t.Fatalf("result = %+v, %v; want a tool error", res, err)
	}
	data, _ := json.Marshal(res.StructuredContent)
	var instance any
	_ = json.Unmarshal(data, &instance)
	if err := declaredOutput(t, cs, "get_checkout_session").Validate(instance); err != nil || !strings.Contains(string(data), "not_found") {
		t.Errorf("error result %s breaks the output schema: %v", data, err)
	}
}
