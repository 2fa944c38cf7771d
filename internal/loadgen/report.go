package loadgen

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
)

// PercentileMethod describes how Report computes latency percentiles.
const PercentileMethod = "exact: nearest rank over every recorded response's latency, sorted"

// Why a run stopped (Report.StopReason).
const (
	// StopRequests: the measured requests reached Config.Requests.
	StopRequests = "requests"
	// StopDuration: the measured window reached Config.Duration.
	StopDuration = "duration"
	// StopInterrupted: the caller's context ended (Ctrl-C); the report
	// is partial.
	StopInterrupted = "interrupted"
)

// LateThreshold is how late a request may leave, at a fixed rate, before
// it counts as late in Schedule.Late.
const LateThreshold = 10 * time.Millisecond

// Report is the outcome of a run. Latencies are in milliseconds. JSON
// encodes it with the same names for every field the table shows.
type Report struct {
	// Target, APIVersion, Concurrency, Rate (0: closed loop), Mix and
	// Items repeat the run's configuration.
	Target      string  `json:"target"`
	APIVersion  string  `json:"api_version"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate"`
	Mix         string  `json:"mix"`
	Items       string  `json:"items"`
	// StartedAt is when the measured window began (after the warm-up).
	StartedAt time.Time `json:"started_at"`
	// WarmupSeconds is the warm-up before the window (not recorded).
	WarmupSeconds float64 `json:"warmup_seconds"`
	// WindowSeconds is the measured window: from its start until the last
	// agent stopped. Throughputs are per second of this window.
	WindowSeconds float64 `json:"window_seconds"`
	// StopReason is StopRequests, StopDuration or StopInterrupted.
	StopReason string `json:"stop_reason"`
	// Interrupted is true when the caller's context ended the run: the
	// report covers what was recorded until then, without the requests
	// it cut short.
	Interrupted bool `json:"interrupted"`
	// PercentileMethod is PercentileMethod.
	PercentileMethod string `json:"percentile_method"`
	// Total sums every endpoint.
	Total EndpointStats `json:"total"`
	// Endpoints holds the statistics of each endpoint label that was sent
	// at least once (see Endpoints).
	Endpoints map[Endpoint]*EndpointStats `json:"endpoints"`
	// Flows holds the outcome counts of each flow started in the window.
	Flows map[Flow]*FlowStats `json:"flows"`
	// Schedule describes how well a fixed rate was kept; nil in closed
	// loop.
	Schedule *Schedule `json:"schedule,omitempty"`
}

// EndpointStats are one endpoint's (or all endpoints') statistics. Every
// recorded request is in exactly one of OK, Errors and TransportErrors.
type EndpointStats struct {
	// Count is the number of recorded requests.
	Count int64 `json:"count"`
	// OK counts the expected answers.
	OK int64 `json:"ok"`
	// Errors counts the answers that were not: another HTTP status (a
	// redirect included, as none is followed), a session in another
	// state than the call promises, a replay that differs.
	Errors int64 `json:"errors"`
	// TransportErrors counts the requests that got no answer.
	TransportErrors int64 `json:"transport_errors"`
	// Throughput is Count per second of the measured window.
	Throughput float64 `json:"throughput_rps"`
	// Latency summarises the latency of every answer (OK or Errors, not
	// TransportErrors).
	Latency Latency `json:"latency_ms"`
	// ErrorsByStatus counts Errors by the answer's HTTP status.
	ErrorsByStatus map[string]int64 `json:"errors_by_status,omitempty"`
	// ErrorsByCode counts Errors by the ACP error code of the flat error
	// body ({"type","code","message","param"}), or by the generator's own
	// codes: "replay_mismatch", "unexpected_status" (a 2xx other than
	// the expected one, or a redirect), "not_completed" and
	// "not_canceled" (the session's status after complete or cancel),
	// "no_session_id", "response_too_large" and "no_code" (an error body
	// without a code).
	ErrorsByCode map[string]int64 `json:"errors_by_code,omitempty"`
	// TransportErrorsByKind counts TransportErrors by kind: "timeout",
	// "connection_refused", "connection_reset", "connection_closed",
	// "dns", "tls", "dial" or "other".
	TransportErrorsByKind map[string]int64 `json:"transport_errors_by_kind,omitempty"`
}

// Latency summarises latencies, in milliseconds. Percentiles are exact
// (see PercentileMethod); all are zero without samples.
type Latency struct {
	// Samples is the number of latencies summarised.
	Samples int64   `json:"samples"`
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
	Mean    float64 `json:"mean"`
}

// FlowStats count one flow's runs by outcome; Started is the sum of the
// others.
type FlowStats struct {
	Started int64 `json:"started"`
	// Completed flows got every answer they expected.
	Completed int64 `json:"completed"`
	// Failed flows stopped at an error or transport error.
	Failed int64 `json:"failed"`
	// Interrupted flows were cut short by the end of the run.
	Interrupted int64 `json:"interrupted"`
}

// Schedule tells how well the generator kept a fixed rate.
type Schedule struct {
	// TargetRate is Config.Rate.
	TargetRate float64 `json:"target_rps"`
	// AchievedRate is the measured requests per second of the window.
	AchievedRate float64 `json:"achieved_rps"`
	// Due counts the requests due in the window; Sent, those sent.
	Due  int64 `json:"due"`
	Sent int64 `json:"sent"`
	// Missed counts requests due in the window that were never sent,
	// because every agent was still waiting for an answer.
	Missed int64 `json:"missed"`
	// Late counts requests sent more than LateThreshold after they were
	// due (their latency includes the wait).
	Late int64 `json:"late"`
	// MaxLagMs is the longest wait between due and sent.
	MaxLagMs float64 `json:"max_lag_ms"`
	// KeptUp is false when the generator could not keep the rate: any
	// request missed, or more than 1% late. More agents (--concurrency)
	// usually help, unless the server itself is saturated.
	KeptUp bool `json:"kept_up"`
}

// tally is the statistics of one endpoint as an agent records them.
type tally struct {
	samples                  []time.Duration
	ok, errors, transport    int64
	byStatus, byCode, byKind map[string]int64
}

func (t *tally) addError(status int, code string) {
	t.errors++
	if t.byStatus == nil {
		t.byStatus, t.byCode = map[string]int64{}, map[string]int64{}
	}
	t.byStatus[strconv.Itoa(status)]++
	t.byCode[code]++
}

func (t *tally) addTransport(kind string) {
	t.transport++
	if t.byKind == nil {
		t.byKind = map[string]int64{}
	}
	t.byKind[kind]++
}

// merge adds o to t.
// Samples are not merged: the runner gathers them itself, once.
func (t *tally) merge(o *tally) {
	t.ok += o.ok
	t.errors += o.errors
	t.transport += o.transport
	t.byStatus = mergeCounts(t.byStatus, o.byStatus)
	t.byCode = mergeCounts(t.byCode, o.byCode)
	t.byKind = mergeCounts(t.byKind, o.byKind)
}

func mergeCounts(into, from map[string]int64) map[string]int64 {
	if len(from) == 0 {
		return into
	}
	if into == nil {
		into = make(map[string]int64, len(from))
	}
	for k, v := range from {
		into[k] += v
	}
	return into
}

// stats summarises t over a window of the given length. It sorts
// t.samples.
func (t *tally) stats(window time.Duration) EndpointStats {
	s := EndpointStats{
		OK: t.ok, Errors: t.errors, TransportErrors: t.transport,
		ErrorsByStatus: maps.Clone(t.byStatus), ErrorsByCode: maps.Clone(t.byCode), TransportErrorsByKind: maps.Clone(t.byKind),
	}
	s.Count = s.OK + s.Errors + s.TransportErrors
	if window > 0 {
		s.Throughput = float64(s.Count) / window.Seconds()
	}
	s.Latency = summarize(t.samples)
	return s
}

// summarize sorts samples and returns their exact percentiles.
func summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum float64
	for _, d := range samples {
		sum += float64(d)
	}
	return Latency{
		Samples: int64(len(samples)),
		P50:     ms(percentile(samples, 50)),
		P95:     ms(percentile(samples, 95)),
		P99:     ms(percentile(samples, 99)),
		Max:     ms(samples[len(samples)-1]),
		Mean:    ms(time.Duration(sum / float64(len(samples)))),
	}
}

// percentile returns the p-th percentile of sorted (not empty) by the
// nearest-rank method: the smallest sample with at least p% of the
// samples at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// ms converts d to milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
