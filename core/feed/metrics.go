package feed

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/internal/promreg"
)

// Outcomes of an upsert, the "outcome" label of acp_feed_upserts_total.
const (
	outcomeAccepted     = "accepted"
	outcomeRefused      = "refused"
	outcomeFeedNotFound = "feed_not_found"
	outcomeFailed       = "failed"
)

// Metrics are the publisher's Prometheus metrics, labelled with the
// target's name. A nil *Metrics records nothing.
type Metrics struct {
	upserts     *prometheus.CounterVec
	sent        *prometheus.CounterVec
	pending     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	publishing  *prometheus.GaugeVec
	panics      *prometheus.CounterVec
}

// NewMetrics creates the feed metrics and registers them with reg (when
// reg is not nil):
//
//   - acp_feed_upserts_total{target,outcome}: upserts by outcome:
//     accepted, refused (400, 413 or 422: a product refused),
//     feed_not_found (the platform lost the feed) or failed (anything
//     else, retried);
//   - acp_feed_products_sent_total{target}: products the platform
//     accepted;
//   - acp_feed_products_pending{target}: products waiting to be sent, as
//     last counted by the process publishing the target;
//   - acp_feed_last_success_timestamp_seconds{target}: when the platform
//     last accepted an upsert from this process;
//   - acp_feed_publishing{target}: 1 while this process holds the
//     target's lease and publishes it, else 0;
//   - acp_feed_panics_total{target}: rounds of publishing that panicked
//     (a bug), recovered.
//
// When reg already holds identical collectors those are reused.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	target := []string{"target"}
	return &Metrics{
		upserts: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_feed_upserts_total",
			Help: "Product feed upserts sent, by outcome.",
		}, []string{"target", "outcome"})),
		sent: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_feed_products_sent_total",
			Help: "Products a feed platform accepted.",
		}, target)),
		pending: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "acp_feed_products_pending",
			Help: "Products waiting to be sent to a feed platform.",
		}, target)),
		lastSuccess: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "acp_feed_last_success_timestamp_seconds",
			Help: "When a feed platform last accepted an upsert from this process (Unix time).",
		}, target)),
		publishing: promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "acp_feed_publishing",
			Help: "1 while this process publishes the feed target (holds its lease), else 0.",
		}, target)),
		panics: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_feed_panics_total",
			Help: "Rounds of publishing a feed target that panicked (a bug), recovered.",
		}, target)),
	}
}

// upsert counts an upsert of n products with its outcome.
func (m *Metrics) upsert(target, outcome string, n int, at time.Time) {
	if m == nil {
		return
	}
	m.upserts.WithLabelValues(target, outcome).Inc()
	if outcome == outcomeAccepted {
		m.sent.WithLabelValues(target).Add(float64(n))
		m.lastSuccess.WithLabelValues(target).Set(float64(at.UnixNano()) / 1e9)
	}
}

// setPending sets the pending gauge.
func (m *Metrics) setPending(target string, n int) {
	if m == nil {
		return
	}
	m.pending.WithLabelValues(target).Set(float64(n))
}

// setPublishing sets the publishing gauge.
func (m *Metrics) setPublishing(target string, on bool) {
	if m == nil {
		return
	}
	v := 0.0
	if on {
		v = 1
	}
	m.publishing.WithLabelValues(target).Set(v)
}

// panicked counts a round that panicked.
func (m *Metrics) panicked(target string) {
	if m == nil {
		return
	}
	m.panics.WithLabelValues(target).Inc()
}
