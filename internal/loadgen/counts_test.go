package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCountsMatchServer runs fixed runs against the fake server, which
// counts what it serves by endpoint: the report's counts are the
// server's, exactly, whether the run stops at a request count or at a
// duration (no request sent twice, none left out).
func TestCountsMatchServer(t *testing.T) {
	t.Parallel()
	testCases := map[string]Config{
		"default mix, request cap": {Requests: 700, Concurrency: 8},
		"default mix, duration":    {Duration: 300 * time.Millisecond, Concurrency: 8},
		"creates, request cap":     {Requests: 500, Concurrency: 16, Mix: Mix{{FlowCreate, 1}}},
		"creates, duration":        {Duration: 300 * time.Millisecond, Concurrency: 16, Mix: Mix{{FlowCreate, 1}}},
		"fixed rate":               {Rate: 400, Duration: 300 * time.Millisecond, Concurrency: 8},
	}
	for name, cfg := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, url := newFake(t, &fakeACP{})
			cfg.Target, cfg.Token = url, fakeToken
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep)
			served := fake.servedBy()
			var total int64
			for ep, n := range served {
				total += n
				if s := rep.Endpoints[ep]; s == nil || s.Count != n {
					t.Errorf("%s: the server served %d, the report says %+v", ep, n, s)
				}
			}
			for ep, s := range rep.Endpoints {
				if served[ep] != s.Count {
					t.Errorf("%s: the report says %d, the server served %d", ep, s.Count, served[ep])
				}
			}
			if total != rep.Total.Count || total == 0 || rep.Total.Errors+rep.Total.TransportErrors != 0 {
				t.Errorf("the server served %d, the report says %+v", total, rep.Total)
			}
			if cfg.Requests > 0 && total != cfg.Requests {
				t.Errorf("the server served %d, want the %d asked for", total, cfg.Requests)
			}
		})
	}
}

// TestStallReported runs at a fixed rate against a server that stalls
// every request for 400 ms once: the requests due meanwhile leave late,
// the report says the rate was not kept, and their latency, counted from
// when they were due, shows the stall (a closed-loop generator would
// have waited with them and reported fast answers).
func TestStallReported(t *testing.T) {
	t.Parallel()
	const stall = 400 * time.Millisecond
	var (
		mu     sync.Mutex
		served atomic.Int64
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		if served.Add(1) == 50 {
			time.Sleep(stall) // everyone else waits behind the lock
		}
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"cs_1","status":"not_ready_for_payment"}`))
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{Target: srv.URL, Rate: 200, Requests: 200, Duration: time.Minute, Concurrency: 4, Mix: Mix{{FlowCreate, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
	s := rep.Schedule
	if s == nil || s.KeptUp || s.Late == 0 || s.MaxLagMs < float64(stall/time.Millisecond)/2 {
		t.Errorf("schedule = %+v, want the rate not kept, late requests and a lag of the stall's size", s)
	}
	l := rep.Total.Latency
	// About 80 requests fall due during the stall, 60 of them at least
	// 100 ms before it ends; only the 4 in flight would show it if
	// latency ran from when a request left.
	if l.Max < float64(stall/time.Millisecond) || l.P95 < float64(stall/time.Millisecond)/4 {
		t.Errorf("latency = %+v, want the %s stall in the max and the p95", l, stall)
	}
	if rep.Total.Count != 200 || served.Load() != 200 || rep.Total.OK != 200 {
		t.Errorf("%d recorded, %d served: want 200 each, all OK", rep.Total.Count, served.Load())
	}
}
