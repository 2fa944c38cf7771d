package badgerstore

import (
	"bytes"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store/record"
)

// BenchmarkEncode measures the values a create stores: its session's
// record and its idempotency record, whose body (a session's JSON of
// about 4.7 kB here) is about as long as a create's answer.
func BenchmarkEncode(b *testing.B) {
	sess := fixtureContent().sessions[1]
	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, err := record.EncodeSession(sess)
			if err != nil {
				b.Fatal(err)
			}
			sealRecord(record.CheckoutFormat, data)
		}
	})
	b.Run("idempotency-record", func(b *testing.B) {
		rec := &model.IdempotencyRecord{Fingerprint: "2026-04-17:" + string(bytes.Repeat([]byte("ab"), 32)), Status: 201,
			ExpiresAt: time.Now(), Body: mustMarshal(sess)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeIdempotency(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
