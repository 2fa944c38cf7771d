package host

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/orders"
)

// maxAttributionProviders bounds acp_orders_attributed_total's provider
// label: the first providers this process credits get their own value,
// later ones count as "other". A seller works with a handful of affiliate
// networks; the bound keeps an agent that sends made-up providers from
// growing the metric without limit.
const maxAttributionProviders = 20

// otherProvider is the provider label beyond maxAttributionProviders.
const otherProvider = "other"

// maxProviderLabel bounds a provider label's length in characters: a
// longer provider name is cut to it.
const maxProviderLabel = 64

// insightMetrics counts cancel reasons and attributed orders.
type insightMetrics struct {
	cancels    *prometheus.CounterVec
	attributed *prometheus.CounterVec

	mu        sync.Mutex
	providers map[string]bool
}

// newInsightMetrics registers acp_checkout_cancel_reasons_total (every
// reason label starts at zero, so that rates are defined) and
// acp_orders_attributed_total.
func newInsightMetrics(reg prometheus.Registerer) *insightMetrics {
	m := &insightMetrics{
		cancels: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_checkout_cancel_reasons_total",
			Help: "Checkout sessions canceled by agents, by the intent trace's reason_code: ACP's codes, other (ACP's other and any unknown code) and none (no intent trace).",
		}, []string{"reason_code"}),
		attributed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_orders_attributed_total",
			Help: "Orders placed with an affiliate attribution, by the provider credited (the first touch's when there is one): the first 20 providers seen by the process, then other.",
		}, []string{"provider"}),
		providers: map[string]bool{},
	}
	reg.MustRegister(m.cancels, m.attributed)
	for _, r := range checkout.CancelReasons() {
		m.cancels.WithLabelValues(r)
	}
	return m
}

// canceled counts one cancel by its reason (already one of
// checkout.CancelReasons).
func (m *insightMetrics) canceled(reason string) { m.cancels.WithLabelValues(reason).Inc() }

// orderAttributed counts one attributed order under its provider's label.
func (m *insightMetrics) orderAttributed(provider string) {
	m.attributed.WithLabelValues(m.providerLabel(provider)).Inc()
}

// providerLabel is the label for provider: its lower-cased name (cut to
// maxProviderLabel characters) while the set of labels is not full or
// already holds it, else "other".
func (m *insightMetrics) providerLabel(provider string) string {
	p := strings.ToLower(strings.TrimSpace(provider))
	if r := []rune(p); len(r) > maxProviderLabel {
		p = string(r[:maxProviderLabel])
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.providers[p] {
		return p
	}
	if len(m.providers) >= maxAttributionProviders || p == otherProvider {
		return otherProvider
	}
	m.providers[p] = true
	return p
}

// consentOptions are the configured marketing channels as the codecs
// offer them.
func consentOptions(cfg *config.Config) []acpwire.ConsentOption {
	var out []acpwire.ConsentOption
	for _, o := range cfg.Merchant.MarketingConsentOptions {
		out = append(out, acpwire.ConsentOption{Channel: o.Channel, DisplayText: o.DisplayText, PrivacyPolicyURL: o.PrivacyPolicyURL})
	}
	return out
}

// marketingChannels are the configured channels' names, for the engine.
func marketingChannels(cfg *config.Config) []string {
	var out []string
	for _, o := range cfg.Merchant.MarketingConsentOptions {
		out = append(out, o.Channel)
	}
	return out
}

// insightsSweepInterval is how often the expired insights of orders are
// erased: retention is counted in days, so an hour late is on time.
const insightsSweepInterval = time.Hour

// sweepInsights erases the expired insights of orders at start and then
// every insightsSweepInterval, until ctx ends, on one replica at a time
// (orders.InsightsSweeper: the replica holding the insights-sweep lease,
// which lapses three intervals after its holder stops).
func (h *Host) sweepInsights(ctx context.Context) {
	sweeper := &orders.InsightsSweeper{Store: h.store, Retention: h.cfg.Orders.InsightsRetention, LeaseTTL: 3 * insightsSweepInterval}
	sweep := func() {
		_, erased, err := sweeper.Pass(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			h.logger.Warn("erasing expired order insights", "erased", erased, "error", err.Error())
		case erased > 0:
			h.logger.Info("erased expired order insights", "orders", erased)
		}
	}
	sweep()
	repeat(ctx, insightsSweepInterval, sweep)
	sweeper.Release(context.Background())
}
