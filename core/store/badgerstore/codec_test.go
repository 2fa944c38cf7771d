package badgerstore

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/model"
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
	var s model.Session
	if err := unpackJSON(session, &s); err != nil || s.ID != "cs_1" {
		t.Errorf("plain JSON: %+v, %v", s, err)
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
