package acpwire

import (
	"testing"
)

// benchCreate is the create the load generator and the host's benchmarks
// send to the demo store.
const benchCreate = `{"line_items":[{"id":"mug-classic","quantity":2},{"id":"guide-brewing-ebook"}],"currency":"usd","capabilities":{"interventions":{"supported":["3ds"]}}}`

// BenchmarkCodec measures the codec's share of a create: decoding its body
// (with its notices) and encoding the session answered.
func BenchmarkCodec(b *testing.B) {
	codec := legacyCodec(b, V20260417)
	b.Run("decode-create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.DecodeCreate([]byte(benchCreate)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("notices-create", func(b *testing.B) {
		body := []byte(benchCreate)
		b.ReportAllocs()
		for b.Loop() {
			memberNotices(V20260417, OpCreate, body)
		}
	})
	b.Run("encode-session", func(b *testing.B) {
		sess := testSession()
		sess.APIVersion = V20260417
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.EncodeSession(sess); err != nil {
				b.Fatal(err)
			}
		}
	})
}
