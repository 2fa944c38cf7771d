package mcpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/internal/acpschema"
)

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
					if err := acpschema.CheckToolOutput(t, cs, tl.name, raw); err != nil {
						t.Errorf("%s example %s (a valid %s) breaks the output schema: %v", version, name, kind, err)
					}
				}
				if seen["CheckoutSession"]+seen["CheckoutSessionWithOrder"] == 0 {
					t.Errorf("%s: no example session checked", version)
				}
			}
			for _, body := range []string{session, `{"type":"invalid_request","message":"no code"}`, `{"line_items":[],"currency":"usd"}`} {
				if err := acpschema.CheckToolOutput(t, cs, tl.name, []byte(body)); err == nil {
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
	data, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := acpschema.CheckToolOutput(t, cs, "get_checkout_session", data); err != nil || !strings.Contains(string(data), "not_found") {
		t.Errorf("error result %s breaks the output schema: %v", data, err)
	}
}

// TestOutputSchemaTopLevelProperties checks that every tool's declared
// output schema names at its top level each property of its session and
// error shapes, typed as there, and requires none of them there (a client
// reading only the top-level properties sees every member; the shapes'
// own requirements stay in their branches).
func TestOutputSchemaTopLevelProperties(t *testing.T) {
	t.Parallel()
	cs := connect(t, &rest{status: http.StatusOK, body: session}, ErrorStyleToolError)
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Type       string            `json:"type"`
		Properties map[string]schema `json:"properties"`
		Required   []string          `json:"required"`
		AnyOf      []schema          `json:"anyOf"`
	}
	for _, tl := range list.Tools {
		data, err := json.Marshal(tl.OutputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var s schema
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		if len(s.AnyOf) != 2 || len(s.Required) != 0 {
			t.Errorf("%s: output schema has %d branches and requires %v at the top, want 2 and none", tl.Name, len(s.AnyOf), s.Required)
		}
		for _, branch := range s.AnyOf {
			if len(branch.Properties) == 0 {
				t.Errorf("%s: a branch without properties", tl.Name)
			}
			for name, p := range branch.Properties {
				if top, ok := s.Properties[name]; !ok || top.Type != p.Type {
					t.Errorf("%s: top-level property %s = %+v, want type %q as in its branch", tl.Name, name, top, p.Type)
				}
			}
		}
	}
}
