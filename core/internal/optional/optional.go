package optional

import "encoding/json"

// Value is a JSON field that may be absent, null, or set to a value.
type Value[T any] struct {
	// Set is true when the key was present in the JSON object.
	Set bool
	// Null is true when the key was present with the value null.
	Null bool
	// V is the decoded value when Set and not Null.
	V T
}

// Of returns a Value set to v.
func Of[T any](v T) Value[T] { return Value[T]{Set: true, V: v} }

// UnmarshalJSON records presence and decodes the value. encoding/json calls
// it only for keys that are present, including for null.
func (o *Value[T]) UnmarshalJSON(data []byte) error {
	o.Set = true
	if string(data) == "null" {
		o.Null = true
		var zero T
		o.V = zero
		return nil
	}
	return json.Unmarshal(data, &o.V)
}

// Present reports whether the key was present with a non-null value.
func (o Value[T]) Present() bool { return o.Set && !o.Null }
