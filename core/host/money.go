package host

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/checkout"
)

// moneyReporter counts what happened to the money of checkouts that did
// not complete normally (the checkout engine logs each one), in
// acp_payment_releases_total by handler, cause and where the money is
// now. attention counts those the seller must act on, and cancelRetries
// the cancels of an order that failed and are being retried, the money
// held meanwhile.
type moneyReporter struct {
	outcomes      *prometheus.CounterVec
	attention     *prometheus.CounterVec
	cancelRetries *prometheus.CounterVec
}

// newMoneyReporter registers the money metrics with reg.
func newMoneyReporter(reg prometheus.Registerer) checkout.MoneyReporter {
	r := &moneyReporter{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_payment_releases_total",
			Help: "Payments of checkouts whose order was refused, not placed in time, or not capturable: by handler, cause (order_refused, out_of_stock, placement_deadline, capture_refused) and money (voided, refunded, capture_failed, or authorized/captured when releasing failed).",
		}, []string{"handler", "cause", "money"}),
		attention: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_payment_attention_total",
			Help: "Payments the seller must act on: the money could not be released, or an order whose capture failed could not be canceled.",
		}, []string{"handler", "cause"}),
		cancelRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_order_cancel_failures_total",
			Help: "Cancels of an order that failed and are retried while the payment stays held: the order system was asked to cancel an order not placed by the placement deadline (placement_deadline) or one whose capture was refused (capture_refused), and did not answer.",
		}, []string{"handler", "cause"}),
	}
	reg.MustRegister(r.outcomes, r.attention, r.cancelRetries)
	return r
}

// ReportMoney counts one outcome.
func (r *moneyReporter) ReportMoney(_ context.Context, o checkout.MoneyOutcome) {
	if o.Retrying {
		r.cancelRetries.WithLabelValues(o.HandlerID, o.Cause).Inc()
		return
	}
	r.outcomes.WithLabelValues(o.HandlerID, o.Cause, string(o.State)).Inc()
	if o.Err != nil {
		r.attention.WithLabelValues(o.HandlerID, o.Cause).Inc()
	}
}
