package acpwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/internal/jsonpath"
)

// decodeJSON decodes body into v and turns any failure into a flat ACP
// error whose param is the JSONPath of the offending value. Members v
// does not have are ignored, as ACP asks of agents' requests.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errEmptyBody
	}
	return decodeError(body, json.Unmarshal(body, v), nil)
}

// DecodeStrict decodes a request body like the ACP decoders, but also
// refuses a member v does not have (at its JSONPath), so that a misspelt
// field is reported rather than ignored. The merchant API uses it.
func DecodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errEmptyBody
	}
	// Syntax first, over the whole body (data after the value included).
	if err := decodeError(body, json.Unmarshal(body, new(json.RawMessage)), nil); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	return decodeError(body, dec.Decode(v), reflect.TypeOf(v))
}

var errEmptyBody = apierr.Invalid(apierr.CodeInvalidJSON, "$", "The request body is empty; a JSON object is required.")

// decodeError turns a decoding error into a flat ACP error; target is
// the type decoded into, which locates an unknown member.
func decodeError(body []byte, err error, target reflect.Type) error {
	if err == nil {
		return nil
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return apierr.Invalid(apierr.CodeInvalidJSON, "$", "The request body is not valid JSON (at byte %d): %s.", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		path := jsonpath.AtOffset(body, typeErr.Offset)
		return apierr.Invalid(apierr.CodeInvalidType, path, "%s must be %s, not %s.", path, jsonpath.Describe(typeErr.Type.Kind().String()), typeErr.Value)
	}
	// encoding/json's unknown-field error has no type of its own.
	var name string
	if _, scanErr := fmt.Sscanf(err.Error(), "json: unknown field %q", &name); scanErr == nil {
		var doc any
		_ = json.Unmarshal(body, &doc) // the body's syntax was checked first
		path := unknownMember(doc, target, "$", name)
		return apierr.Invalid(apierr.CodeInvalid, path, "Unknown field %s.", path)
	}
	// A custom UnmarshalJSON failed, e.g. a decimal where an integer is
	// required inside optional values.
	return apierr.Invalid(apierr.CodeInvalidJSON, "$", "The request body could not be decoded: %s.", err.Error())
}

// unknownMember returns the JSONPath of the member called name that the
// type t at path has no field for, walking the decoded document doc
// beside t; "$" when it cannot be found. Members are matched as
// encoding/json matches them: by json tag or field name, ignoring case.
func unknownMember(doc any, t reflect.Type, path, name string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "$"
	}
	switch v := doc.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return "$"
		}
		for _, key := range slices.Sorted(maps.Keys(v)) {
			field, ok := jsonField(t, key)
			if !ok && key == name {
				return path + jsonpath.Member(key)
			}
			if ok {
				if p := unknownMember(v[key], field.Type, path+jsonpath.Member(key), name); p != "$" {
					return p
				}
			}
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return "$"
		}
		for i, item := range v {
			if p := unknownMember(item, t.Elem(), path+"["+strconv.Itoa(i)+"]", name); p != "$" {
				return p
			}
		}
	}
	return "$"
}

// jsonField finds the field of struct type t that encoding/json decodes
// the member key into.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if f.IsExported() && name != "-" && strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
