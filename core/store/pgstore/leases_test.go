package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

// TestFencingAcrossReplicas: a replica's commit checked by HoldsLease
// precedes any takeover by another: the other's TryAcquire, racing the
// commit, returns only once it is committed, and so sees what it wrote.
func TestFencingAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn})
	b := open(t, Options{DSN: dsn})
	old, _, ok, err := a.Leases().TryAcquire(ctx, "session/cs_x", 300*time.Millisecond)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	taken := make(chan error, 1)
	var once sync.Once
	err = a.Update(ctx, func(tx store.Tx) error {
		if err := tx.HoldsLease(old); err != nil {
			return err
		}
		once.Do(func() {
			go func() {
				// Once the lease lapses, b's takeover meets the row lock
				// of a's fencing check and waits for a's commit.
				var l store.Lease
				ok, err := false, error(nil)
				for deadline := time.Now().Add(10 * time.Second); err == nil && !ok && time.Now().Before(deadline); {
					l, _, ok, err = b.Leases().TryAcquire(ctx, "session/cs_x", time.Minute)
					if err == nil && !ok {
						time.Sleep(20 * time.Millisecond)
					}
				}
				if err == nil && !ok {
					err = errors.New("not granted")
				}
				if err == nil {
					err = b.View(ctx, func(r store.Reader) error { _, err := r.Session("cs_x"); return err })
				}
				if err == nil {
					err = b.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(l) })
				}
				taken <- err
			}()
			// Give the takeover every chance to overtake the commit:
			// the lease lapses meanwhile.
			time.Sleep(600 * time.Millisecond)
		})
		return tx.PutSession(&model.Session{ID: "cs_x", Status: model.StatusCompleted})
	})
	if err != nil {
		t.Fatalf("the holder's commit: %v", err)
	}
	if err := <-taken; err != nil {
		t.Errorf("the takeover after the commit: %v (it must see the holder's session)", err)
	}
	if err := a.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(old) }); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("the old holder after the takeover = %v; want ErrLeaseLost", err)
	}
}

// TestTakeoverDuringFencedTransaction: another replica takes the lease
// over after the holder's transaction took its snapshot and before its
// fencing check. The check's row lock meets a row changed since the
// snapshot (40001); the transaction runs again, sees the new token and
// ends with ErrLeaseLost, writing nothing.
func TestTakeoverDuringFencedTransaction(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn})
	b := open(t, Options{DSN: dsn})
	old, _, ok, err := a.Leases().TryAcquire(ctx, "session/cs_f", 50*time.Millisecond)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	time.Sleep(100 * time.Millisecond) // lapsed, not yet taken over
	attempts := 0
	err = a.Update(ctx, func(tx store.Tx) error {
		attempts++
		// The first statement takes the transaction's snapshot.
		if _, err := tx.Session("cs_f"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("read session: %w", err)
		}
		if attempts == 1 {
			if _, _, ok, err := b.Leases().TryAcquire(ctx, "session/cs_f", time.Minute); err != nil || !ok {
				return fmt.Errorf("takeover = %v, %v", ok, err)
			}
		}
		if err := tx.HoldsLease(old); err != nil {
			return err
		}
		return tx.PutSession(&model.Session{ID: "cs_f", Status: model.StatusCompleted})
	})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("the fenced transaction = %v; want ErrLeaseLost", err)
	}
	if attempts != 2 {
		t.Errorf("the fenced transaction ran %d times; want 2 (a serialization failure, then the new token)", attempts)
	}
	err = b.View(ctx, func(r store.Reader) error {
		if _, err := r.Session("cs_f"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the old holder's session after the takeover: %v; want none", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFirstUseSkew: a replica whose clock runs two hours ahead still sees
// a key another replica recorded a moment ago for a minute: the replay
// window is on the database's clock.
func TestFirstUseSkew(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn})
	b := open(t, Options{DSN: dsn})
	b.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if first, err := a.FirstUse(ctx, "sig/skew", time.Minute); err != nil || !first {
		t.Fatalf("FirstUse on a = %v, %v; want true", first, err)
	}
	if first, err := b.FirstUse(ctx, "sig/skew", time.Minute); err != nil || first {
		t.Errorf("FirstUse on a replica two hours ahead = %v, %v; want false (a replay)", first, err)
	}
}
