package badgerstore

import (
	"bytes"
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
		"incompressible data is kept":    {data: bytes.Repeat([]byte{0xA7, 0x13, 0x5C, 0xEF, 0x02, 0x91, 0x66, 0xD8}, 1)},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			packed := pack(tc.data)
			if got := len(packed) > 0 && packed[0] == compressedMark; got != tc.wantPack {
				t.Errorf("compressed = %v, want %v", got, tc.wantPack)
			}
			if tc.wantPack && len(packed) >= len(tc.data) {
				t.Errorf("packed %d bytes into %d", len(tc.data), len(packed))
			}
			got, err := unpack(packed)
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
