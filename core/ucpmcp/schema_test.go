package ucpmcp

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/internal/ucpschema"
)

// validPayloads are payloads the release's schemas admit, by tool, with
// the operation whose request annotations apply.
var validPayloads = map[string]struct{ op, body string }{
	"create_checkout":   {op: "create", body: `{"line_items":[{"item":{"id":"item_1"},"quantity":1}]}`},
	"update_checkout":   {op: "update", body: `{"line_items":[{"item":{"id":"item_1"},"quantity":2}]}`},
	"complete_checkout": {op: "complete", body: `{"payment":{"instruments":[{"id":"pi_1","handler_id":"h_1","type":"card","credential":{"type":"PAYMENT_GATEWAY","token":"tok"}}]}}`},
	"search_catalog":    {body: `{"query":"shoes"}`},
	"lookup_catalog":    {body: `{"ids":["p1"]}`},
	"get_product":       {body: `{"id":"p1"}`},
}

// TestInputSchemasMatchOpenRPC checks each tool's input schema against
// the params mcp.openrpc.json gives its method: the same arguments, all
// required as there, and the same arguments accepted and refused (the
// payload's own schema excepted: the REST binding checks it).
func TestInputSchemasMatchOpenRPC(t *testing.T) {
	t.Parallel()
	if !ucpschema.Present(t) {
		return // the OpenRPC document is the subject
	}
	for _, tl := range tools {
		t.Run(tl.name, func(t *testing.T) {
			t.Parallel()
			in := tl.inputSchema()
			var names, required []string
			for _, p := range ucpschema.ToolParams(t, tl.name) {
				names = append(names, p.Name)
				if p.Required {
					required = append(required, p.Name)
				}
			}
			var ours []string
			for name := range in.Properties {
				ours = append(ours, name)
			}
			slices.Sort(names)
			slices.Sort(ours)
			slices.Sort(required)
			oursRequired := slices.Sorted(slices.Values(in.Required))
			if !slices.Equal(names, ours) || !slices.Equal(required, oursRequired) {
				t.Errorf("arguments %v (required %v), OpenRPC params %v (required %v)", ours, oursRequired, names, required)
			}
			resolved, err := in.Resolve(nil)
			if err != nil {
				t.Fatal(err)
			}
			payload := validPayloads[tl.name]
			for name, args := range argumentVariants(tl, payload.body) {
				data, _ := json.Marshal(args)
				var instance any
				_ = json.Unmarshal(data, &instance)
				oursErr := resolved.Validate(instance)
				theirs := ucpschema.ToolArguments(t, tl.name, payload.op, data)
				if (oursErr == nil) != (theirs == nil) {
					t.Errorf("%s: input schema says %v, OpenRPC says %v\nargs: %s", name, oursErr, theirs, data)
				}
			}
		})
	}
}

// argumentVariants are a tool's valid arguments and variations of them,
// each valid or not.
func argumentVariants(tl tool, payload string) map[string]map[string]any {
	valid := func() map[string]any {
		args := map[string]any{"meta": meta(key)}
		if tl.needsID() {
			args["id"] = "x_1"
		}
		if tl.payload != "" {
			args[tl.payload] = json.RawMessage(payload)
		}
		return args
	}
	out := map[string]map[string]any{"valid": valid()}
	for _, name := range []string{"meta", "id", tl.payload} {
		if args := valid(); args[name] != nil {
			delete(args, name)
			out["without "+name] = args
			args = valid()
			args[name] = 42
			out[name+" a number"] = args
		}
	}
	args := valid()
	args["meta"] = meta("")
	out["without an idempotency key"] = args
	args = valid()
	args["meta"] = map[string]any{"idempotency-key": key}
	out["without ucp-agent"] = args
	args = valid()
	args["meta"] = map[string]any{"ucp-agent": map[string]any{}, "idempotency-key": key}
	out["without a profile"] = args
	args = valid()
	args["meta"] = map[string]any{"ucp-agent": map[string]any{"profile": profile}, "idempotency-key": key, "trace": "t"}
	out["with more metadata"] = args
	return out
}

// TestOutputSchemaHoldsForExamples checks the declared output schema
// against the structured content of every result the MCP pages of the
// spec show, and that it refuses what is no UCP response.
func TestOutputSchemaHoldsForExamples(t *testing.T) {
	t.Parallel()
	resolved, err := outputSchema().Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range []string{"checkout-mcp.md", "order-mcp.md", "catalog/mcp.md"} {
		for _, ex := range ucpschema.DocExamples(t, page) {
			var msg struct {
				Result struct {
					StructuredContent json.RawMessage `json:"structuredContent"`
				} `json:"result"`
			}
			if !ex.JSON || json.Unmarshal(ex.Body, &msg) != nil || msg.Result.StructuredContent == nil {
				continue
			}
			var instance any
			_ = json.Unmarshal(msg.Result.StructuredContent, &instance)
			if err := resolved.Validate(instance); err != nil {
				t.Errorf("%s:%d: the output schema refuses %s: %v", page, ex.Line, msg.Result.StructuredContent, err)
			}
			checked++
		}
	}
	if ucpschema.Present(t) && checked < 5 {
		t.Errorf("only %d example results checked", checked)
	}
	for _, body := range []string{`{"id":"cs_1","status":"incomplete"}`, `{"ucp":"2026-04-08"}`, `[]`} {
		var instance any
		_ = json.Unmarshal([]byte(body), &instance)
		if resolved.Validate(instance) == nil {
			t.Errorf("the output schema accepts %s, which is no UCP response", body)
		}
	}
}
