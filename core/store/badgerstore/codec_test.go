package badgerstore

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/store/record"
)

func TestPack(t *testing.T) {
	t.Parallel()
	session := []byte(`{"id":"cs_1","line_items":[` + strings.Repeat(`{"id":"li_mug","title":"Classic mug","quantity":2},`, 20) + `{}]}`)
	testCases := map[string]struct {
		data     []byte
		wantPack bool
	}{
		"a session's JSON is compressed": {data: session, wantPack: true},
		"a short value is kept as it is": {data: []byte(`{"id":"cs_1"}`)},
		"incompressible data is kept":    {data: noise(512)},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			prefix := []byte("head")
			out := pack(prefix, tc.data)
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("pack did not append to dst: %q", out)
			}
			stored := out[len(prefix):]
			if got := packed(stored); got != tc.wantPack {
				t.Errorf("compressed = %v, want %v", got, tc.wantPack)
			}
			if tc.wantPack && len(stored) >= len(tc.data) {
				t.Errorf("packed %d bytes into %d", len(tc.data), len(stored))
			}
			got, err := unpack(stored)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Errorf("unpack(pack()) = %q, %v", got, err)
			}
		})
	}
	if _, err := unpack([]byte{compressedMark, 0xFF, 0xFF}); err == nil {
		t.Error("a corrupt compressed value decoded")
	}
}

// TestOpenRecord: a value names its record's format, and a value written
// before formats were numbered is format 0, compressed or not.
func TestOpenRecord(t *testing.T) {
	t.Parallel()
	session := []byte(`{"id":"cs_1","lines":[` + strings.Repeat(`{"id":"li_mug","item_id":"mug","quantity":2},`, 20) + `{}]}`)
	short := []byte(`{"id":"cs_1"}`)
	testCases := map[string]struct {
		val        []byte
		wantFormat int
		wantData   []byte
	}{
		"format 0, plain JSON":       {val: session, wantFormat: 0, wantData: session},
		"format 0, compressed":       {val: pack(nil, session), wantFormat: 0, wantData: session},
		"this release's, compressed": {val: sealRecord(record.CheckoutFormat, session), wantFormat: record.CheckoutFormat, wantData: session},
		"this release's, plain":      {val: sealRecord(record.CheckoutFormat, short), wantFormat: record.CheckoutFormat, wantData: short},
		"a later format":             {val: append([]byte{formatMark, 9}, short...), wantFormat: 9, wantData: short},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			format, data, err := openRecord(tc.val)
			if err != nil || format != tc.wantFormat || !bytes.Equal(data, tc.wantData) {
				t.Errorf("openRecord = %d, %q, %v; want %d, %q", format, data, err, tc.wantFormat, tc.wantData)
			}
		})
	}
	if got := sealRecord(record.CheckoutFormat, session); got[0] != formatMark || got[1] != record.CheckoutFormat || !packed(got[2:]) {
		t.Errorf("sealRecord wrote % x..., want the mark, format %d and a compressed record", got[:3], record.CheckoutFormat)
	}
	for _, bad := range [][]byte{{formatMark}, {formatMark, 1, compressedMark, 0xFF}} {
		if _, _, err := openRecord(bad); err == nil {
			t.Errorf("openRecord(% x) succeeded", bad)
		}
	}
}

// noise returns n bytes that do not compress.
func noise(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(out[i:], rng.Uint64())
	}
	return out
}
