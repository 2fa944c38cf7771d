package main

import (
	"fmt"
	"time"

	"github.com/acp-sidecar/acp/internal/loadgen"
)

// firstWindow is the start of a fresh server's life whose create rate the
// warm-up measurement compares with its steady rate.
const firstWindow = 2 * time.Second

// warmup measures, on a fresh demo store in each round, the creates per
// second of its first seconds of load (closed loop, from the moment
// /readyz answered 200) against its steady rate right after them.
func (b *bench) warmup() error {
	var first, steady, ratio series
	for round := range b.warmRounds {
		step(fmt.Sprintf("warm-up, round %d of %d", round+1, b.warmRounds))
		s, err := b.startServer(fmt.Sprintf("fresh-%d", round), "acp.yaml", "", false, false, "")
		if err != nil {
			return err
		}
		f, err := b.closedLoop(s, loadgen.FlowCreate, firstWindow)
		if err != nil {
			return err
		}
		r, err := b.closedLoop(s, loadgen.FlowCreate, b.round)
		if err != nil {
			return err
		}
		if err := b.stop(s); err != nil {
			return err
		}
		first = append(first, f.Total.Throughput)
		steady = append(steady, r.Total.Throughput)
		ratio = append(ratio, f.Total.Throughput/r.Total.Throughput)
	}
	b.printf("### Warm-up: a fresh server's first %s (%s)\n\n", firstWindow, plural(b.warmRounds, "round"))
	b.printf("In each round a fresh demo store (empty data directory) takes creates closed loop (%d connections) as soon as its `/readyz` answers 200: the rate of its first %s against its rate over the %s right after them.\n\n",
		b.connections, firstWindow, b.round)
	b.printf("| Measure | Value |\n|---|---|\n")
	b.printf("| creates/s, first %s | %s |\n", firstWindow, first.format(0))
	b.printf("| creates/s, the %s after | %s |\n", b.round, steady.format(0))
	b.printf("| first / after | %s |\n\n", ratio.format(2))
	b.meet(target{"warmup", goalWarmup, ratio.format(2) + " × its steady rate", ratio.median() >= 0.9})
	return nil
}
