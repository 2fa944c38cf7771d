package host

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// countedDiscounts answers Evaluate with answer and counts the calls.
type countedDiscounts struct {
	calls  atomic.Int64
	answer func() (*catalog.DiscountResponse, error)
}

func (c *countedDiscounts) Evaluate(context.Context, *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	c.calls.Add(1)
	return c.answer()
}

// TestNotOfferedFor: a plugin's "not offered" answers the next calls for
// the hold, and only that answer does; once the hold is over the plugin
// is asked again.
func TestNotOfferedFor(t *testing.T) {
	failure := errors.New("backend down")
	tests := map[string]struct {
		err       error
		wantCalls int64 // of three calls within the hold
	}{
		"not offered is held":           {err: acp.ErrNotOffered, wantCalls: 1},
		"a wrapped not offered too":     {err: errors.Join(errors.New("no promotions file"), acp.ErrNotOffered), wantCalls: 1},
		"a failure is asked again":      {err: failure, wantCalls: 3},
		"discounts are asked each time": {wantCalls: 3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			plugin := &countedDiscounts{answer: func() (*catalog.DiscountResponse, error) {
				if tc.err != nil {
					return nil, tc.err
				}
				return &catalog.DiscountResponse{}, nil
			}}
			clock := time.Unix(1_800_000_000, 0)
			d := &notOfferedFor{next: plugin, hold: time.Second, now: func() time.Time { return clock }}
			for i := range 3 {
				_, err := d.Evaluate(context.Background(), &catalog.DiscountRequest{})
				if tc.err == nil && err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if errors.Is(tc.err, acp.ErrNotOffered) != errors.Is(err, acp.ErrNotOffered) {
					t.Fatalf("call %d: %v, want %v", i, err, tc.err)
				}
				clock = clock.Add(300 * time.Millisecond)
			}
			if got := plugin.calls.Load(); got != tc.wantCalls {
				t.Fatalf("the plugin was asked %d times, want %d", got, tc.wantCalls)
			}
			clock = clock.Add(time.Second)
			if _, _ = d.Evaluate(context.Background(), &catalog.DiscountRequest{}); plugin.calls.Load() != tc.wantCalls+1 {
				t.Fatalf("after the hold the plugin was asked %d times in all, want %d", plugin.calls.Load(), tc.wantCalls+1)
			}
		})
	}
}

// TestNotOfferedForConcurrently: calls from many goroutines while the
// plugin's answer changes from "not offered" to discounts (a promotions
// file added) ask it at most once per hold, and every call after the
// hold gets the discounts. Run with -race.
func TestNotOfferedForConcurrently(t *testing.T) {
	var offered atomic.Bool
	plugin := &countedDiscounts{answer: func() (*catalog.DiscountResponse, error) {
		if offered.Load() {
			return &catalog.DiscountResponse{}, nil
		}
		return nil, acp.ErrNotOffered
	}}
	var mu sync.Mutex
	clock := time.Unix(1_800_000_000, 0)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	d := &notOfferedFor{next: plugin, hold: time.Second, now: now}
	evaluateAll := func() (notOffered int64) {
		var wg sync.WaitGroup
		var count atomic.Int64
		for range 32 {
			wg.Go(func() {
				if _, err := d.Evaluate(context.Background(), &catalog.DiscountRequest{}); errors.Is(err, acp.ErrNotOffered) {
					count.Add(1)
				}
			})
		}
		wg.Wait()
		return count.Load()
	}
	// The first call asks; the others may have asked before its answer.
	if got := evaluateAll(); got != 32 {
		t.Fatalf("%d of 32 calls were not offered, want all", got)
	}
	asked := plugin.calls.Load()
	if got := evaluateAll(); got != 32 || plugin.calls.Load() != asked {
		t.Fatalf("within the hold: %d not offered, the plugin asked %d more times", got, plugin.calls.Load()-asked)
	}
	offered.Store(true)
	mu.Lock()
	clock = clock.Add(time.Second)
	mu.Unlock()
	if got := evaluateAll(); got != 0 {
		t.Fatalf("after the hold %d calls were still not offered", got)
	}
}
