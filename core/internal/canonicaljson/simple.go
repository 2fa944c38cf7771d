package canonicaljson

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"sync"
)

// Most request bodies are simple JSON: ASCII strings without escapes,
// integers, literals, objects and arrays. For those the canonical form is
// the body without its whitespace and with every object's members sorted
// by name (the bytes of an ASCII name sort as its UTF-16 code units do),
// which appendSimple writes in one pass, in pooled memory, where the
// general transform builds a tree of the document first. Anything else,
// and anything the general transform would refuse, is left to it.

// maxSimpleDepth is the deepest nesting of objects and arrays that
// appendSimple handles; deeper documents take the general transform.
const maxSimpleDepth = 64

// maxSimpleDigits is the most digits an integer appendSimple handles may
// have: every integer of at most 15 digits is a float64 exactly, which
// RFC 8785 writes back as the same digits.
const maxSimpleDigits = 15

// simple is the state of one appendSimple: the document, the position
// read to, the canonical form written so far, and scratch memory for
// sorting members. Its memory is pooled (simples); nothing of it outlives
// the fingerprint computed from out.
type simple struct {
	in    []byte
	pos   int
	depth int
	out   []byte
	// members are the members of the objects being read, innermost
	// last; moved holds an object's members while they are written back
	// in order.
	members []member
	moved   []byte
}

// member is an object member: its name (in the document, without quotes)
// and where its canonical value is in out.
type member struct {
	name       []byte
	start, end int
}

var simples = sync.Pool{New: func() any { return new(simple) }}

// maxPooledSimple and maxPooledMembers bound the scratch kept for reuse:
// the rare large document does not keep its memory held in the pool.
const (
	maxPooledSimple  = 64 << 10
	maxPooledMembers = 1024
)

// simpleFingerprint returns the SHA-256 of body's canonical form and true
// when body is simple JSON (see above), and false otherwise.
func simpleFingerprint(body []byte) ([sha256.Size]byte, bool) {
	s := simples.Get().(*simple)
	defer s.release()
	s.in, s.pos, s.depth, s.out = body, 0, 0, s.out[:0]
	if !s.value() {
		return [sha256.Size]byte{}, false
	}
	if s.space(); s.pos != len(s.in) {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(s.out), true
}

// release clears s of the document and returns it to the pool, unless it
// grew too large.
func (s *simple) release() {
	s.in = nil
	clear(s.members[:cap(s.members)])
	s.members = s.members[:0]
	if cap(s.out) > maxPooledSimple || cap(s.moved) > maxPooledSimple || cap(s.members) > maxPooledMembers {
		return
	}
	simples.Put(s)
}

// space skips JSON whitespace.
func (s *simple) space() {
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value writes the canonical form of the value at pos, after any
// whitespace, and reports whether it is simple.
func (s *simple) value() bool {
	s.space()
	if s.pos >= len(s.in) {
		return false
	}
	switch c := s.in[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		str, ok := s.str()
		if ok {
			s.out = append(append(append(s.out, '"'), str...), '"')
		}
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return s.integer()
	default:
		return s.literal()
	}
}

// str reads the string at pos and returns its contents: printable ASCII
// other than the quote and the backslash, which are the same canonical.
func (s *simple) str() ([]byte, bool) {
	start := s.pos + 1
	for i := start; i < len(s.in); i++ {
		switch c := s.in[i]; {
		case c == '"':
			s.pos = i + 1
			return s.in[start:i], true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// integer writes the integer at pos: an optional minus and at most
// maxSimpleDigits digits without a leading zero, not -0, ending where
// the general transform ends a number.
func (s *simple) integer() bool {
	start := s.pos
	if s.in[s.pos] == '-' {
		s.pos++
	}
	digits := s.pos
	for s.pos < len(s.in) && s.in[s.pos] >= '0' && s.in[s.pos] <= '9' {
		s.pos++
	}
	n := s.pos - digits
	if n == 0 || n > maxSimpleDigits || n > 1 && s.in[digits] == '0' || s.in[start] == '-' && s.in[digits] == '0' || !s.ended() {
		return false
	}
	s.out = append(s.out, s.in[start:s.pos]...)
	return true
}

// literal writes the literal at pos: true, false or null.
func (s *simple) literal() bool {
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(s.in[s.pos:], []byte(lit)) {
			s.pos += len(lit)
			if !s.ended() {
				return false
			}
			s.out = append(s.out, lit...)
			return true
		}
	}
	return false
}

// ended reports whether a number or literal ends at pos: at the end of the
// document, or before whitespace, a comma or a closing bracket (the
// general transform reads anything else as part of the token).
func (s *simple) ended() bool {
	if s.pos == len(s.in) {
		return true
	}
	switch s.in[s.pos] {
	case ' ', '\t', '\n', '\r', ',', ']', '}':
		return true
	}
	return false
}

// array writes the array at pos, its elements in their order.
func (s *simple) array() bool {
	if s.depth++; s.depth > maxSimpleDepth {
		return false
	}
	s.pos++ // [
	s.out = append(s.out, '[')
	s.space()
	if s.pos < len(s.in) && s.in[s.pos] == ']' {
		s.pos++
		s.out = append(s.out, ']')
		s.depth--
		return true
	}
	for {
		if !s.value() {
			return false
		}
		s.space()
		if s.pos >= len(s.in) {
			return false
		}
		switch s.in[s.pos] {
		case ',':
			s.pos++
			s.out = append(s.out, ',')
		case ']':
			s.pos++
			s.out = append(s.out, ']')
			s.depth--
			return true
		default:
			return false
		}
	}
}

// object writes the object at pos with its members sorted by name. Its
// values are written first, in the document's order, then moved into the
// names' order; a name that occurs twice (which RFC 8785 refuses) is left
// to the general transform.
func (s *simple) object() bool {
	if s.depth++; s.depth > maxSimpleDepth {
		return false
	}
	s.pos++ // {
	s.out = append(s.out, '{')
	at := len(s.out)
	first := len(s.members)
	s.space()
	if s.pos < len(s.in) && s.in[s.pos] == '}' {
		s.pos++
		s.out = append(s.out, '}')
		s.depth--
		return true
	}
	for {
		s.space()
		if s.pos >= len(s.in) || s.in[s.pos] != '"' {
			return false
		}
		name, ok := s.str()
		if !ok {
			return false
		}
		s.space()
		if s.pos >= len(s.in) || s.in[s.pos] != ':' {
			return false
		}
		s.pos++
		start := len(s.out)
		if !s.value() {
			return false
		}
		s.members = append(s.members, member{name: name, start: start, end: len(s.out)})
		s.space()
		if s.pos >= len(s.in) {
			return false
		}
		if s.in[s.pos] == '}' {
			s.pos++
			break
		}
		if s.in[s.pos] != ',' {
			return false
		}
		s.pos++
	}
	members := s.members[first:]
	slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.name, b.name) })
	for i := 1; i < len(members); i++ {
		if bytes.Equal(members[i-1].name, members[i].name) {
			return false
		}
	}
	// The values move out of out, and back with their names, in order.
	s.moved = append(s.moved[:0], s.out[at:]...)
	s.out = s.out[:at]
	for i, m := range members {
		if i > 0 {
			s.out = append(s.out, ',')
		}
		s.out = append(append(append(s.out, '"'), m.name...), '"', ':')
		s.out = append(s.out, s.moved[m.start-at:m.end-at]...)
	}
	s.out = append(s.out, '}')
	clear(members)
	s.members = s.members[:first]
	s.depth--
	return true
}
