package main

import (
	"strings"
	"testing"
)

// TestObstacles checks that every target's verdict prints: the goal, the
// figure, met or not, and for one not met its obstacle's own words and
// where its profile comes from.
func TestObstacles(t *testing.T) {
	t.Parallel()
	ids := []string{"create", "full", "plugins", "peer-rate", "peer-p99", "peer-missing", "warmup", "stalls", "rss", "own", "startup"}
	seen := map[string]bool{}
	for _, id := range ids {
		met := verdict(target{id, "a goal", "0.42 ×", true}, obstacleData{})
		if met != "**Target:** a goal. **Measured:** 0.42 ×. **Met.**" {
			t.Errorf("%s met: %q", id, met)
		}
		not := verdict(target{id, "a goal", "0.42 ×", false}, obstacleData{Profile: "cpu.pprof", Trace: "trace.out"})
		obstacle, ok := strings.CutPrefix(not, "**Target:** a goal. **Measured:** 0.42 ×. **Not met.** ")
		if !ok || len(obstacle) < 80 || strings.Contains(obstacle, "\n") {
			t.Errorf("%s not met: %q", id, not)
		}
		if seen[obstacle] {
			t.Errorf("%s: the same obstacle as another target's", id)
		}
		seen[obstacle] = true
		if strings.Contains(obstacle, "-profile") && !strings.Contains(obstacle, "this run's: `cpu.pprof`") {
			t.Errorf("%s: no pointer to this run's profile: %q", id, obstacle)
		}
	}
	if !strings.Contains(verdict(target{"create", "g", "m", false}, obstacleData{}), "go tool pprof") {
		t.Error("the create target's obstacle does not say how to profile")
	}
}

// TestStallTarget wants five rounds, none above 10.
func TestStallTarget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spread series
		met    bool
		note   string
	}{
		{series{3, 4, 9.9, 5, 6}, true, ""},
		{series{3, 4, 10.5, 5, 6}, false, ""},
		{series{3, 4, 5}, false, "fewer than 5 rounds"},
	} {
		got := stallTarget(tc.spread)
		if got.met != tc.met || !strings.Contains(got.measured, tc.note) || got.goal != goalStalls {
			t.Errorf("stallTarget(%v) = %+v", tc.spread, got)
		}
	}
}

// TestMemoryAndStartupTargets check the limits and the sizes the
// targets want.
func TestMemoryAndStartupTargets(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	if !memoryTarget(goalRSS, "rss", 255*mib, 100_000, 256).met || memoryTarget(goalRSS, "rss", 256*mib, 100_000, 256).met ||
		memoryTarget(goalRSS, "rss", 10*mib, 20_000, 256).met {
		t.Error("memoryTarget: wrong verdicts")
	}
	if !startupTarget(series{1, 8, 2}, series{90, 90, 90}, series{90, 700, 180}, 1_000_000).met ||
		startupTarget(series{6, 5.5, 7}, nil, nil, 1_000_000).met || startupTarget(series{1}, nil, nil, 100_000).met {
		t.Error("startupTarget: wrong verdicts")
	}
}
