package config

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	durationType   = reflect.TypeFor[time.Duration]()
	tlsVersionType = reflect.TypeFor[TLSVersion]()
)

// tagName is the YAML key of a struct field: its koanf tag.
func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("koanf"), ",")
	return name
}

// checkShape walks a parsed YAML value against the Go type it decodes
// into, the way mapstructure will, and reports every unknown key and every
// value of the wrong type with its path. It returns the value to decode:
// v itself where it fits, with unknown keys removed and wrongly typed
// values replaced by nil (the zero value), so that decoding cannot fail
// and validation can still look at everything else.
func checkShape(path string, v any, t reflect.Type, ps *problems) any {
	if v == nil {
		return nil
	}
	if t == durationType {
		return checkDuration(path, v, ps)
	}
	if t == tlsVersionType {
		return checkTLSVersion(path, v, ps)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return checkShape(path, v, t.Elem(), ps)
	case reflect.Struct:
		return checkStruct(path, v, t, ps)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			ps.add(path, "expected a list, got %s", describe(v))
			return nil
		}
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = checkShape(indexPath(path, i), e, t.Elem(), ps)
		}
		return out
	case reflect.Map:
		m, ok := asMap(v)
		if !ok {
			ps.add(path, "expected a mapping of names to values, got %s", describe(v))
			return nil
		}
		out := make(map[string]any, len(m))
		for _, k := range sortedKeys(m) {
			out[k] = checkShape(keyPath(path, k), m[k], t.Elem(), ps)
		}
		return out
	case reflect.String:
		return checkString(path, v, ps)
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			ps.add(path, "expected true or false, got %s", describe(v))
			return nil
		}
		return v
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return checkInt(path, v, t, ps)
	case reflect.Float32, reflect.Float64:
		return checkFloat(path, v, ps)
	case reflect.Interface:
		return checkFreeForm(path, v, ps)
	}
	// Config only uses the kinds above; anything else is a programming
	// error in Config, reported rather than panicking.
	ps.add(path, "cannot decode into Go type %s", t)
	return nil
}

// unknownKey starts the message of a key that matches no field.
const unknownKey = "unknown key"

// checkStruct checks a mapping against a struct's koanf tags, in field
// order, then reports the keys that match no field, sorted.
func checkStruct(path string, v any, t reflect.Type, ps *problems) any {
	m, ok := asMap(v)
	if !ok {
		ps.add(path, "expected a mapping of keys to values, got %s", describe(v))
		return nil
	}
	out := make(map[string]any, len(m))
	known := make(map[string]bool, t.NumField())
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := tagName(f)
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		known[name] = true
		names = append(names, name)
		if val, ok := m[name]; ok {
			out[name] = checkShape(keyPath(path, name), val, f.Type, ps)
		}
	}
	for _, k := range sortedKeys(m) {
		if !known[k] {
			ps.add(keyPath(path, k), "%s%s", unknownKey, didYouMean(k, names))
		}
	}
	return out
}

// checkString accepts a string. An unquoted date such as 2026-04-17 (an
// API version) is parsed by YAML as a timestamp; it is turned back into
// the date it was written as.
func checkString(path string, v any, ps *problems) any {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		if x.Location() == time.UTC && x.Equal(x.Truncate(24*time.Hour)) {
			return x.Format(time.DateOnly)
		}
		// An unquoted RFC 3339 time, such as a promotion's starts_at.
		return x.Format(time.RFC3339Nano)
	}
	switch v.(type) {
	case []any, map[string]any, map[any]any:
		ps.add(path, "expected a string, got %s", describe(v))
	default:
		ps.add(path, "expected a string, got %s; put the value in quotes", describe(v))
	}
	return nil
}

// checkDuration accepts a Go duration string such as "30s" or "6h".
func checkDuration(path string, v any, ps *problems) any {
	s, ok := v.(string)
	if !ok {
		ps.add(path, `expected a duration such as "30s" or "6h", got %s`, describe(v))
		return nil
	}
	if _, err := time.ParseDuration(s); err != nil {
		ps.add(path, `invalid duration %q: use a number with a unit: ms, s, m or h, e.g. "30s" or "6h"`, s)
		return nil
	}
	return s
}

// checkTLSVersion accepts a TLS version written as a string ("1.2") or,
// unquoted, as a number (1.2), which YAML parses as a decimal number; the
// number is turned back into the text it was written as. Validation then
// checks the value.
func checkTLSVersion(path string, v any, ps *problems) any {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int, int64, uint64:
		return fmt.Sprint(x)
	}
	ps.add(path, `expected a TLS version such as "1.3", got %s`, describe(v))
	return nil
}

// checkInt accepts a whole number that fits t. Decimal numbers are refused
// rather than truncated: amounts are in minor units, and "15.00" most
// likely means 1500, not 15.
func checkInt(path string, v any, t reflect.Type, ps *problems) any {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt64 {
			ps.add(path, "the number %d is too large", x)
			return nil
		}
		n = int64(x)
	case float64:
		ps.add(path, "expected a whole number, got %s%s", describe(v), amountHint(path))
		return nil
	default:
		ps.add(path, "expected a whole number, got %s", describe(v))
		return nil
	}
	if reflect.New(t).Elem().OverflowInt(n) {
		ps.add(path, "the number %d is too large", n)
		return nil
	}
	return n
}

// amountHint reminds that amounts are in minor units, for the keys that
// hold amounts.
func amountHint(path string) string {
	for _, suffix := range []string{"unit_price", ".flat", ".per_item", ".free_over", ".max_cart_total"} {
		if strings.HasSuffix(path, suffix) {
			return "; amounts are whole numbers of minor units, e.g. 1050 for 10.50"
		}
	}
	return ""
}

// checkFloat accepts any number.
func checkFloat(path string, v any, ps *problems) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float64:
		return x
	}
	ps.add(path, "expected a number, got %s", describe(v))
	return nil
}

// checkFreeForm accepts any YAML value that has a JSON form, for the
// free-form plugins[].config, and returns it in that form: mappings with
// string keys, lists, strings, numbers, booleans and null. Keys are kept
// whole, dots included. An unquoted date or timestamp, which YAML parses
// as a time, becomes the string it was written as (a date) or its RFC 3339
// form; an infinite or NaN number, which JSON cannot carry, is a problem.
func checkFreeForm(path string, v any, ps *problems) any {
	switch x := v.(type) {
	case nil, string, bool, int, int64, uint64:
		return x
	case float64:
		if !finite(x) {
			ps.add(path, "%v cannot be sent to the plugin as JSON; write a finite number, or quote it to send a string", x)
			return nil
		}
		return x
	case time.Time:
		if x.Location() == time.UTC && x.Equal(x.Truncate(24*time.Hour)) {
			return x.Format(time.DateOnly)
		}
		// An unquoted RFC 3339 time, such as a promotion's starts_at.
		return x.Format(time.RFC3339Nano)
		return x.Format(time.RFC3339Nano)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = checkFreeForm(indexPath(path, i), e, ps)
		}
		return out
	}
	if m, ok := asMap(v); ok {
		out := make(map[string]any, len(m))
		for _, k := range sortedKeys(m) {
			out[k] = checkFreeForm(keyPath(path, k), m[k], ps)
		}
		return out
	}
	ps.add(path, "%s cannot be sent to the plugin as JSON", describe(v))
	return nil
}

// asMap returns a YAML mapping with string keys. The YAML parser yields
// map[any]any when some key is not a string (e.g. "1: x"); such keys are
// formatted as strings, as koanf does.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			out[fmt.Sprint(k)] = val
		}
		return out, true
	}
	return nil, false
}

// sortedKeys returns a mapping's keys in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// describe names a parsed YAML value for a type error.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case int, int64, uint64:
		return fmt.Sprintf("the whole number %d", x)
	case float64:
		return fmt.Sprintf("the decimal number %v", x)
	case time.Time:
		return "the timestamp " + x.Format(time.RFC3339Nano)
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a mapping"
	}
	return fmt.Sprintf("a value of type %T", v)
}
