package main

import (
	"bytes"
	"fmt"
	"strings"
)

// The targets of issue #24, each judged by the section that measures it.
// Their ids name the template "obstacle/<id>" in BENCHMARKS.md.tmpl that
// says what stands in the way when a run does not meet them.
const (
	goalCreate   = "create ≥ 0.50 × the baseline's rate (acp load, and wrk where installed)"
	goalFull     = "the full flow (create, update, complete) ≥ 0.30 × the baseline's request rate"
	goalPlugins  = "the all-plugins store ≥ 0.50 × the built-in (demo) store for create"
	goalPeerRate = "create ≥ 1.0 × the peer's (sumup/acp's checkout example) create rate, both warm"
	goalPeerP99  = "create p99 ≤ 0.25 × the peer's create p99, both warm"
	goalWarmup   = "a fresh server ≥ 0.9 × its steady create rate within its first 2 s of load"
	goalStalls   = "at half the maximum rate, the full flow's p99 ≤ 10 × its p50 in every one of 5 rounds (no stall), and the cause of the past stalls named (\"What stalls\" below)"
	goalRSS      = "resident memory after 100,000 sessions < 256 MB, Badger's mapped files included"
	goalOwn      = "the process's own memory after 100,000 sessions < 96 MB"
	goalStartup  = "start-up with 1,000,000 stored sessions reported and ≤ 5 × an empty start"
)

// stallRounds is how many latency rounds the stall target wants.
const stallRounds = 5

// target is a goal and what the run measured of it.
type target struct {
	// id names the obstacle template of the goal.
	id             string
	goal, measured string
	met            bool
}

// obstacleData is what the obstacle templates may name: this run's CPU
// profile and execution trace files, empty when not asked for.
type obstacleData struct {
	Profile, Trace string
}

// meet records t for the targets table and prints its verdict where the
// section that measured it stands: the target, the figure, met or not,
// and for a target not met what stands in the way and where its profile
// comes from (the template "obstacle/<id>").
func (b *bench) meet(t target) {
	b.targets = append(b.targets, t)
	b.printf("%s\n\n", verdict(t, obstacleData{Profile: b.profile, Trace: b.trace}))
}

// verdict is the paragraph meet prints.
func verdict(t target, data obstacleData) string {
	s := fmt.Sprintf("**Target:** %s. **Measured:** %s. ", t.goal, t.measured)
	if t.met {
		return s + "**Met.**"
	}
	var obstacle bytes.Buffer
	if err := document.ExecuteTemplate(&obstacle, "obstacle/"+t.id, data); err != nil {
		// TestObstacles checks that every target has its template.
		panic(fmt.Sprintf("acp-bench: the obstacle of target %q: %v", t.id, err))
	}
	return s + "**Not met.** " + strings.Join(strings.Fields(obstacle.String()), " ")
}

// metWord is the targets table's "Met?" cell.
func metWord(met bool) string {
	if met {
		return "yes"
	}
	return "no (see its section)"
}
