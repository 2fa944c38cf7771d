package host

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
)

// TestProviderLabels: the first 20 providers get their own label
// (lower-cased, at most 64 characters), the 21st and later count as
// other, and a provider already labelled keeps its label.
func TestProviderLabels(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := newInsightMetrics(reg)
	m.orderAttributed(strings.Repeat("Ä", 100))
	for i := range 19 {
		m.orderAttributed(fmt.Sprintf("Net%d.example", i))
	}
	m.orderAttributed("net21.example")
	m.orderAttributed("NET0.example")
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "acp_orders_attributed_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			got[metric.GetLabel()[0].GetValue()] = metric.GetCounter().GetValue()
		}
	}
	want := map[string]float64{strings.Repeat("ä", 64): 1, "net0.example": 2, otherProvider: 1}
	for i := 1; i < 19; i++ {
		want[fmt.Sprintf("net%d.example", i)] = 1
	}
	if !maps.Equal(got, want) {
		t.Errorf("acp_orders_attributed_total = %v\nwant %v", got, want)
	}
}

// TestSweepInsightsQuietOnShutdown: a sweep ended by the server's
// shutdown (its context canceled) logs no warning.
func TestSweepInsightsQuietOnShutdown(t *testing.T) {
	t.Parallel()
	st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	var logs bytes.Buffer
	h := &Host{cfg: &config.Config{Orders: config.Orders{InsightsRetention: 24 * time.Hour}}, store: st,
		logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.sweepInsights(ctx)
	if logs.Len() != 0 {
		t.Errorf("a sweep canceled by shutdown logged:\n%s", logs.String())
	}
}
