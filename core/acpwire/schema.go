package acpwire

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"
)

// Operations of the checkout API whose request bodies RequestSchemas
// describes.
const (
	OpCreate   = "create"
	OpUpdate   = "update"
	OpComplete = "complete"
	OpCancel   = "cancel"
)

// RequestSchemas returns JSON Schemas (draft 2020-12, with no $ref) of the
// 2026 request bodies, generated from the very types the codec decodes
// them into, so they cannot drift from what the server accepts. Members
// the server ignores are allowed, as the decoder allows them (ACP-NOTES
// §12 #15); free-form members (capabilities, metadata, attribution, risk
// signals, consents, intent traces) are described only as objects, and
// their detail is checked by the decoder.
func RequestSchemas() (map[string]*jsonschema.Schema, error) {
	opts := &jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
		reflect.TypeFor[json.RawMessage](): {Type: "object"},
	}}
	out := map[string]*jsonschema.Schema{}
	for op, generate := range map[string]func() (*jsonschema.Schema, error){
		OpCreate:   func() (*jsonschema.Schema, error) { return jsonschema.For[wireCreate](opts) },
		OpUpdate:   func() (*jsonschema.Schema, error) { return jsonschema.For[wireUpdateShape](opts) },
		OpComplete: func() (*jsonschema.Schema, error) { return jsonschema.For[wireComplete](opts) },
		OpCancel:   func() (*jsonschema.Schema, error) { return jsonschema.For[wireCancel](opts) },
	} {
		s, err := generate()
		if err != nil {
			return nil, fmt.Errorf("generate the %s request schema: %w", op, err)
		}
		allowUnknownMembers(s)
		if items := s.Properties["line_items"]; items != nil && items.Items != nil {
			// quantity is read raw so that 2.0 counts as 2; it is a
			// positive whole number.
			one := 1.0
			items.Items.Properties["quantity"] = &jsonschema.Schema{Type: "number", Minimum: &one}
		}
		out[op] = s
	}
	return out, nil
}

// allowUnknownMembers drops the generated additionalProperties: false
// everywhere, matching the decoder, which ignores unknown members.
func allowUnknownMembers(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	s.AdditionalProperties = nil
	for _, p := range s.Properties {
		allowUnknownMembers(p)
	}
	allowUnknownMembers(s.Items)
}
