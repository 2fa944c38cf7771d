package jsonpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// TypeName names the JSON type a Go kind (reflect.Kind's String, as
// json.UnmarshalTypeError gives it) decodes from: "integer", "number",
// "string", "boolean", "array" or "object"; "" for a kind no JSON value
// has.
func TypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int") && kind != "interface", strings.HasPrefix(kind, "uint"):
		return "integer"
	case strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "string":
		return "string"
	case kind == "bool":
		return "boolean"
	case kind == "slice", kind == "array":
		return "array"
	case kind == "map", kind == "struct", kind == "ptr":
		return "object"
	}
	return ""
}

// Describe names, with its article, the JSON value a Go kind decodes
// from: "an integer", "a string", "an object"…
func Describe(kind string) string {
	switch name := TypeName(kind); name {
	case "":
		return "of another type"
	case "integer", "array", "object":
		return "an " + name
	default:
		return "a " + name
	}
}

// AtOffset returns the RFC 9535 JSONPath of the first value in a JSON
// document whose token ends at or after byte offset. encoding/json reports
// type errors with an offset and a dotted field name that lacks array
// indexes; this recovers the precise path for the error's param.
func AtOffset(data []byte, offset int64) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*pathFrame
	for {
		tok, err := dec.Token()
		if err != nil {
			return renderPath(stack)
		}
		var top *pathFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].valueDone()
			}
			continue
		}
		if top != nil && !top.array && top.expectKey {
			top.key, _ = tok.(string)
			top.expectKey = false
			continue
		}
		// tok starts a value.
		if top != nil && top.array {
			top.index++
		}
		if dec.InputOffset() >= offset {
			return renderPath(stack)
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &pathFrame{array: d == '[', index: -1, expectKey: d == '{'})
			continue
		}
		if top != nil {
			top.valueDone()
		}
	}
}

// pathFrame is one open object or array while walking a document.
type pathFrame struct {
	array     bool
	index     int
	key       string
	expectKey bool
}

func (f *pathFrame) valueDone() {
	if !f.array {
		f.expectKey = true
	}
}

func renderPath(stack []*pathFrame) string {
	var b strings.Builder
	b.WriteString("$")
	for _, f := range stack {
		if f.array {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		} else {
			b.WriteString(Member(f.key))
		}
	}
	return b.String()
}

// Member renders an object member as ".name" or, when the name is not
// a plain identifier, as "['name']" with RFC 9535 escaping.
func Member(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return "." + name
	}
	var b strings.Builder
	b.WriteString("['")
	for _, r := range name {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("']")
	return b.String()
}
