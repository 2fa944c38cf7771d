package badgerstore

import (
	"errors"
	"fmt"
	"slices"

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
	}
	return append(dst, data...)
}

// packRoom is the room pack may need behind dst for data of n bytes: the
// mark and the compressed form, or the data as it is. A dst with that room
// spare is packed into without a copy.
func packRoom(n int) int { return max(1+s2.MaxEncodedLen(n), n) }

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
	return pack(append(make([]byte, 0, 2+packRoom(len(data))), formatMark, byte(format)), data)
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
