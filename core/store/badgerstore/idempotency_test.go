package badgerstore

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acp-sidecar/acp/core/model"
)

func TestIdempotencyRoundTrip(t *testing.T) {
	t.Parallel()
	testCases := map[string]*model.IdempotencyRecord{
		"session":    {Status: 201, ExpiresAt: time.Unix(0, 1798000000123456789), Fingerprint: "ab12", Body: []byte(`{"id":"cs_1"}`)},
		"empty body": {Status: 400, ExpiresAt: time.Unix(1798000000, 0), Fingerprint: "raw:ff"},
	}
	for name, rec := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := encodeIdempotency(rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeIdempotency(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(rec, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
	// A record written before bodies were compressed (version 1) reads.
	plain := append([]byte{recordVersionPlain, 0, 201, 0, 0, 0, 0, 0, 0, 0, 1, 2, 'f', 'p'}, []byte(`{"id":"cs_1"}`)...)
	if got, err := decodeIdempotency(plain); err != nil || got.Status != 201 || got.Fingerprint != "fp" || string(got.Body) != `{"id":"cs_1"}` {
		t.Errorf("decodeIdempotency(version 1) = %+v, %v", got, err)
	}
	for _, bad := range [][]byte{nil, {3, 0, 0}, {1, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 9, 'a'}, {2, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, compressedMark, 0xFF}} {
		if _, err := decodeIdempotency(bad); err == nil {
			t.Errorf("decodeIdempotency(%v) succeeded", bad)
		}
	}
}
