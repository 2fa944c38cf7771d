package badgerstore

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// BenchmarkEncode measures the values a create stores: its session's
// record and its idempotency record, whose body (a session's JSON of
// about 4.7 kB here) is about as long as a create's answer.
func BenchmarkEncode(b *testing.B) {
	sess := fixtureContent().sessions[1]
	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sessionValue(sess); err != nil {
				b.Fatal(err)
			}
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

// BenchmarkCreateCommit measures the transaction that ends a create, on a
// store on disk: the new session and its idempotency record, stored
// together, with what Badger allocates to commit them.
func BenchmarkCreateCommit(b *testing.B) {
	st, err := Open(Options{Dir: b.TempDir(), SessionRetention: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	sess := *fixtureContent().sessions[1]
	body := mustMarshal(&sess)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		sess.ID = fmt.Sprintf("cs_bench_%d", n)
		err := st.Update(ctx, func(tx store.Tx) error {
			if err := tx.PutSession(&sess); err != nil {
				return err
			}
			return tx.PutIdempotencyRecord(sess.ID, &model.IdempotencyRecord{Fingerprint: "2026-04-17:" + sess.ID, Status: 201,
				ExpiresAt: sess.ExpiresAt, Body: body})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStockRead measures what pricing a create reads of the stock: a
// read-only transaction reading the levels of its two items.
func BenchmarkStockRead(b *testing.B) {
	st, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	figure := int64(100)
	skus := []string{"mug-classic", "guide-brewing-ebook"}
	err = st.UpdateStock(ctx, skus, func(tx store.Tx) error {
		for _, sku := range skus {
			if err := tx.PutStockLevel(&model.StockLevel{SKU: sku, OnHand: figure, FileFigure: &figure, SetAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		err := st.View(ctx, func(r store.Reader) error {
			for _, sku := range skus {
				if _, err := r.StockLevel(sku); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
