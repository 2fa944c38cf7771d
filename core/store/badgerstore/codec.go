package badgerstore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"
)

// Values are compressed with S2 (a faster Snappy) when that saves space:
// a session's or order's JSON shrinks to about a third, and the store's
// disk, the value log's share of resident memory (Badger maps its files)
// and the bytes every write moves to about half. A compressed value starts with
// compressedMark, which JSON never starts with; a value written before
// compression existed (plain JSON) still reads.
const compressedMark = 0x01

// minCompress is the size below which values are stored as they are.
const minCompress = 128

// pack appends data to dst, compressed behind compressedMark when that
// makes it smaller.
func pack(dst, data []byte) []byte {
	if len(data) >= minCompress {
		n := len(dst)
		out := append(slices.Grow(dst, 1+s2.MaxEncodedLen(len(data))), compressedMark)
		// s2 encodes into the room behind the mark, with no copy.
		enc := s2.Encode(out[n+1:cap(out)], data)
		if 1+len(enc) < len(data) {
			return out[:n+1+len(enc)]
		}
		// Stored as it is, in the memory grown for it.
		dst = out[:n]
	}
	return append(dst, data...)
}

// packed reports whether val was compressed by pack.
func packed(val []byte) bool { return len(val) > 0 && val[0] == compressedMark }

// unpack reverses pack: a compressed value is decoded into new memory, any
// other is returned as it is.
func unpack(val []byte) ([]byte, error) {
	if !packed(val) {
		return val, nil
	}
	data, err := s2.Decode(nil, val[1:])
	if err != nil {
		return nil, fmt.Errorf("decompress value: %w", err)
	}
	return data, nil
}

// A value holding a session, order or webhook event names the format of
// its record (package record): formatMark, the format as one byte, then
// the record's JSON, packed. A value that does not start with formatMark
// was written before formats were numbered: format 0, the packed JSON
// alone (it starts with compressedMark or '{').
const formatMark = 0x02

// sealRecord returns the value storing a record written in format.
func sealRecord(format int, data []byte) []byte {
	b := getValueBuffer()
	defer b.release()
	return b.sealRecord(format, data)
}

// valueBuffer is the scratch memory a value is made in: a record's JSON,
// and the value packed (a compressed value needs room for the worst case
// of S2, more than the whole JSON, while it is written). A value is
// copied out of it at its final length: Badger keeps every value until
// its transaction commits, and a transaction retried after a conflict
// makes its values again, so no pooled memory is ever handed to Badger or
// returned.
type valueBuffer struct {
	json   bytes.Buffer
	packed []byte
}

var valueBuffers = sync.Pool{New: func() any { return new(valueBuffer) }}

// maxPooledBuffer is the largest buffer kept for reuse: the rare record
// far larger than most (a cart of many lines, long metadata) does not
// keep its memory held in the pool.
const maxPooledBuffer = 64 << 10

func getValueBuffer() *valueBuffer { return valueBuffers.Get().(*valueBuffer) }

// release returns b to the pool, unless it grew too large; b must not be
// used after.
func (b *valueBuffer) release() {
	if b.json.Cap() > maxPooledBuffer || cap(b.packed) > maxPooledBuffer {
		return
	}
	b.json.Reset()
	b.packed = b.packed[:0]
	valueBuffers.Put(b)
}

// sealRecord is the package's sealRecord, made in b.
func (b *valueBuffer) sealRecord(format int, data []byte) []byte {
	return b.value(pack(append(b.packed[:0], formatMark, byte(format)), data))
}

// value keeps v, made in b.packed, as b's packed buffer (grown, it is
// kept grown) and returns a copy of it in new memory of its length.
func (b *valueBuffer) value(v []byte) []byte {
	b.packed = v
	return bytes.Clone(v)
}

// openRecord returns the format and JSON of a value sealRecord wrote, or
// of a format-0 value; the JSON may alias val.
func openRecord(val []byte) (format int, data []byte, err error) {
	if len(val) > 0 && val[0] == formatMark {
		if len(val) < 2 {
			return 0, nil, errors.New("record value ends after its format mark")
		}
		format, val = int(val[1]), val[2:]
	}
	data, err = unpack(val)
	return format, data, err
}
