package pluginmgr

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

// TestObserveFromManyCalls: calls recorded at once from many goroutines
// (through the series kept after first use) each count once, under their
// own labels; an unavailable call has no duration; an outcome never
// observed has no series. Run with -race.
func TestObserveFromManyCalls(t *testing.T) {
	t.Parallel()
	const goroutines, each = 8, 50
	testCases := map[string]struct {
		calls         []callSeries
		wantCalls     map[callSeries]float64
		wantDurations map[[2]string]uint64 // by plugin and rpc
	}{
		"one series": {
			calls:         []callSeries{{"catalog", "catalog.ResolveItems", outcomeOK}},
			wantCalls:     map[callSeries]float64{{"catalog", "catalog.ResolveItems", outcomeOK}: goroutines * each},
			wantDurations: map[[2]string]uint64{{"catalog", "catalog.ResolveItems"}: goroutines * each},
		},
		"outcomes, rpcs and plugins apart": {
			calls: []callSeries{
				{"catalog", "catalog.ResolveItems", outcomeOK},
				{"catalog", "catalog.ResolveItems", outcomeError},
				{"catalog", "catalog.EvaluateDiscounts", outcomeNotOffered},
				{"tax", "tax.Quote", outcomeUnavailable},
				{"tax", "tax.Quote", outcomeTimeout},
			},
			wantCalls: map[callSeries]float64{
				{"catalog", "catalog.ResolveItems", outcomeOK}:              goroutines * each,
				{"catalog", "catalog.ResolveItems", outcomeError}:           goroutines * each,
				{"catalog", "catalog.EvaluateDiscounts", outcomeNotOffered}: goroutines * each,
				{"tax", "tax.Quote", outcomeUnavailable}:                    goroutines * each,
				{"tax", "tax.Quote", outcomeTimeout}:                        goroutines * each,
			},
			wantDurations: map[[2]string]uint64{
				{"catalog", "catalog.ResolveItems"}:      2 * goroutines * each,
				{"catalog", "catalog.EvaluateDiscounts"}: goroutines * each,
				{"tax", "tax.Quote"}:                     goroutines * each, // the timeouts only
			},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			m := newMetrics(reg)
			var wg sync.WaitGroup
			for range goroutines {
				wg.Go(func() {
					for range each {
						for _, c := range tc.calls {
							m.observe(c.plugin, c.rpc, c.outcome, time.Millisecond)
						}
					}
				})
			}
			wg.Wait()
			families, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			gotCalls, gotDurations := map[callSeries]float64{}, map[[2]string]uint64{}
			for _, f := range families {
				for _, s := range f.GetMetric() {
					l := map[string]string{}
					for _, p := range s.GetLabel() {
						l[p.GetName()] = p.GetValue()
					}
					switch f.GetName() {
					case "acp_plugin_calls_total":
						gotCalls[callSeries{l["plugin"], l["rpc"], l["outcome"]}] = s.GetCounter().GetValue()
					case "acp_plugin_call_duration_seconds":
						gotDurations[[2]string{l["plugin"], l["rpc"]}] = s.GetHistogram().GetSampleCount()
					}
				}
			}
			if diff := cmp.Diff(tc.wantCalls, gotCalls, cmp.AllowUnexported(callSeries{})); diff != "" {
				t.Errorf("acp_plugin_calls_total mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantDurations, gotDurations); diff != "" {
				t.Errorf("acp_plugin_call_duration_seconds sample counts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkObserve measures recording one call's metrics.
func BenchmarkObserve(b *testing.B) {
	m := newMetrics(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		m.observe("catalog", "catalog.ResolveItems", outcomeOK, time.Millisecond)
	}
}
