package acpplugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/google/jsonschema-go/jsonschema"
)

// ConfigSchemaFor returns the JSON Schema of T's JSON encoding, for
// ServeOpts.ConfigSchema, so that the Go struct a plugin decodes its
// configuration into is the one description of that configuration:
//
//	type Config struct {
//		Price int64  `json:"price" jsonschema:"price of one mug, in minor units"`
//		Note  string `json:"note,omitempty"`
//	}
//	opts.ConfigSchema = acpplugin.ConfigSchemaFor[Config]()
//
// A field is required unless its json tag says omitempty or omitzero; a
// struct admits no other keys; a jsonschema tag is the field's
// description; integer types are "integer", so 15.5 is refused, and
// unsigned ones are at least 0; a field whose type is a JSONTyper takes
// the JSON types it names. Rules a type cannot say (a positive price,
// a pattern) go in a Validate() error method on T, which DecodeConfig
// calls. It panics when T cannot be described in JSON Schema (a channel, a
// map with non-string keys): a programming error that the plugin's first
// test meets.
func ConfigSchemaFor[T any]() string {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: jsonTyperSchemas(reflect.TypeFor[T]())})
	if err != nil {
		panic(fmt.Sprintf("acpplugin.ConfigSchemaFor: %v", err))
	}
	data, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("acpplugin.ConfigSchemaFor: %v", err))
	}
	return string(data)
}

// JSONTyper is implemented by a configuration value's type that decodes
// itself (a json.Unmarshaler) from other JSON than its Go kind suggests: a
// tax rate written either "0.0725" or 0.0725 returns
// []string{"string", "number"}. ConfigSchemaFor describes a field of such
// a type by these JSON types alone (no types: any JSON value), keeping the
// field's description; the type's UnmarshalJSON and the configuration's
// Validate check the value itself. JSONTypes is called on the zero value.
type JSONTyper interface {
	JSONTypes() []string
}

// jsonTyperType is the reflect.Type of JSONTyper.
var jsonTyperType = reflect.TypeFor[JSONTyper]()

// jsonTyperSchemas returns the schema of each JSONTyper type reachable
// from t through pointers, slices, arrays, map values and exported struct
// fields, keyed by the type without its pointer (the key the schema
// derivation looks up).
func jsonTyperSchemas(t reflect.Type) map[reflect.Type]*jsonschema.Schema {
	schemas := map[reflect.Type]*jsonschema.Schema{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if seen[t] {
			return
		}
		seen[t] = true
		if reflect.PointerTo(t).Implements(jsonTyperType) {
			types := reflect.New(t).Interface().(JSONTyper).JSONTypes()
			s := &jsonschema.Schema{Types: slices.Clone(types)}
			if len(types) == 1 {
				s = &jsonschema.Schema{Type: types[0]}
			}
			schemas[t] = s
			return
		}
		switch t.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			walk(t.Elem())
		case reflect.Struct:
			for _, f := range reflect.VisibleFields(t) {
				if f.IsExported() {
					walk(f.Type)
				}
			}
		}
	}
	walk(t)
	return schemas
}

// validator is a configuration with rules its type cannot express.
type validator interface{ Validate() error }

// DecodeConfig decodes the JSON configuration that Configure receives into
// v, strictly: an unknown key is an error, so a typo in acp.yaml is caught
// at start rather than silently ignored. When v has a Validate() error
// method, DecodeConfig returns its error. Empty input leaves v unchanged
// (and unvalidated).
func DecodeConfig(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode plugin config: %w", err)
	}
	// dec.More would miss a stray closing } or ]: only the end of input
	// may follow the object.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("decode plugin config: trailing data after the JSON object")
	}
	if c, ok := v.(validator); ok {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("plugin config: %w", err)
		}
	}
	return nil
}
