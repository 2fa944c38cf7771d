package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// t0 is the start of every test's clock.
var t0 = time.Date(2026, 4, 17, 12, 0, 0, 0, time.UTC)

// mustNew returns New(rps, burst), failing the test on an error.
func mustNew(t *testing.T, rps float64, burst int) *Limiter {
	t.Helper()
	l, err := New(rps, burst)
	if err != nil {
		t.Fatalf("New(%v, %d) error = %v", rps, burst, err)
	}
	return l
}

// drain takes every token agent has at now and returns how many it took.
func drain(t *testing.T, l *Limiter, agent string, now time.Time) int {
	t.Helper()
	for n := 0; n < 1_000_000; n++ {
		if ok, _ := l.Allow(agent, now); !ok {
			return n
		}
	}
	t.Fatalf("agent %q was never refused", agent)
	return 0
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rps       float64
		burst     int
		wantErr   bool
		unlimited bool
	}{
		"limited":                     {rps: 20, burst: 40},
		"fractional rate":             {rps: 0.5, burst: 1},
		"0 is unlimited":              {rps: 0, burst: 40, unlimited: true},
		"unlimited ignores the burst": {rps: 0, burst: -1, unlimited: true},
		"negative rate":               {rps: -1, burst: 1, wantErr: true},
		"NaN rate":                    {rps: math.NaN(), burst: 1, wantErr: true},
		"infinite rate":               {rps: math.Inf(1), burst: 1, wantErr: true},
		"burst 0":                     {rps: 1, burst: 0, wantErr: true},
		"negative burst":              {rps: 1, burst: -5, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l, err := New(tc.rps, tc.burst)
			if (err != nil) != tc.wantErr {
				t.Fatalf("New(%v, %d) error = %v, want error: %v", tc.rps, tc.burst, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if l.unlimited != tc.unlimited {
				t.Errorf("unlimited = %v, want %v", l.unlimited, tc.unlimited)
			}
		})
	}
}

// TestAllowBurstThenRefusal checks that a burst is allowed, the next
// request refused with the time until the next token, and that refused
// requests take no token.
func TestAllowBurstThenRefusal(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rps       float64
		burst     int
		wantRetry time.Duration
	}{
		"2 per second, burst 3":  {rps: 2, burst: 3, wantRetry: 500 * time.Millisecond},
		"20 per second, burst 1": {rps: 20, burst: 1, wantRetry: 50 * time.Millisecond},
		"one every 2 seconds":    {rps: 0.5, burst: 2, wantRetry: 2 * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, tc.rps, tc.burst)
			for i := range tc.burst {
				if ok, retry := l.Allow("a", t0); !ok || retry != 0 {
					t.Fatalf("request %d of the burst: Allow() = %v, %s; want true, 0", i+1, ok, retry)
				}
			}
			// Many refusals at the same instant all report the same wait:
			// none of them took a token.
			for i := range 10 {
				if ok, retry := l.Allow("a", t0); ok || retry != tc.wantRetry {
					t.Fatalf("refusal %d: Allow() = %v, %s; want false, %s", i+1, ok, retry, tc.wantRetry)
				}
			}
			// Halfway to the next token the wait has halved.
			if ok, retry := l.Allow("a", t0.Add(tc.wantRetry/2)); ok || retry != tc.wantRetry/2 {
				t.Fatalf("halfway: Allow() = %v, %s; want false, %s", ok, retry, tc.wantRetry/2)
			}
			// Exactly when the wait is over, one request is allowed.
			at := t0.Add(tc.wantRetry)
			if ok, _ := l.Allow("a", at); !ok {
				t.Fatalf("after retryAfter: Allow() = false, want true")
			}
			if ok, retry := l.Allow("a", at); ok || retry != tc.wantRetry {
				t.Fatalf("after the refilled token: Allow() = %v, %s; want false, %s", ok, retry, tc.wantRetry)
			}
		})
	}
}

// TestAllowRefill checks how many requests are allowed after the bucket
// was emptied and time passed: rps per second, capped at the burst.
func TestAllowRefill(t *testing.T) {
	t.Parallel()
	const rps, burst = 4, 10
	tests := map[string]struct {
		elapsed time.Duration
		want    int
	}{
		"no time":             {elapsed: 0, want: 0},
		"under one token":     {elapsed: 249 * time.Millisecond, want: 0},
		"one token":           {elapsed: 250 * time.Millisecond, want: 1},
		"one second":          {elapsed: time.Second, want: 4},
		"two and a half secs": {elapsed: 2500 * time.Millisecond, want: 10},
		"an hour, capped":     {elapsed: time.Hour, want: 10},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := mustNew(t, rps, burst)
			if got := drain(t, l, "a", t0); got != burst {
				t.Fatalf("first drain allowed %d, want the burst %d", got, burst)
			}
			if got := drain(t, l, "a", t0.Add(tc.elapsed)); got != tc.want {
				t.Errorf("after %s, %d requests allowed, want %d", tc.elapsed, got, tc.want)
			}
		})
	}
}

// TestAllowAgentsIndependent checks that one agent's requests do not use
// another's tokens.
func TestAllowAgentsIndependent(t *testing.T) {
	t.Parallel()
	l := mustNew(t, 1, 5)
	if got := drain(t, l, "shopping-assistant", t0); got != 5 {
		t.Fatalf("shopping-assistant: %d allowed, want 5", got)
	}
	if got := drain(t, l, "partner-agent", t0); got != 5 {
		t.Errorf("partner-agent after shopping-assistant was drained: %d allowed, want 5", got)
	}
	if ok, _ := l.Allow("shopping-assistant", t0); ok {
		t.Errorf("shopping-assistant allowed after partner-agent's requests, want still refused")
	}
}

// TestAllowUnlimited checks that rps 0 allows everything and keeps no
// buckets.
func TestAllowUnlimited(t *testing.T) {
	t.Parallel()
	l := mustNew(t, 0, 0)
	for i := range 10_000 {
		if ok, retry := l.Allow(fmt.Sprint("agent-", i%3), t0); !ok || retry != 0 {
			t.Fatalf("request %d: Allow() = %v, %s; want true, 0", i, ok, retry)
		}
	}
	if len(l.buckets) != 0 {
		t.Errorf("unlimited limiter keeps %d buckets, want 0", len(l.buckets))
	}
}

// TestAllowConcurrent checks that concurrent requests at one instant are
// allowed exactly burst times per agent, and that concurrent refusals
// take no tokens. Run it with -race.
func TestAllowConcurrent(t *testing.T) {
	t.Parallel()
	const burst, perAgent, workers = 25, 200, 8
	agents := []string{"a", "b", "c"}
	l := mustNew(t, 10, burst)
	var mu sync.Mutex
	allowed := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perAgent * len(agents) / workers {
				agent := agents[(w+i)%len(agents)]
				ok, retry := l.Allow(agent, t0)
				if !ok && retry <= 0 {
					t.Errorf("refused with retryAfter %s, want positive", retry)
				}
				if ok {
					mu.Lock()
					allowed[agent]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for _, a := range agents {
		if allowed[a] != burst {
			t.Errorf("agent %s: %d allowed at one instant, want the burst %d", a, allowed[a], burst)
		}
		// After one token's time (100ms), exactly one more is allowed:
		// the concurrent refusals took nothing.
		if got := drain(t, l, a, t0.Add(100*time.Millisecond)); got != 1 {
			t.Errorf("agent %s: %d allowed 100ms later, want 1", a, got)
		}
	}
}

// TestAllowMaxAgents checks the bound on buckets: full buckets are
// dropped to make room, and when none is full new agents share one
// overflow bucket.
func TestAllowMaxAgents(t *testing.T) {
	t.Parallel()
	l := mustNew(t, 1, 2)
	l.maxAgents = 2
	drain(t, l, "a", t0)
	drain(t, l, "b", t0)
	// No bucket is full: c and d share the overflow bucket.
	if got := drain(t, l, "c", t0); got != 2 {
		t.Fatalf("c: %d allowed, want 2", got)
	}
	if ok, _ := l.Allow("d", t0); ok {
		t.Errorf("d allowed from the drained overflow bucket, want refused")
	}
	if len(l.buckets) != 2 {
		t.Errorf("%d buckets, want at most 2", len(l.buckets))
	}
	// Two seconds later a and b are full again and are dropped for e.
	later := t0.Add(2 * time.Second)
	if got := drain(t, l, "e", later); got != 2 {
		t.Errorf("e: %d allowed, want 2", got)
	}
	if _, ok := l.buckets["e"]; !ok || len(l.buckets) > 2 {
		t.Errorf("buckets = %v, want e's among at most 2", keys(l.buckets))
	}
	// a, dropped while full, starts again with a full bucket.
	if got := drain(t, l, "a", later); got != 2 {
		t.Errorf("a: %d allowed, want 2", got)
	}
}

// keys lists a map's keys, for messages.
func keys(m map[string]*bucket) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		d    time.Duration
		want int
	}{
		"zero":            {d: 0, want: 1},
		"negative":        {d: -time.Second, want: 1},
		"a millisecond":   {d: time.Millisecond, want: 1},
		"one second":      {d: time.Second, want: 1},
		"just over 1s":    {d: time.Second + time.Nanosecond, want: 2},
		"two and a half":  {d: 2500 * time.Millisecond, want: 3},
		"exactly 2s":      {d: 2 * time.Second, want: 2},
		"one hour":        {d: time.Hour, want: 3600},
		"an hour and 1ns": {d: time.Hour + 1, want: 3601},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := RetryAfterSeconds(tc.d); got != tc.want {
				t.Errorf("RetryAfterSeconds(%s) = %d, want %d", tc.d, got, tc.want)
			}
		})
	}
}
