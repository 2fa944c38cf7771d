package ucpschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The transport documents, relative to the release's source folder.
const (
	restFile = "services/shopping/rest.openapi.json"
	mcpFile  = "services/shopping/mcp.openrpc.json"
)

// Profile reports a test error when body is not a valid business profile
// (what /.well-known/ucp serves): the business_profile branch of
// source/discovery/profile_schema.json.
func Profile(t testing.TB, body []byte) {
	t.Helper()
	if err := check(t, view{}, base+"discovery/profile_schema.json#/$defs/business_profile", body); err != nil {
		t.Errorf("body is not a valid UCP %s business profile: %v\nbody: %s", Release, err, body)
	}
}

// Operation reports a test error when body is not a valid response of
// the REST operation operationID ("create_checkout", "get_order", …) with
// HTTP status status, against the schema rest.openapi.json gives that
// response (most are the resource or an error_response). An operation
// the document does not have, or a status it does not document for it,
// fails the test.
func Operation(t testing.TB, operationID string, status int, body []byte) {
	t.Helper()
	dir, ok := releaseDir(t)
	if !ok {
		return
	}
	ptr, err := restResponse(dir, operationID, status)
	if err != nil {
		t.Fatalf("ucpschema.Operation: %v", err)
	}
	if err := check(t, view{}, base+restFile+"#"+ptr, body); err != nil {
		t.Errorf("body is not a valid UCP %s %s response (HTTP %d): %v\nbody: %s", Release, operationID, status, err, body)
	}
}

// ToolResult reports a test error when structuredContent, the JSON of an
// MCP tool result's structured content, is not a valid result of the
// tool (a method of mcp.openrpc.json: "create_checkout", "get_order", …)
// against the result schema the method declares.
func ToolResult(t testing.TB, tool string, structuredContent []byte) {
	t.Helper()
	dir, ok := releaseDir(t)
	if !ok {
		return
	}
	ptr, err := mcpResult(dir, tool)
	if err != nil {
		t.Fatalf("ucpschema.ToolResult: %v", err)
	}
	if err := check(t, view{}, base+mcpFile+"#"+ptr, structuredContent); err != nil {
		t.Errorf("structured content is not a valid UCP %s %s result: %v\nbody: %s", Release, tool, err, structuredContent)
	}
}

// openAPI is the part of rest.openapi.json Operation reads.
type openAPI struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

// openRPC is the part of mcp.openrpc.json ToolResult, ToolParams and
// ToolArguments read.
type openRPC struct {
	Methods []struct {
		Name   string      `json:"name"`
		Params []ToolParam `json:"params"`
	} `json:"methods"`
}

// ToolParam is one param of a method of mcp.openrpc.json: one argument
// of the MCP tool of that name.
type ToolParam struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
}

// ToolParams returns the params of tool (a method of mcp.openrpc.json),
// in order; nil, after counting a check not made, when the spec files
// are absent. A tool the document does not have fails the test.
func ToolParams(t testing.TB, tool string) []ToolParam {
	t.Helper()
	dir, ok := releaseDir(t)
	if !ok {
		return nil
	}
	i, err := mcpMethod(dir, tool)
	if err != nil {
		t.Fatalf("ucpschema.ToolParams: %v", err)
	}
	doc, _ := transport[openRPC](dir, mcpFile) // mcpMethod read it
	return doc.Methods[i].Params
}

// ToolArguments returns nil when args, the JSON object of an MCP tool
// call's arguments, carry every param tool (a method of mcp.openrpc.json)
// requires and each param given is valid against its schema, read for
// requests of operation op ("create", "update", "complete"; "" for a
// tool whose params have no operation-specific annotations); else an
// error saying what is wrong. It returns nil, after counting a check not
// made, when the spec files are absent: callers comparing it with another
// validator check Present first.
func ToolArguments(t testing.TB, tool, op string, args []byte) error {
	t.Helper()
	dir, ok := releaseDir(t)
	if !ok {
		return nil
	}
	i, err := mcpMethod(dir, tool)
	if err != nil {
		t.Fatalf("ucpschema.ToolArguments: %v", err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(args, &members); err != nil || members == nil {
		return fmt.Errorf("arguments are not a JSON object: %s", args)
	}
	doc, _ := transport[openRPC](dir, mcpFile) // mcpMethod read it
	for j, p := range doc.Methods[i].Params {
		raw, ok := members[p.Name]
		if !ok {
			if p.Required {
				return fmt.Errorf("param %s is required", p.Name)
			}
			continue
		}
		url := fmt.Sprintf("%s%s#/methods/%d/params/%d/schema", base, mcpFile, i, j)
		if err := check(t, view{request: true, op: op}, url, raw); err != nil {
			return fmt.Errorf("param %s: %w", p.Name, err)
		}
	}
	return nil
}

var readJSON sync.Map // path → func() (any, error)

// transport reads a transport document of the release as a T
// once per test binary, and returns it.
func transport[T any](dir, file string) (*T, error) {
	path := filepath.Join(dir, "source", filepath.FromSlash(file))
	once, _ := readJSON.LoadOrStore(path, sync.OnceValues(func() (any, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var doc T
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		return &doc, nil
	}))
	doc, err := once.(func() (any, error))()
	if err != nil {
		return nil, err
	}
	return doc.(*T), nil
}

// restResponse returns the JSON pointer, in rest.openapi.json, of the
// schema of operationID's response with status (or its default one).
func restResponse(dir, operationID string, status int) (string, error) {
	doc, err := transport[openAPI](dir, restFile)
	if err != nil {
		return "", err
	}
	for path, item := range doc.Paths {
		for method, raw := range item {
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if json.Unmarshal(raw, &op) != nil || op.OperationID != operationID {
				continue
			}
			code := strconv.Itoa(status)
			if _, ok := op.Responses[code]; !ok {
				code = "default"
			}
			if _, ok := op.Responses[code]; !ok {
				return "", fmt.Errorf("%s documents no response with status %d", operationID, status)
			}
			return "/paths/" + escape(path) + "/" + method + "/responses/" + code + "/content/application~1json/schema", nil
		}
	}
	return "", fmt.Errorf("%s has no operation %s", restFile, operationID)
}

// mcpResult returns the JSON pointer, in mcp.openrpc.json, of tool's
// result schema.
func mcpResult(dir, tool string) (string, error) {
	i, err := mcpMethod(dir, tool)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/methods/%d/result/schema", i), nil
}

// mcpMethod returns the index of tool among mcp.openrpc.json's methods.
func mcpMethod(dir, tool string) (int, error) {
	doc, err := transport[openRPC](dir, mcpFile)
	if err != nil {
		return 0, err
	}
	for i, m := range doc.Methods {
		if m.Name == tool {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%s has no method %s", mcpFile, tool)
}

// escape escapes a JSON pointer token.
func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}
