package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// TestPurge: what is past its expiry or retention goes, the rest stays.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{SessionRetention: time.Hour})
	now := time.Now()
	err := s.Update(ctx, func(tx store.Tx) error {
		for i, exp := range []time.Duration{time.Minute, 10 * time.Hour} {
			id := []string{"cs_short", "cs_long"}[i]
			if err := tx.PutSession(&model.Session{ID: id, Status: model.StatusCompleted, ExpiresAt: now.Add(exp)}); err != nil {
				return err
			}
			if err := tx.PutIdempotencyRecord(id, &model.IdempotencyRecord{ExpiresAt: now.Add(exp), Status: 200}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// One-time keys expire on the database's clock: one that lapsed.
	if _, err := s.pool.Exec(ctx, "INSERT INTO first_use (key, expires_at) VALUES ('sig/1', now() - interval '1 minute')"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FirstUse(ctx, "sig/2", time.Minute); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return now.Add(2 * time.Hour) }
	n, err := s.Purge(ctx)
	if err != nil || n != 3 {
		t.Errorf("Purge = %d, %v; want 3 rows (a session, an idempotency record, a one-time key)", n, err)
	}
	s.now = time.Now
	err = s.View(ctx, func(r store.Reader) error {
		if _, err := r.Session("cs_short"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("purged session: %v", err)
		}
		if _, err := r.Session("cs_long"); err != nil {
			t.Errorf("kept session: %v", err)
		}
		if _, err := r.IdempotencyRecord("cs_long"); err != nil {
			t.Errorf("kept record: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if first, _ := s.FirstUse(ctx, "sig/1", time.Minute); !first {
		t.Error("a purged one-time key is still known")
	}
	if first, _ := s.FirstUse(ctx, "sig/2", time.Minute); first {
		t.Error("a one-time key within its TTL was purged")
	}
}
