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

// openRPC is the part of mcp.openrpc.json ToolResult reads.
type openRPC struct {
	Methods []struct {
		Name string `json:"name"`
	} `json:"methods"`
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
	doc, err := transport[openRPC](dir, mcpFile)
	if err != nil {
		return "", err
	}
	for i, m := range doc.Methods {
		if m.Name == tool {
			return fmt.Sprintf("/methods/%d/result/schema", i), nil
		}
	}
	return "", fmt.Errorf("%s has no method %s", mcpFile, tool)
}

// escape escapes a JSON pointer token.
func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}
