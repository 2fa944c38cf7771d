package capcache

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// filler sets every field of a value, down to the leaves, to a distinct
// non-zero value: two elements per list, every pointer set. It fails the
// test on a kind it does not know, so that a new kind of field in a
// request is not silently left out of the key tests.
type filler struct {
	t *testing.T
	n int
}

func (f *filler) fill(v reflect.Value) {
	f.t.Helper()
	f.n++
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, f.n, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				f.t.Fatalf("%v.%s: unexported field; teach filler about it", v.Type(), v.Type().Field(i).Name)
			}
			f.fill(v.Field(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			f.fill(v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k)
			f.fill(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", f.n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.n) + 0.5)
	default:
		f.t.Fatalf("cannot fill a %v; teach filler about it", v.Type())
	}
}

// filled returns a new *T with every field set (the same values on every
// call).
func filled[T any](t *testing.T) *T {
	v := new(T)
	(&filler{t: t}).fill(reflect.ValueOf(v).Elem())
	return v
}

// changes lists, for a value filled by filler, one change of each kind to
// each place in it: each leaf changed, each pointer made nil, each list
// shortened. Each change is a path (for the message) and a func that
// applies it to a value filled alike.
func changes(t reflect.Type) []change {
	var out []change
	var walk func(t reflect.Type, path string, at func(reflect.Value) reflect.Value)
	walk = func(t reflect.Type, path string, at func(reflect.Value) reflect.Value) {
		leaf := func(what string, do func(v reflect.Value)) {
			out = append(out, change{path + " " + what, func(root reflect.Value) { do(at(root)) }})
		}
		if t == timeType {
			leaf("+1ns", func(v reflect.Value) { v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(1))) })
			return
		}
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				walk(t.Field(i).Type, path+"."+t.Field(i).Name, func(root reflect.Value) reflect.Value { return at(root).Field(i) })
			}
		case reflect.Pointer:
			leaf("nil", func(v reflect.Value) { v.Set(reflect.Zero(v.Type())) })
			walk(t.Elem(), path, func(root reflect.Value) reflect.Value { return at(root).Elem() })
		case reflect.Slice:
			leaf("shortened", func(v reflect.Value) { v.Set(v.Slice(0, 1)) })
			leaf("swapped", func(v reflect.Value) { reflect.Swapper(v.Interface())(0, 1) })
			for i := range 2 {
				walk(t.Elem(), fmt.Sprintf("%s[%d]", path, i), func(root reflect.Value) reflect.Value { return at(root).Index(i) })
			}
		case reflect.String:
			leaf("+x", func(v reflect.Value) { v.SetString(v.String() + "x") })
		case reflect.Bool:
			leaf("flipped", func(v reflect.Value) { v.SetBool(!v.Bool()) })
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			leaf("+1", func(v reflect.Value) { v.SetInt(v.Int() + 1) })
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			leaf("+1", func(v reflect.Value) { v.SetUint(v.Uint() + 1) })
		case reflect.Float32, reflect.Float64:
			leaf("+1", func(v reflect.Value) { v.SetFloat(v.Float() + 1) })
		}
	}
	walk(t, t.String(), func(root reflect.Value) reflect.Value { return root })
	return out
}

type change struct {
	path  string
	apply func(root reflect.Value)
}

// keyChanges checks that every change to a filled *T changes its key,
// and that a value filled alike has the same key.
func keyChanges[T any](t *testing.T, rpc string) {
	t.Helper()
	base, err := keyOf(rpc, filled[T](t))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := keyOf(rpc, filled[T](t)); again != base {
		t.Fatalf("%T: two equal requests have different keys", *new(T))
	}
	if other, _ := keyOf(rpc+"x", filled[T](t)); other == base {
		t.Errorf("%T: the same request to another RPC has the same key", *new(T))
	}
	all := changes(reflect.TypeFor[T]())
	if len(all) < 10 {
		t.Fatalf("%T: only %d changes found", *new(T), len(all))
	}
	for _, ch := range all {
		v := filled[T](t)
		ch.apply(reflect.ValueOf(v).Elem())
		k, err := keyOf(rpc, v)
		if err != nil {
			t.Errorf("%s: %v", ch.path, err)
			continue
		}
		if k == base {
			t.Errorf("%s: the key did not change", ch.path)
		}
	}
}

// TestKeyCoversEveryField: a change to any field of a tax or shipping
// request, at any depth, changes its key; an equal request has the same.
func TestKeyCoversEveryField(t *testing.T) {
	t.Parallel()
	t.Run("tax", func(t *testing.T) { t.Parallel(); keyChanges[tax.QuoteRequest](t, "tax.Quote") })
	t.Run("shipping", func(t *testing.T) { t.Parallel(); keyChanges[shipping.QuoteRequest](t, "shipping.Quote") })
}

// TestKeyCases: encodings that a naive encoding would confuse.
func TestKeyCases(t *testing.T) {
	t.Parallel()
	type withMap struct{ M map[string]int }
	type pair struct{ A, B string }
	type withAny struct{ V any }
	tests := []struct {
		name string
		a, b any
		same bool
	}{
		{"strings split differently", &pair{"ab", "c"}, &pair{"a", "bc"}, false},
		{"nil and empty address", &tax.QuoteRequest{}, &tax.QuoteRequest{Destination: &acp.Address{}}, false},
		{"nil and empty lines (alike on the wire)", &tax.QuoteRequest{}, &tax.QuoteRequest{Lines: []tax.Line{}}, true},
		{"map order does not matter", &withMap{map[string]int{"a": 1, "b": 2}}, &withMap{map[string]int{"b": 2, "a": 1}}, true},
		{"map values do", &withMap{map[string]int{"a": 1, "b": 2}}, &withMap{map[string]int{"a": 2, "b": 1}}, false},
		{"dynamic types differ", &withAny{int64(1)}, &withAny{uint64(1)}, false},
		{"same instant, another zone", &shipping.Option{EarliestDelivery: time.Unix(0, 0).UTC()},
			&shipping.Option{EarliestDelivery: time.Unix(0, 0).In(time.FixedZone("X", 3600))}, false},
		{"request types differ", &tax.QuoteRequest{Currency: "usd"}, &shipping.QuoteRequest{Currency: "usd"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, errA := keyOf("rpc", tc.a)
			b, errB := keyOf("rpc", tc.b)
			if errA != nil || errB != nil {
				t.Fatal(errA, errB)
			}
			if (a == b) != tc.same {
				t.Errorf("keys equal = %v, want %v", a == b, tc.same)
			}
		})
	}
	if _, err := keyOf("rpc", &struct{ F func() }{}); err == nil {
		t.Error("a request with a func was keyed")
	}
}

// TestDeepCopyShares nothing: a filled answer's copy is equal to it and
// shares no pointer, list or map with it.
func TestDeepCopyShares(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]any{"tax": filled[tax.QuoteResponse](t), "shipping": filled[shipping.QuoteResponse](t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := cloneValue(reflect.ValueOf(v))
			if !reflect.DeepEqual(v, c.Interface()) {
				t.Fatalf("copy %+v differs from %+v", c.Interface(), v)
			}
			shared(t, reflect.ValueOf(v), c, name)
		})
	}
}

// shared fails the test on every pointer, list or map a and b share.
func shared(t *testing.T, a, b reflect.Value, path string) {
	t.Helper()
	if a.Type() == timeType {
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			t.Errorf("%s: the same pointer", path)
		}
		if !a.IsNil() {
			shared(t, a.Elem(), b.Elem(), path)
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			t.Errorf("%s: the same backing array", path)
		}
		for i := range a.Len() {
			shared(t, a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			t.Errorf("%s: the same map", path)
		}
	case reflect.Struct:
		for i := range a.NumField() {
			shared(t, a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
		}
	}
}
