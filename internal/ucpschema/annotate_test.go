package ucpschema

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAnnotate checks how each view reads the annotations, on small
// schemas of the spec's shapes (no spec files needed).
func TestAnnotate(t *testing.T) {
	t.Parallel()
	const object = `{"type":"object","required":["id","items"],"properties":{
		"id":{"type":"string","ucp_request":"omit"},
		"items":{"type":"array","ucp_request":{"create":"required","update":"required","complete":"omit"}},
		"note":{"type":"string","ucp_request":{"create":"optional"}},
		"pay":{"type":"object","ucp_request":{"create":"optional","complete":"required"}},
		"token":{"type":"string","ucp_response":"omit"}}}`
	testCases := map[string]struct {
		doc          string
		view         view
		wantRequired []string
		wantFalse    []string // properties forbidden
	}{
		"create":   {doc: object, view: view{request: true, op: "create"}, wantRequired: []string{"items"}, wantFalse: []string{"id"}},
		"update":   {doc: object, view: view{request: true, op: "update"}, wantRequired: []string{"items"}, wantFalse: []string{"id"}},
		"complete": {doc: object, view: view{request: true, op: "complete"}, wantRequired: []string{"pay"}, wantFalse: []string{"id", "items"}},
		"response": {doc: object, view: view{}, wantRequired: []string{"id", "items"}, wantFalse: []string{"token"}},
		"a shared request reads as create": {
			doc:  `{"ucp_shared_request":true,"type":"object","properties":{"id":{"ucp_request":{"create":"omit","update":"required"}}}}`,
			view: view{request: true, op: "update"}, wantFalse: []string{"id"},
		},
		"nested in allOf": {
			doc:  `{"allOf":[{"type":"object","properties":{"id":{"ucp_request":"omit"},"name":{"ucp_request":"required"}}}]}`,
			view: view{request: true, op: "create"}, wantFalse: []string{"id"},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var doc map[string]any
			if err := json.Unmarshal([]byte(tc.doc), &doc); err != nil {
				t.Fatal(err)
			}
			if err := annotate(doc, tc.view); err != nil {
				t.Fatalf("annotate() = %v", err)
			}
			obj := doc
			if all, ok := doc["allOf"].([]any); ok {
				obj = all[0].(map[string]any)
				tc.wantRequired = []string{"name"}
			}
			var required []string
			for _, r := range asSlice(obj["required"]) {
				required = append(required, r.(string))
			}
			if !sameSet(required, tc.wantRequired) {
				t.Errorf("required = %v, want %v", required, tc.wantRequired)
			}
			var forbidden []string
			for name, p := range obj["properties"].(map[string]any) {
				if p == false {
					forbidden = append(forbidden, name)
				}
			}
			if !sameSet(forbidden, tc.wantFalse) {
				t.Errorf("forbidden = %v, want %v", forbidden, tc.wantFalse)
			}
		})
	}
}

// TestAnnotateRefusesUnknownValues checks that an annotation the spec does
// not define is an error, not a silent include.
func TestAnnotateRefusesUnknownValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		doc  string
		view view
	}{
		{`{"properties":{"id":{"ucp_request":"hidden"}}}`, view{request: true, op: "create"}},
		{`{"properties":{"id":{"ucp_request":{"create":1}}}}`, view{request: true, op: "create"}},
		{`{"properties":{"id":{"ucp_request":true}}}`, view{request: true, op: "create"}},
		{`{"properties":{"id":{"ucp_response":"required"}}}`, view{}},
	} {
		var doc any
		if err := json.Unmarshal([]byte(tc.doc), &doc); err != nil {
			t.Fatal(err)
		}
		if err := annotate(doc, tc.view); err == nil {
			t.Errorf("annotate(%s, %s) = nil, want an error", tc.doc, tc.view)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func sameSet(a, b []string) bool {
	set := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range s {
			m[x] = true
		}
		return m
	}
	return len(a) == len(b) && reflect.DeepEqual(set(a), set(b))
}
