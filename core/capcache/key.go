package capcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"time"
)

// maxDepth bounds the nesting keyOf follows; the SDK's requests are a few
// levels deep and have no cycles.
const maxDepth = 32

// timeType is time.Time's type, encoded as its instant and zone.
var timeType = reflect.TypeFor[time.Time]()

// keyOf returns the key of a request to rpc: a SHA-256 of rpc, the
// request's type and the encoding of every field of req. The encoding is
// unambiguous (fixed-size numbers, length-prefixed strings and lists, a
// marker for nil pointers, map entries in the order of their keys'
// encodings), so two requests share a key only if they are equal, up to
// SHA-256 collisions; a nil and an empty list, which the plugin protocol
// does not tell apart, encode alike. A request with a value it cannot
// encode (a func, a channel) is an error: such a request is not cached.
func keyOf(rpc string, req any) (key, error) {
	e := encoder{buf: make([]byte, 0, 512)}
	e.str(rpc)
	v := reflect.ValueOf(req)
	if !v.IsValid() {
		return key{}, errors.New("capcache: no request")
	}
	e.str(v.Type().String())
	if err := e.value(v, 0); err != nil {
		return key{}, err
	}
	return sha256.Sum256(e.buf), nil
}

// encoder appends values' encodings to buf.
type encoder struct{ buf []byte }

func (e *encoder) str(s string) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) u64(u uint64) { e.buf = binary.BigEndian.AppendUint64(e.buf, u) }

func (e *encoder) flag(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// value appends v's encoding; depth is its nesting.
func (e *encoder) value(v reflect.Value, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("capcache: a request nested deeper than %d levels", maxDepth)
	}
	if v.Type() == timeType {
		if !v.CanInterface() {
			return errors.New("capcache: a time in an unexported field")
		}
		b, err := v.Interface().(time.Time).MarshalBinary()
		if err != nil {
			return fmt.Errorf("capcache: %w", err)
		}
		e.str(string(b))
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		e.flag(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.u64(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.u64(v.Uint())
	case reflect.Float32, reflect.Float64:
		e.u64(math.Float64bits(v.Float()))
	case reflect.String:
		e.str(v.String())
	case reflect.Pointer:
		e.flag(!v.IsNil())
		if !v.IsNil() {
			return e.value(v.Elem(), depth+1)
		}
	case reflect.Interface:
		e.flag(!v.IsNil())
		if !v.IsNil() {
			e.str(v.Elem().Type().String())
			return e.value(v.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		e.buf = binary.AppendUvarint(e.buf, uint64(v.Len()))
		for i := range v.Len() {
			if err := e.value(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		return e.mapValue(v, depth)
	case reflect.Struct:
		for i := range v.NumField() {
			if err := e.value(v.Field(i), depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("capcache: cannot key a %s", v.Type())
	}
	return nil
}

// mapValue appends a map's length and its entries, each key's encoding
// then its value's, in the order of the keys' encodings.
func (e *encoder) mapValue(v reflect.Value, depth int) error {
	type pair struct{ k, v []byte }
	pairs := make([]pair, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		var ke, ve encoder
		if err := ke.value(it.Key(), depth+1); err != nil {
			return err
		}
		if err := ve.value(it.Value(), depth+1); err != nil {
			return err
		}
		pairs = append(pairs, pair{ke.buf, ve.buf})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return bytes.Compare(a.k, b.k) })
	e.buf = binary.AppendUvarint(e.buf, uint64(len(pairs)))
	for _, p := range pairs {
		e.buf = append(e.buf, p.k...)
		e.buf = append(e.buf, p.v...)
	}
	return nil
}
