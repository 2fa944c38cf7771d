package webhook

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/internal/promreg"
)

// Metrics are the deliverer's Prometheus metrics, all labelled with the
// target's agent and name. A nil *Metrics records nothing. A Metrics
// serves one Deliverer: its gauges are set only by that Deliverer's Run,
// from the outbox's counts.
type Metrics struct {
	queued       *prometheus.GaugeVec
	dead         *prometheus.GaugeVec
	delivered    *prometheus.CounterVec
	failed       *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	latency      *prometheus.HistogramVec

	// queuedSeen and deadSeen are the gauges' label sets, so that labels
	// without events are set to zero rather than left at an old value.
	// Only the Deliverer's Run goroutine touches them.
	queuedSeen map[labelKey]bool
	deadSeen   map[labelKey]bool
}

// NewMetrics creates the webhook metrics and registers them with reg (when
// reg is not nil):
//
//   - acp_webhook_events_queued: pending events, refreshed on every read
//     of the outbox;
//   - acp_webhook_events_dead: dead-lettered events kept in the store,
//     recounted on the next read of the outbox after a dead-lettering,
//     and at least every 30s;
//   - acp_webhook_events_delivered_total: events answered with a 2xx;
//   - acp_webhook_attempts_failed_total: failed delivery attempts;
//   - acp_webhook_events_dead_lettered_total: events moved to dead;
//   - acp_webhook_delivery_latency_seconds: from an event's creation to
//     its successful delivery.
//
// When reg already holds identical collectors (a second NewMetrics on the
// same registry) those are reused; any other registration conflict panics,
// as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	labels := []string{"agent", "target"}
	return &Metrics{
		queuedSeen: make(map[labelKey]bool),
		deadSeen:   make(map[labelKey]bool),
		queued: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "acp_webhook_events_queued",
			Help: "Webhook events pending delivery.",
		}, labels)),
		dead: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "acp_webhook_events_dead",
			Help: "Dead-lettered webhook events kept in the store.",
		}, labels)),
		delivered: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_webhook_events_delivered_total",
			Help: "Webhook events delivered (answered with a 2xx status).",
		}, labels)),
		failed: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_webhook_attempts_failed_total",
			Help: "Failed webhook delivery attempts.",
		}, labels)),
		deadLettered: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_webhook_events_dead_lettered_total",
			Help: "Webhook events moved to the dead-letter state.",
		}, labels)),
		latency: promreg.Register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "acp_webhook_delivery_latency_seconds",
			Help:    "Time from a webhook event's creation to its successful delivery.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600},
		}, labels)),
	}
}

// labelKey is a gauge's label pair.
type labelKey struct{ agent, target string }

// setQueued sets the pending-events gauge to counts; labels set before
// and missing from counts drop to zero.
func (m *Metrics) setQueued(counts map[labelKey]int) {
	if m == nil {
		return
	}
	setGauge(m.queued, m.queuedSeen, counts)
}

// setDead sets the dead-events gauge like setQueued.
func (m *Metrics) setDead(counts map[labelKey]int) {
	if m == nil {
		return
	}
	setGauge(m.dead, m.deadSeen, counts)
}

// setGauge sets g to counts and zeroes the other labels in seen, adding
// counts' labels to seen.
func setGauge(g *prometheus.GaugeVec, seen map[labelKey]bool, counts map[labelKey]int) {
	for k := range seen {
		if _, ok := counts[k]; !ok {
			g.WithLabelValues(k.agent, k.target).Set(0)
		}
	}
	for k, n := range counts {
		seen[k] = true
		g.WithLabelValues(k.agent, k.target).Set(float64(n))
	}
}

func (m *Metrics) observeDelivered(agent, target string, latencySeconds float64) {
	if m == nil {
		return
	}
	m.delivered.WithLabelValues(agent, target).Inc()
	m.latency.WithLabelValues(agent, target).Observe(max(latencySeconds, 0))
}

func (m *Metrics) observeFailed(agent, target string) {
	if m == nil {
		return
	}
	m.failed.WithLabelValues(agent, target).Inc()
}

func (m *Metrics) observeDeadLettered(agent, target string) {
	if m == nil {
		return
	}
	m.deadLettered.WithLabelValues(agent, target).Inc()
}
