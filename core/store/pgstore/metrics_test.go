package pgstore

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/store"
)

// TestMetrics: the pool and retry metrics reach the registry.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := open(t, Options{Registry: reg, MaxConns: 7})
	if err := s.View(context.Background(), func(r store.Reader) error { _, err := r.Orders("", 1); return err }); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			got[f.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	if got["acp_store_pool_max_connections"] != 7 || got["acp_store_pool_acquires_total"] < 1 {
		t.Errorf("metrics %v; want a pool of 7 with acquires", got)
	}
	if _, ok := got["acp_store_tx_retries_exhausted_total"]; !ok {
		t.Error("no retry metric")
	}
}
