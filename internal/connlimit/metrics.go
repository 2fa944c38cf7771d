package connlimit

import "github.com/prometheus/client_golang/prometheus"

// Metrics count what a Listener does. A nil *Metrics records nothing.
type Metrics struct {
	acceptErrors prometheus.Counter
	refusals     *prometheus.CounterVec
	open         prometheus.Gauge
}

// NewMetrics registers the listener metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		acceptErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "acp_listener_accept_errors_total",
			Help: "Failed accepts (such as out of file descriptors) that were retried with back-off.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_listener_refused_connections_total",
			Help: "Connections closed on arrival because a limit was reached, by limit (server_limit or client_limit).",
		}, []string{"limit"}),
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "acp_listener_open_connections",
			Help: "Connections open on the API listener.",
		}),
	}
	reg.MustRegister(m.acceptErrors, m.refusals, m.open)
	return m
}

func (m *Metrics) acceptError() {
	if m != nil {
		m.acceptErrors.Inc()
	}
}

func (m *Metrics) refused(reason string) {
	if m != nil {
		m.refusals.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) opened() {
	if m != nil {
		m.open.Inc()
	}
}

func (m *Metrics) closed() {
	if m != nil {
		m.open.Dec()
	}
}
