package acpschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// The OpenAPI documents inside a version's folder: the webhook receiver's,
// and the checkout API's, whose Order the 2026-04-17 webhook schema
// references as ./openapi.agentic_checkout.yaml#/components/schemas/Order.
const (
	webhookFile  = "openapi.agentic_checkout_webhook.yaml"
	checkoutFile = "openapi.agentic_checkout.yaml"
)

// WebhookValidator validates order webhook bodies against one version's
// WebhookEvent schema, or counts its checks as not made when the spec files
// are absent (schema is nil), (components/schemas/WebhookEvent of its
// openapi/openapi.agentic_checkout_webhook.yaml).
//
// The OpenAPI 3.1 schemas are compiled as JSON Schema 2020-12 with format
// assertions on. OpenAPI-only keywords (nullable, example, discriminator,
// …) are unknown keywords there and are ignored, so a `nullable` member
// does not admit null.
type WebhookValidator struct {
	version string
	schema  *jsonschema.Schema
	notMade *atomic.Int64 // where a check not made is counted
}

var webhookValidators perVersion[*WebhookValidator]

// Webhook returns the webhook body validator of version, compiled once per
// version: a no-op one when the spec files are absent, and a failed test
// when the version has no webhook schema or it does not compile.
func Webhook(t testing.TB, version string) *WebhookValidator {
	t.Helper()
	dir, ok := specDir(t)
	if !ok {
		return &WebhookValidator{version: version, notMade: &notMade}
	}
	v, err := webhookValidators.get(version, func() (*WebhookValidator, error) { return compileWebhook(dir, version) })
	if err != nil {
		t.Fatalf("webhook schema of version %s: %v", version, err)
	}
	return v
}

func compileWebhook(dir, version string) (*WebhookValidator, error) {
	c := newCompiler()
	// Both documents sit in one folder under these URLs, so that the
	// relative $ref from the webhook document resolves to the other.
	base := "file:///acp-spec/" + version + "/openapi/"
	for _, name := range []string{webhookFile, checkoutFile} {
		path := filepath.Join(dir, version, "openapi", name)
		doc, err := readYAML(path)
		if err != nil {
			return nil, err
		}
		fixDraft04(doc)
		if err := c.AddResource(base+name, doc); err != nil {
			return nil, fmt.Errorf("add %s: %w", path, err)
		}
	}
	sch, err := c.Compile(base + webhookFile + "#/components/schemas/WebhookEvent")
	if err != nil {
		return nil, fmt.Errorf("compile WebhookEvent: %w", err)
	}
	return &WebhookValidator{version: version, schema: sch}, nil
}

// Check returns the validation error of body against WebhookEvent, or nil
// when it is valid. Without the spec files it counts a check not made and
// returns nil.
func (v *WebhookValidator) Check(body []byte) error {
	if v.schema == nil {
		v.notMade.Add(1)
		return nil
	}
	return validate(v.schema, body)
}

// Event reports a test error when body is not a valid webhook event of the
// validator's version.
func (v *WebhookValidator) Event(t testing.TB, body []byte) {
	t.Helper()
	if err := v.Check(body); err != nil {
		t.Errorf("body is not a valid %s WebhookEvent: %v\nbody: %s", v.version, err, body)
	}
}

// WebhookExamples returns the request body examples of a version's webhook
// document (requestBody.content["application/json"].examples of its
// operations) as JSON, by example name. It returns nil, counting a check
// not made, when the spec files are absent.
func WebhookExamples(t testing.TB, version string) map[string]json.RawMessage {
	t.Helper()
	dir, ok := specDir(t)
	if !ok {
		notMade.Add(1)
		return nil
	}
	path := filepath.Join(dir, version, "openapi", webhookFile)
	doc, err := readYAML(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	paths, _ := doc.(map[string]any)["paths"].(map[string]any)
	for _, pathItem := range sortedValues(paths) {
		operations, _ := pathItem.(map[string]any)
		for _, op := range sortedValues(operations) {
			content, _ := dig(op, "requestBody", "content", "application/json", "examples").(map[string]any)
			for name, example := range content {
				obj, _ := example.(map[string]any)
				value, ok := obj["value"]
				if !ok {
					continue
				}
				data, err := json.Marshal(value)
				if err != nil {
					t.Fatalf("example %s of %s: %v", name, path, err)
				}
				out[name] = data
			}
		}
	}
	return out
}

// readYAML reads a YAML document as the JSON-compatible values the schema
// compiler accepts (see jsonCompatible).
func readYAML(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	out, err := jsonCompatible(doc)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", path, err)
	}
	return out, nil
}

// jsonCompatible turns a decoded YAML value into what decoding the same
// document as JSON gives: maps with non-string keys (which YAML allows,
// e.g. an unquoted 200) get string keys, and the value is then passed
// through encoding/json and jsonschema.UnmarshalJSON, so that numbers
// become json.Number and timestamps strings.
func jsonCompatible(v any) (any, error) {
	data, err := json.Marshal(stringKeys(v))
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, child := range v {
			out[k] = stringKeys(child)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, child := range v {
			out[fmt.Sprint(k)] = stringKeys(child)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, child := range v {
			out[i] = stringKeys(child)
		}
		return out
	}
	return v
}

// dig follows object members from v; nil when one is missing.
func dig(v any, members ...string) any {
	for _, m := range members {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[m]
	}
	return v
}

// sortedValues returns the members of an object by key, for a stable
// traversal.
func sortedValues(m map[string]any) []any {
	var out []any
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}
