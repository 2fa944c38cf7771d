package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// checkReport checks what holds of every report: errors and transport
// errors broken down in full, one latency per answer, percentiles in
// order, every flow started ended one way. (That each request counts once
// is checked against the server's own counts in TestCountsMatchServer.)
func checkReport(t *testing.T, rep *Report) {
	t.Helper()
	for ep, s := range rep.Endpoints {
		if got := total(s.ErrorsByStatus); got != s.Errors {
			t.Errorf("%s: errors by status add up to %d, want %d", ep, got, s.Errors)
		}
		if got := total(s.ErrorsByCode); got != s.Errors {
			t.Errorf("%s: errors by code add up to %d, want %d", ep, got, s.Errors)
		}
		if got := total(s.TransportErrorsByKind); got != s.TransportErrors {
			t.Errorf("%s: transport errors by kind add up to %d, want %d", ep, got, s.TransportErrors)
		}
		if s.Latency.Samples != s.OK+s.Errors {
			t.Errorf("%s: %d latency samples, want one per answer (%d)", ep, s.Latency.Samples, s.OK+s.Errors)
		}
		checkLatency(t, string(ep), s.Latency)
	}
	checkLatency(t, "total", rep.Total.Latency)
	for f, s := range rep.Flows {
		if s.Started != s.Completed+s.Failed+s.Interrupted {
			t.Errorf("flow %s: %+v does not add up", f, *s)
		}
	}
}

func checkLatency(t *testing.T, name string, l Latency) {
	t.Helper()
	if l.Samples > 0 && !(0 <= l.P50 && l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.Max && l.Mean <= l.Max) {
		t.Errorf("%s: latency out of order: %+v", name, l)
	}
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// TestRunAgainstFake runs the default mix against the fake server with
// 503s and one replay mismatch injected, under both API versions, and
// checks that every request, error and flow is accounted for.
func TestRunAgainstFake(t *testing.T) {
	t.Parallel()
	for _, version := range SupportedAPIVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			fake, url := newFake(t, &fakeACP{fail503Every: 7, mismatchOnce: true})
			rep, err := Run(context.Background(), Config{
				Target: url, Token: fakeToken, APIVersion: version, Concurrency: 4, Requests: 600, OptionID: "express",
			})
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep)
			requests, injected503, mismatches, bad := fake.counts()
			if len(bad) > 0 {
				t.Errorf("the server refused the headers of %d requests: %v", len(bad), bad[:min(len(bad), 5)])
			}
			if rep.StopReason != StopRequests || rep.Interrupted || rep.Total.Count != 600 || requests != 600 {
				t.Errorf("stop %q, interrupted %v, %d recorded, %d served; want the request cap, 600 each",
					rep.StopReason, rep.Interrupted, rep.Total.Count, requests)
			}
			for _, ep := range Endpoints {
				if rep.Endpoints[ep] == nil || rep.Endpoints[ep].Count == 0 {
					t.Errorf("no %s requests recorded", ep)
				}
			}
			if t.Failed() {
				return
			}
			update, replay := rep.Endpoints[EndpointUpdate], rep.Endpoints[EndpointCreateReplay]
			if injected503 == 0 || update.ErrorsByStatus["503"] != int64(injected503) || update.ErrorsByCode["upstream_unavailable"] != int64(injected503) || update.Errors != int64(injected503) {
				t.Errorf("update errors = %d by status %v by code %v; the server injected %d 503s", update.Errors, update.ErrorsByStatus, update.ErrorsByCode, injected503)
			}
			if mismatches != 1 || replay.Errors != 1 || replay.ErrorsByCode["replay_mismatch"] != 1 || replay.ErrorsByStatus["201"] != 1 {
				t.Errorf("create_replay errors = %d by status %v by code %v; the server injected %d mismatch", replay.Errors, replay.ErrorsByStatus, replay.ErrorsByCode, mismatches)
			}
			if want := int64(injected503 + 1); rep.Total.Errors != want || rep.Total.TransportErrors != 0 {
				t.Errorf("total errors = %d (%v), transport errors %d; want %d and none", rep.Total.Errors, rep.Total.ErrorsByCode, rep.Total.TransportErrors, want)
			}
			if full := rep.Flows[FlowFull]; full == nil || full.Failed != int64(injected503) || full.Completed == 0 {
				t.Errorf("full flows = %+v, want %d failed (one per 503)", full, injected503)
			}
			if retry := rep.Flows[FlowRetry]; retry == nil || retry.Failed != 1 {
				t.Errorf("retry flows = %+v, want 1 failed", retry)
			}
			var interrupted int64
			for _, s := range rep.Flows {
				interrupted += s.Interrupted
			}
			if interrupted > 4 {
				t.Errorf("%d flows interrupted; at most one per agent", interrupted)
			}
			if rep.Endpoints[EndpointComplete].OK != rep.Flows[FlowFull].Completed {
				t.Errorf("%d completes answered, %d full flows completed", rep.Endpoints[EndpointComplete].OK, rep.Flows[FlowFull].Completed)
			}
			if rep.Schedule != nil || rep.Total.Throughput <= 0 || rep.WindowSeconds <= 0 {
				t.Errorf("closed loop: schedule %+v, throughput %g, window %g", rep.Schedule, rep.Total.Throughput, rep.WindowSeconds)
			}
		})
	}
}

// TestRunStops checks the request cap, the duration cap, the fixed rate
// and the warm-up. The bounds are generous: these are behaviour checks.
func TestRunStops(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		cfg Config
		// wantReason is the stop reason; wantMin and wantMax bound the
		// measured requests; maxWindow bounds the window.
		wantReason       string
		wantMin, wantMax int64
		maxWindow        time.Duration
		// wantServedMore says the server saw more than was recorded (the
		// warm-up).
		wantServedMore bool
	}{
		"request cap":             {Config{Requests: 57, Concurrency: 5}, StopRequests, 57, 57, time.Minute, false},
		"request cap, one agent":  {Config{Requests: 10, Concurrency: 1}, StopRequests, 10, 10, time.Minute, false},
		"duration cap":            {Config{Duration: 300 * time.Millisecond}, StopDuration, 1, MaxRequests, 5 * time.Second, false},
		"duration before cap":     {Config{Duration: 200 * time.Millisecond, Requests: MaxRequests}, StopDuration, 1, MaxRequests, 5 * time.Second, false},
		"fixed rate":              {Config{Rate: 200, Duration: time.Second}, StopDuration, 150, 250, 5 * time.Second, false},
		"fixed rate, request cap": {Config{Rate: 500, Requests: 40}, StopRequests, 40, 40, 5 * time.Second, false},
		"warm-up not recorded":    {Config{Warmup: 150 * time.Millisecond, Requests: 30}, StopRequests, 30, 30, time.Minute, true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, url := newFake(t, &fakeACP{})
			cfg := tc.cfg
			cfg.Target, cfg.Token = url, fakeToken
			began := time.Now()
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(began)
			checkReport(t, rep)
			served, _, _, _ := fake.counts()
			if rep.StopReason != tc.wantReason || rep.Total.Count < tc.wantMin || rep.Total.Count > tc.wantMax {
				t.Errorf("stopped by %q after %d requests, want %q and %d to %d", rep.StopReason, rep.Total.Count, tc.wantReason, tc.wantMin, tc.wantMax)
			}
			if took > tc.maxWindow+cfg.Warmup {
				t.Errorf("the run took %s, want at most %s", took, tc.maxWindow+cfg.Warmup)
			}
			if rep.Total.Errors+rep.Total.TransportErrors != 0 {
				t.Errorf("errors: %+v", rep.Total)
			}
			if tc.wantServedMore != (int64(served) > rep.Total.Count) {
				t.Errorf("served %d, recorded %d", served, rep.Total.Count)
			}
			if cfg.Rate > 0 {
				if s := rep.Schedule; s == nil || s.TargetRate != cfg.Rate || s.Sent != rep.Total.Count || s.Due < s.Sent || s.Missed != s.Due-s.Sent {
					t.Errorf("schedule = %+v for %d requests", s, rep.Total.Count)
				}
			}
		})
	}
}

// TestRunInterrupted cancels a long run and expects the partial report
// soon after.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	for name, rate := range map[string]float64{"closed loop": 0, "fixed rate": 100} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, url := newFake(t, &fakeACP{delay: time.Millisecond})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			began := time.Now()
			rep, err := Run(ctx, Config{Target: url, Token: fakeToken, Duration: time.Minute, Rate: rate})
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep)
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("Run returned %s after the start, long after its context ended", took)
			}
			if !rep.Interrupted || rep.StopReason != StopInterrupted || rep.Total.Count == 0 || rep.WindowSeconds > 10 {
				t.Errorf("interrupted %v, reason %q, %d requests, window %gs; want a partial report", rep.Interrupted, rep.StopReason, rep.Total.Count, rep.WindowSeconds)
			}
			if rep.Total.Errors+rep.Total.TransportErrors != 0 {
				t.Errorf("requests cut short were recorded as errors: %+v", rep.Total)
			}
		})
	}
}

// TestTransportErrors checks that requests without an answer are counted
// by kind and fail their flow.
func TestTransportErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	_, slow := newFake(t, &fakeACP{delay: 500 * time.Millisecond})
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(untrusted.Close)
	testCases := map[string]struct {
		target   string
		timeout  time.Duration
		wantKind string
	}{
		"connection refused":    {closed, time.Second, "connection_refused"},
		"timeout":               {slow, 50 * time.Millisecond, "timeout"},
		"untrusted certificate": {untrusted.URL, 5 * time.Second, "tls"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rep, err := Run(context.Background(), Config{Target: tc.target, Token: fakeToken, Requests: 6, Concurrency: 2, Timeout: tc.timeout, Mix: Mix{{FlowFull, 1}}})
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep)
			create := rep.Endpoints[EndpointCreate]
			if create == nil || create.TransportErrors != 6 || create.TransportErrorsByKind[tc.wantKind] != 6 {
				t.Fatalf("create = %+v, want 6 transport errors of kind %s", create, tc.wantKind)
			}
			if full := rep.Flows[FlowFull]; full == nil || full.Failed != 6 || len(rep.Endpoints) != 1 {
				t.Errorf("flows %+v, endpoints %v: every flow should stop at its failed create", full, rep.Endpoints)
			}
		})
	}
}

// TestRedirectsNotFollowed points the generator at a server that redirects
// to another: the redirect is an error and the other server sees nothing.
func TestRedirectsNotFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	rep, err := Run(context.Background(), Config{Target: redirecting.URL, Requests: 5, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
	if c := rep.Endpoints[EndpointCreate]; c == nil || c.ErrorsByStatus["307"] != 5 || c.ErrorsByCode["unexpected_status"] != 5 || elsewhere.Load() != 0 {
		t.Errorf("create = %+v, other server hit %d times; want 5 redirect errors and none", c, elsewhere.Load())
	}
}

// TestSessionIDsStayOnTarget checks that a session id from the server is
// path-escaped into the target's URLs.
func TestSessionIDsStayOnTarget(t *testing.T) {
	t.Parallel()
	var paths []string
	var mu = make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu <- struct{}{}
		paths = append(paths, r.URL.EscapedPath())
		<-mu
		if r.URL.Path == "/checkout_sessions" {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"../x?y=//evil.example/#z","status":"not_ready_for_payment"}`)
			return
		}
		fmt.Fprint(w, `{"status":"canceled"}`)
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{Target: srv.URL, Requests: 2, Concurrency: 1, Mix: Mix{{FlowCancel, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.OK != 2 || len(paths) != 2 || paths[1] != "/checkout_sessions/..%2Fx%3Fy=%2F%2Fevil.example%2F%23z/cancel" {
		t.Errorf("paths %q, total %+v", paths, rep.Total)
	}
}

// TestOwnCreateRequest checks that a run with its own create body sends
// it, compacted, under the API version it names, and reads the answers'
// session ids.
func TestOwnCreateRequest(t *testing.T) {
	t.Parallel()
	var bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/checkout_sessions" || r.Header.Get("API-Version") != "2025-09-29" || string(body) != `{"items":[{"id":"latte","quantity":1}]}` {
			bad.Add(1)
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"cs_1","status":"ready_for_payment"}`)
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{Target: srv.URL, Requests: 20, Concurrency: 2, APIVersion: "2025-09-29", Mix: Mix{{FlowCreate, 1}},
		CreateRequest: json.RawMessage("{\"items\": [ {\"id\": \"latte\", \"quantity\": 1} ]}")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.OK != 20 || bad.Load() != 0 {
		t.Errorf("%d ok, %d requests not as asked; total %+v", rep.Total.OK, bad.Load(), rep.Total)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		cfg     Config
		wantErr string
	}{
		"no target":         {Config{Requests: 1}, "target"},
		"not http":          {Config{Target: "ftp://x", Requests: 1}, "http or https"},
		"no host":           {Config{Target: "http://", Requests: 1}, "http or https"},
		"query":             {Config{Target: "http://x/?a=1", Requests: 1}, "no user, query"},
		"user":              {Config{Target: "http://u:p@x", Requests: 1}, "no user, query"},
		"older version":     {Config{Target: "http://x", Requests: 1, APIVersion: "2025-12-12"}, "speaks 2026-04-17 and 2026-01-30 only"},
		"unknown version":   {Config{Target: "http://x", Requests: 1, APIVersion: "2030-01-01"}, "2030-01-01"},
		"no bound":          {Config{Target: "http://x"}, "set a duration, a number of requests or both"},
		"long":              {Config{Target: "http://x", Duration: 2 * time.Hour}, "at most 1h0m0s"},
		"many":              {Config{Target: "http://x", Requests: MaxRequests + 1}, "at most 10000000"},
		"negative rate":     {Config{Target: "http://x", Requests: 1, Rate: -1}, "rate"},
		"too many agents":   {Config{Target: "http://x", Requests: 1, Concurrency: MaxConcurrency + 1}, "concurrency"},
		"negative agents":   {Config{Target: "http://x", Requests: 1, Concurrency: -1}, "concurrency"},
		"long warm-up":      {Config{Target: "http://x", Requests: 1, Warmup: time.Hour}, "warmup"},
		"long timeout":      {Config{Target: "http://x", Requests: 1, Timeout: time.Hour}, "timeout"},
		"empty mix":         {Config{Target: "http://x", Requests: 1, Mix: Mix{{FlowFull, 0}}}, "more than zero"},
		"unknown flow":      {Config{Target: "http://x", Requests: 1, Mix: Mix{{"browse", 1}}}, "unknown flow"},
		"token with CRLF":   {Config{Target: "http://x", Requests: 1, Token: "tok\r\nX-Other: 1"}, "printable ASCII"},
		"token with space":  {Config{Target: "http://x", Requests: 1, Token: "tok en"}, "printable ASCII"},
		"address not JSON":  {Config{Target: "http://x", Requests: 1, Address: json.RawMessage(`{`)}, "address"},
		"address not obj":   {Config{Target: "http://x", Requests: 1, Address: json.RawMessage(`[1]`)}, "address"},
		"item without qty":  {Config{Target: "http://x", Requests: 1, Items: []Item{{ID: "a"}}}, "quantity"},
		"fine":              {Config{Target: "http://x/prefix/", Requests: 1}, ""},
		"fine, 2026-01-30":  {Config{Target: "https://x", Duration: time.Second, APIVersion: "2026-01-30"}, ""},
		"fine, at the caps": {Config{Target: "https://x", Duration: MaxDuration, Requests: MaxRequests, Rate: MaxRate}, ""},
		"own create, old version": {Config{Target: "http://x", Requests: 1, APIVersion: "2025-09-29", Mix: Mix{{FlowCreate, 1}},
			CreateRequest: json.RawMessage(`{"items": [{"id": "a", "quantity": 1}]}`)}, ""},
		"own create, full flow": {Config{Target: "http://x", Requests: 1, APIVersion: "2025-09-29", Mix: Mix{{FlowFull, 1}},
			CreateRequest: json.RawMessage(`{"items":[]}`)}, "creates alone"},
		"own create, mixed": {Config{Target: "http://x", Requests: 1, Mix: Mix{{FlowCreate, 1}, {FlowRead, 1}},
			CreateRequest: json.RawMessage(`{"items":[]}`)}, "creates alone"},
		"own create not obj": {Config{Target: "http://x", Requests: 1, Mix: Mix{{FlowCreate, 1}}, CreateRequest: json.RawMessage(`[1]`)}, "JSON object"},
		"own create, unknown version": {Config{Target: "http://x", Requests: 1, APIVersion: "2024-01-01", Mix: Mix{{FlowCreate, 1}},
			CreateRequest: json.RawMessage(`{}`)}, "2024-01-01"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.cfg.WithDefaults()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			case err != nil:
				return
			}
			if strings.HasSuffix(got.Target, "/") || got.Duration == 0 || got.Requests == 0 || got.Concurrency == 0 || len(got.Mix) == 0 ||
				len(got.Items) == 0 || got.Timeout == 0 || got.Handler == "" || got.PaymentToken == "" || got.Currency == "" || got.APIVersion == "" {
				t.Errorf("defaults not filled in: %+v", got)
			}
		})
	}
}

func TestParseMix(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		in      string
		want    string
		wantErr string
	}{
		"default":     {"full=6,cancel=1,retry=1,read=2", "full=6,cancel=1,retry=1,read=2", ""},
		"spaces":      {" create = 1 , full=0 ", "create=1,full=0", ""},
		"one flow":    {"read=3", "read=3", ""},
		"no weight":   {"full", "", "FLOW=WEIGHT"},
		"bad weight":  {"full=x", "", "integer"},
		"negative":    {"full=-1", "", "integer"},
		"unknown":     {"browse=1", "", `unknown flow "browse"`},
		"twice":       {"full=1,full=2", "", "twice"},
		"all zero":    {"full=0", "", "more than zero"},
		"empty":       {"", "", "more than zero"},
		"huge weight": {"full=1001", "", "integer"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMix(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseMix(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("ParseMix(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseItems(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		in, want, wantErr string
	}{
		"default":      {"mug-classic:2,guide-brewing-ebook:1", "mug-classic:2,guide-brewing-ebook:1", ""},
		"no quantity":  {"tee-logo", "tee-logo:1", ""},
		"spaces":       {" a : 3 , b ", "a:3,b:1", ""},
		"zero":         {"a:0", "", "quantity"},
		"not a number": {"a:x", "", "quantity"},
		"no id":        {":2", "", "want ID"},
		"empty":        {" , ", "", "at least one item"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseItems(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseItems(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || FormatItems(got) != tc.want {
				t.Fatalf("ParseItems(%q) = %q, %v; want %q", tc.in, FormatItems(got), err, tc.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	testCases := map[string]struct {
		samples []time.Duration
		want    Latency
	}{
		"none":    {nil, Latency{}},
		"one":     {ms(7), Latency{Samples: 1, P50: 7, P95: 7, P99: 7, Max: 7, Mean: 7}},
		"two":     {ms(2, 1), Latency{Samples: 2, P50: 1, P95: 2, P99: 2, Max: 2, Mean: 1.5}},
		"ten":     {ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), Latency{Samples: 10, P50: 5, P95: 10, P99: 10, Max: 10, Mean: 5.5}},
		"hundred": {ms(hundred...), Latency{Samples: 100, P50: 50, P95: 95, P99: 99, Max: 100, Mean: 50.5}},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := summarize(tc.samples); got != tc.want {
				t.Errorf("summarize = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestTransportKind(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		err  error
		want string
	}{
		"deadline":   {fmt.Errorf("do: %w", context.DeadlineExceeded), "timeout"},
		"refused":    {&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "connection_refused"},
		"reset":      {&net.OpError{Op: "read", Err: syscall.ECONNRESET}, "connection_reset"},
		"eof":        {fmt.Errorf("read: %w", io.EOF), "connection_closed"},
		"other":      {fmt.Errorf("read: %w", errors.New("x")), "other"},
		"closed":     {fmt.Errorf("read: %w", io.ErrUnexpectedEOF), "connection_closed"},
		"dns":        {&net.DNSError{Err: "no such host", Name: "x.invalid"}, "dns"},
		"other dial": {&net.OpError{Op: "dial", Err: errors.New("network unreachable")}, "dial"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := transportKind(tc.err); got != tc.want {
				t.Errorf("transportKind(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

// TestUpdateBody checks the option selection: the option's type from the
// session, and the lines the server gave that type.
func TestUpdateBody(t *testing.T) {
	t.Parallel()
	var s session
	if err := json.Unmarshal([]byte(`{"id":"cs_1","line_items":[{"id":"li_mug"},{"id":"li_ebook"}],
		"fulfillment_options":[{"id":"express","type":"shipping"},{"id":"pickup-sf","type":"pickup"},{"id":"email","type":"digital"}],
		"selected_fulfillment_options":[{"type":"shipping","option_id":"standard","item_ids":["li_mug"]},{"type":"digital","option_id":"email","item_ids":["li_ebook"]}]}`), &s); err != nil {
		t.Fatal(err)
	}
	addr := `{"name":"A","line_one":"1 St","city":"SF","state":"CA","country":"US","postal_code":"94105"}`
	testCases := map[string]struct {
		option, want string
	}{
		"no option": {"", `{"fulfillment_details":{"address":` + addr + `,"email":"load-agent@example.com","name":"Load Agent"}}`},
		"shipping":  {"express", `"selected_fulfillment_options":[{"item_ids":["li_mug"],"option_id":"express","type":"shipping"}]`},
		"digital":   {"email", `"selected_fulfillment_options":[{"item_ids":["li_ebook"],"option_id":"email","type":"digital"}]`},
		"pickup":    {"pickup-sf", `[{"item_ids":["li_mug","li_ebook"],"option_id":"pickup-sf","type":"pickup"}]`},
		"unknown":   {"drone", `[{"item_ids":["li_mug"],"option_id":"drone","type":"shipping"}]`},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Config{Target: "http://x", Requests: 1, OptionID: tc.option, Address: json.RawMessage(addr)}.WithDefaults()
			if err != nil {
				t.Fatal(err)
			}
			r, err := newRunner(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := newAgent(r, 0).updateBody(&s)
			if err != nil || !strings.Contains(string(got), tc.want) {
				t.Errorf("updateBody = %s, %v; want it to contain %s", got, err, tc.want)
			}
		})
	}
}
