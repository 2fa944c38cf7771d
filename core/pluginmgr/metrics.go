package pluginmgr

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// Call outcomes, as the acp_plugin_calls_total metric labels them.
const (
	outcomeOK          = "ok"
	outcomeError       = "error"
	outcomeTimeout     = "timeout"
	outcomeUnavailable = "unavailable"
	outcomeNotOffered  = "not_offered"
)

// metrics are the plugin metrics; a nil *metrics records nothing.
type metrics struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	restarts *prometheus.CounterVec
	upGauge  *prometheus.GaugeVec
	// series keeps each call series' counter and histogram once first
	// used (a callSeries key to a *callMetrics), so that a call does not
	// look its labels up (WithLabelValues checks and hashes every value
	// on every call). A series still appears only once observed.
	series sync.Map
}

// callSeries names the metric series of one call's outcome.
type callSeries struct{ plugin, rpc, outcome string }

// callMetrics is what a call of one outcome records to.
type callMetrics struct {
	calls    prometheus.Counter
	duration prometheus.Observer // nil for outcomeUnavailable
}

func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_plugin_calls_total", Help: "Plugin calls by plugin, RPC and outcome (ok, error, timeout, unavailable, not_offered).",
		}, []string{"plugin", "rpc", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "acp_plugin_call_duration_seconds", Help: "Plugin call latency, including a restart and retry.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"plugin", "rpc"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_plugin_restarts_total", Help: "Plugin process restarts after a crash or failed start.",
		}, []string{"plugin"}),
		upGauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "acp_plugin_up", Help: "1 while the plugin process runs.",
		}, []string{"plugin"}),
	}
	reg.MustRegister(m.calls, m.duration, m.restarts, m.upGauge)
	return m
}

func (m *metrics) observe(plugin, rpc, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	key := callSeries{plugin, rpc, outcome}
	v, ok := m.series.Load(key)
	if !ok {
		c := &callMetrics{calls: m.calls.WithLabelValues(plugin, rpc, outcome)}
		if outcome != outcomeUnavailable {
			c.duration = m.duration.WithLabelValues(plugin, rpc)
		}
		v, _ = m.series.LoadOrStore(key, c)
	}
	c := v.(*callMetrics)
	c.calls.Inc()
	if c.duration != nil {
		c.duration.Observe(d.Seconds())
	}
}

func (m *metrics) restarted(plugin string) {
	if m != nil {
		m.restarts.WithLabelValues(plugin).Inc()
	}
}

func (m *metrics) up(plugin string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.upGauge.WithLabelValues(plugin).Set(v)
}

// classify names a call's outcome.
func classify(err error) string {
	switch {
	case err == nil:
		return outcomeOK
	case errors.Is(err, ErrUnavailable):
		return outcomeUnavailable
	case errors.Is(err, acp.ErrNotOffered):
		return outcomeNotOffered
	case status.Code(err) == codes.DeadlineExceeded:
		return outcomeTimeout
	default:
		return outcomeError
	}
}
