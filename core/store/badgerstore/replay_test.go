package badgerstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFirstUse(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	// Concurrent uses of one key: exactly one is first.
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			first, err := s.FirstUse(ctx, "sig-a", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Fatalf("%d concurrent first uses of one key, want 1", n)
	}
	if first, _ := s.FirstUse(ctx, "sig-b", time.Minute); !first {
		t.Error("another key is not a first use")
	}

	// The record ends with its TTL.
	if first, _ := s.FirstUse(ctx, "short", time.Second); !first {
		t.Fatal("first use of a new key reported as a replay")
	}
	time.Sleep(1100 * time.Millisecond)
	if first, _ := s.FirstUse(ctx, "short", time.Second); !first {
		t.Error("the key is still recorded after its TTL")
	}
}
