package ucpschema

import (
	"fmt"
	"slices"
)

// Visibilities an annotation gives a property.
const (
	omit     = "omit"
	required = "required"
	optional = "optional"
)

// dataKeywords hold instances, not schemas: annotate leaves them alone.
var dataKeywords = map[string]bool{"const": true, "enum": true, "default": true, "examples": true, "example": true}

// annotate rewrites doc, a spec file, in place for view v, as the spec's
// generator (generate_schemas.py, whose output the spec's docs publish as
// the per-operation request and the response schemas) reads the ucp_*
// annotations of each property under "properties":
//
//   - a request view reads "ucp_request": a string applies to every
//     operation; an object maps operations to one, and an operation it
//     does not name keeps the property as the schema has it. "omit" takes
//     the property out of the required list and forbids it (its schema
//     becomes false); "required" adds it to the list; "optional" takes it
//     out.
//   - a document whose root says "ucp_shared_request": true has one
//     request reading for every operation: the create one.
//   - the response view reads "ucp_response": "omit" forbids the property.
//
// The generator drops an omitted property from "properties" and leaves
// the object's additionalProperties as it is (often true), which tolerates
// one sent anyway; forbidding it checks what the annotation means: the
// field is not sent.
func annotate(doc any, v view) error {
	if root, ok := doc.(map[string]any); ok && v.request && root["ucp_shared_request"] == true {
		v.op = "create"
	}
	return walk(doc, v, "")
}

// walk applies the view to every schema object below node (at path).
func walk(node any, v view, path string) error {
	switch n := node.(type) {
	case map[string]any:
		if props, ok := n["properties"].(map[string]any); ok {
			if err := applyVisibility(n, props, v, path); err != nil {
				return err
			}
		}
		for key, child := range n {
			if dataKeywords[key] {
				continue
			}
			if err := walk(child, v, path+"/"+key); err != nil {
				return err
			}
		}
	case []any:
		for i, child := range n {
			if err := walk(child, v, fmt.Sprintf("%s/%d", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyVisibility rewrites the properties of the object schema obj, and
// its required list, for the view.
func applyVisibility(obj, props map[string]any, v view, path string) error {
	req, _ := obj["required"].([]any)
	for name, prop := range props {
		vis, err := visibility(prop, v)
		if err != nil {
			return fmt.Errorf("%s/properties/%s: %w", path, name, err)
		}
		switch vis {
		case omit:
			props[name] = false
			req = slices.DeleteFunc(req, func(r any) bool { return r == name })
		case required:
			if !slices.Contains(req, any(name)) {
				req = append(req, name)
			}
		case optional:
			req = slices.DeleteFunc(req, func(r any) bool { return r == name })
		}
	}
	if req != nil || obj["required"] != nil {
		obj["required"] = req
	}
	return nil
}

// visibility returns what the view's annotation of prop says ("" when it
// says nothing), or an error for an annotation the spec does not define.
func visibility(prop any, v view) (string, error) {
	p, ok := prop.(map[string]any)
	if !ok {
		return "", nil
	}
	if !v.request {
		switch ann := p["ucp_response"]; ann {
		case nil:
			return "", nil
		case omit:
			return omit, nil
		default:
			return "", fmt.Errorf("ucp_response %v: only %q is defined", ann, omit)
		}
	}
	ann := p["ucp_request"]
	if byOp, ok := ann.(map[string]any); ok {
		ann = byOp[v.op]
	}
	switch ann {
	case nil:
		return "", nil
	case omit, required, optional:
		return ann.(string), nil
	default:
		return "", fmt.Errorf("ucp_request %v for %s: want %q, %q or %q", ann, v.op, omit, required, optional)
	}
}
