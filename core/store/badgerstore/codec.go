package badgerstore

import (
	"encoding/json"
	"fmt"

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

// pack compresses data behind compressedMark when that makes it smaller.
func pack(data []byte) []byte {
	if len(data) < minCompress {
		return data
	}
	enc := s2.Encode(nil, data)
	if 1+len(enc) >= len(data) {
		return data
	}
	return append([]byte{compressedMark}, enc...)
}

// unpack reverses pack.
func unpack(val []byte) ([]byte, error) {
	if len(val) == 0 || val[0] != compressedMark {
		return val, nil
	}
	data, err := s2.Decode(nil, val[1:])
	if err != nil {
		return nil, fmt.Errorf("decompress value: %w", err)
	}
	return data, nil
}

// packJSON encodes v as JSON and packs it.
func packJSON(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return pack(data), nil
}

// unpackJSON unpacks val and decodes its JSON into v.
func unpackJSON(val []byte, v any) error {
	data, err := unpack(val)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
