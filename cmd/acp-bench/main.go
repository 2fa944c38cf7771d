// Command acp-bench reproduces BENCHMARKS.md: it builds acp and the
// first-party plugins, runs the baseline (`acp load baseline`), the demo
// store (built-in providers) and the plugins store (every capability
// served by a plugin process) as separate processes, and the demo store
// on PostgreSQL where a server answers, measures them with
// `acp load run` (a fresh process for each measurement) and, where wrk is
// installed, with wrk too, and prints every figure as a ratio to the
// baseline measured in the same round, the median of several rounds with
// their spread.
//
//	go run ./cmd/acp-bench -o BENCHMARKS.md   # the whole document, about 12 minutes
//	go run ./cmd/acp-bench -rounds 3 -round 3s -sessions 20000   # the figures only, on stdout
//
// Run it from the repository root on an otherwise idle machine.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/internal/loadgen"
)

// demoToken is the demo agent's local-only token in acp.yaml and in
// examples/plugins-store/acp.yaml.
const demoToken = "demo-agent-local-token"

// options are acp-bench's flags.
type options struct {
	rounds          int
	round           time.Duration
	connections     int
	latencyRounds   int
	latencyDuration time.Duration
	settle          time.Duration
	sessions        int64
	profile         string
	trace           string
	out             string
	noWrk           bool
	postgres        string
	startSessions   int
	startRounds     int
	warmRounds      int
	// peerSrc is a local copy of the peer's source to build it from; the
	// pinned version through the Go module proxy when empty.
	peerSrc string
	// only names the sections to run; every section when empty.
	only map[string]bool
}

// sections are the measurements -only can pick, in the order they run.
var sections = []string{"throughput", "latency", "peer", "footprint", "startup", "warmup"}

// wants reports whether the run measures section.
func (o options) wants(section string) bool { return len(o.only) == 0 || o.only[section] }

// parseOnly reads -only: a comma-separated list of sections.
func parseOnly(s string) (map[string]bool, error) {
	if s == "" {
		return nil, nil
	}
	only := map[string]bool{}
	for name := range strings.SplitSeq(s, ",") {
		if !slices.Contains(sections, name) {
			return nil, fmt.Errorf("-only: unknown section %q (want some of %s)", name, strings.Join(sections, ","))
		}
		only[name] = true
	}
	return only, nil
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 5, "throughput rounds; in each, every configuration is measured by each tool in turn")
	flag.DurationVar(&o.round, "round", 5*time.Second, "how long each throughput measurement runs (whole seconds)")
	flag.IntVar(&o.connections, "connections", 16, "connections of the closed-loop measurements: acp load's agents, wrk's -c")
	flag.IntVar(&o.latencyRounds, "latency-rounds", stallRounds, "rounds of the open-loop latency measurements")
	flag.DurationVar(&o.latencyDuration, "latency-duration", 10*time.Second, "how long each open-loop latency measurement runs")
	flag.DurationVar(&o.settle, "settle", 20*time.Second, "idle time between the throughput rounds and the latency rounds, for the stores' compactions")
	flag.Int64Var(&o.sessions, "sessions", 100000, "sessions created for the memory and disk figures")
	flag.StringVar(&o.profile, "profile", "", "also write a 10 s CPU profile of the demo store under create load to this file, and 5 s of its allocations beside it (cpu.pprof: cpu-allocs.pprof)")
	flag.StringVar(&o.trace, "trace", "", "also write a 5 s execution trace of the demo store in its first latency round (open loop at half rate) to this file, and its blocking profile beside it (FILE.sync.pprof)")
	flag.StringVar(&o.out, "o", "", "write the whole BENCHMARKS.md to this file (default: the figures only, on stdout)")
	flag.BoolVar(&o.noWrk, "no-wrk", false, "measure with acp load only, even where wrk is installed")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"PostgreSQL server on which the demo store is also measured, in a database made for the run and dropped after it; empty to leave it out")
	flag.IntVar(&o.startSessions, "start-sessions", 1_000_000, "sessions seeded into the store whose start-up is measured")
	flag.IntVar(&o.startRounds, "start-rounds", 3, "rounds of the start-up measurement, each an empty and a seeded start")
	flag.IntVar(&o.warmRounds, "warm-rounds", 3, "rounds of the warm-up measurement, each on a fresh server")
	flag.StringVar(&o.peerSrc, "peer-src", "", "build the peer ("+peerModule+") from this local copy of its source at "+peerVersion+" instead of through the Go module proxy")
	only := flag.String("only", "", "run only these sections, comma-separated: "+strings.Join(sections, ","))
	flag.Parse()
	var err error
	if o.only, err = parseOnly(*only); err != nil {
		fmt.Fprintln(os.Stderr, "acp-bench:", err)
		os.Exit(2)
	}
	if o.rounds < 1 || o.latencyRounds < 1 || o.round < time.Second || o.latencyDuration < time.Second || o.connections < 1 ||
		o.startRounds < 1 || o.warmRounds < 1 || o.startSessions < 1 {
		fmt.Fprintln(os.Stderr, "acp-bench: want at least one round of each, durations of at least 1s and at least one connection")
		os.Exit(2)
	}
	b := &bench{options: o}
	if !o.noWrk {
		b.wrk = wrkVersion()
	}
	if err := b.run(); err != nil {
		fmt.Fprintln(os.Stderr, "acp-bench:", err)
		os.Exit(1)
	}
}

type bench struct {
	options
	// wrk is wrk's version, "" when it is not used.
	wrk   string
	dir   string
	bin   string
	procs []*server
	// scripts are the wrk scripts by server name.
	scripts map[string]string
	// figures is the Markdown of the figures.
	figures bytes.Buffer
	// pgFigures is the Markdown of the PostgreSQL section.
	pgFigures bytes.Buffer
	// db is the run's PostgreSQL database, nil when it is not measured;
	// pgSkipped then says why.
	db        *database
	pgSkipped string
	// results are the measurements by name, one value per round.
	results map[string]series
	// targets are the rows of the targets table.
	targets []target
	runs    int
}

func (b *bench) printf(format string, a ...any) { fmt.Fprintf(&b.figures, format, a...) }

// add records one round's value of a measurement.
func (b *bench) add(name string, v float64) { b.results[name] = append(b.results[name], v) }

func (b *bench) run() error {
	b.results = map[string]series{}
	b.scripts = map[string]string{}
	dir, err := os.MkdirTemp("", "acp-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Deferred after RemoveAll, so it runs first: no server outlives its
	// directory.
	defer b.stopAll()
	b.dir, b.bin = dir, filepath.Join(dir, "bin")
	step("building acp and the plugins")
	if out, err := exec.Command("go", "build", "-o", b.bin+string(filepath.Separator), "./cmd/acp", "./plugins/...").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	intake := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") })}
	intakeLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = intake.Serve(intakeLn) }()
	defer intake.Close()

	loadBefore := loadAverage()
	if busy(loadBefore) {
		step(fmt.Sprintf("the machine is busy (load average %.2f on %d CPUs): the figures will be low and noisy, and the document says so", loadBefore, runtime.NumCPU()))
	}
	started := time.Now().UTC()
	if b.wants("throughput") || b.wants("latency") {
		if err := b.loadSections("http://" + intakeLn.Addr().String()); err != nil {
			return err
		}
	} else {
		b.pgSkipped = "acp-bench ran without the throughput section"
		b.printPostgres()
	}
	if b.wants("peer") {
		if err := b.peer(); err != nil {
			return err
		}
	}
	if b.wants("footprint") {
		step(fmt.Sprintf("memory and disk for %d sessions", b.sessions))
		if err := b.footprint(); err != nil {
			return err
		}
	}
	if b.wants("startup") {
		if err := b.startup(); err != nil {
			return err
		}
	}
	if b.wants("warmup") {
		if err := b.warmup(); err != nil {
			return err
		}
	}
	return b.write(started, loadBefore, loadAverage())
}

// loadSections starts the baseline and the stores and measures their
// throughput and latency (the sections -only names of these two).
func (b *bench) loadSections(intake string) error {
	baseline, err := b.startBaseline()
	if err != nil {
		return err
	}
	demo, err := b.startServer("demo", "acp.yaml", "", b.profile != "" || b.trace != "", false, "")
	if err != nil {
		return err
	}
	plugins, err := b.startServer("plugins", "examples/plugins-store/acp.yaml", intake, false, false, "")
	if err != nil {
		return err
	}
	// The demo store without stock figures: the full flow without
	// reservations, measured in the same rounds as the demo's.
	noStock, err := b.startServer("nostock", "acp.yaml", "", false, true, "")
	if err != nil {
		return err
	}
	var pg *server
	switch {
	case b.postgres == "":
		b.pgSkipped = "acp-bench ran with an empty -postgres"
	case !b.wants("throughput"):
		b.pgSkipped = "acp-bench ran without the throughput section"
	default:
		step("making a PostgreSQL database and starting the demo store on it")
		defer func() {
			if b.db != nil {
				if err := b.db.drop(); err != nil {
					step(err.Error())
				}
			}
		}()
		if pg, err = b.startPostgres(); err != nil && b.db == nil {
			// No server to measure on: the document says so.
			b.pgSkipped = "no PostgreSQL server answered at the -postgres DSN"
			step(fmt.Sprintf("%s (%v)", b.pgSkipped, err))
		} else if err != nil {
			return err
		}
	}
	servers := []*server{baseline, demo, plugins}
	if b.wrk != "" {
		for _, s := range servers {
			if b.scripts[s.name], err = wrkScript(b.dir, s.name, s.url, s.token); err != nil {
				return err
			}
		}
	}

	step("warming up")
	for _, s := range append(servers, pg) {
		if s == nil {
			continue
		}
		if _, err := b.closedLoop(s, loadgen.FlowCreate, 2*time.Second); err != nil {
			return err
		}
	}
	if _, err := b.closedLoop(noStock, loadgen.FlowFull, 2*time.Second); err != nil {
		return err
	}
	if b.wants("throughput") {
		if err := b.throughput(servers, noStock, pg); err != nil {
			return err
		}
	} else if err := b.fullRates(demo, plugins); err != nil {
		return err
	}
	if pg != nil {
		if err := b.stop(pg); err != nil {
			return err
		}
	}
	b.printPostgres()

	if b.wants("latency") {
		// The rounds at full speed leave Badger compactions queued behind
		// them; a server running at half load would have caught up long ago.
		step(fmt.Sprintf("letting the stores settle for %s", b.settle))
		time.Sleep(b.settle)
		if err := b.latency(baseline, demo, plugins); err != nil {
			return err
		}
	}
	if b.profile != "" {
		step("profiling the demo store under create load")
		allocs := allocsPath(b.profile)
		if err := b.profileLoad(demo, b.profile, allocs); err != nil {
			return err
		}
		cpu, err := profileTop(b.profile, "-top", "-top -cum")
		if err != nil {
			return err
		}
		garbage, err := profileTop(allocs, "-sample_index=alloc_space -top")
		if err != nil {
			return err
		}
		b.printf("### Profiles of the demo store under create load\n\n"+
			"10 s of creates at full speed (%d connections), taken with `-profile %s`; the functions that take the most CPU, by their own time, then with what they call (`go tool pprof -top`, `-top -cum`):\n\n```text\n%s```\n\n"+
			"Then 5 s of the same load's allocations (`%s`), by the functions that allocate, in bytes (`go tool pprof -sample_index=alloc_space -top`): what the collector has to reclaim.\n\n```text\n%s```\n\n",
			b.connections, b.profile, cpu, allocs, garbage)
	}
	if b.trace != "" && b.wants("latency") {
		sync := b.trace + ".sync.pprof"
		if err := syncProfile(b.trace, sync); err != nil {
			return err
		}
		waits, err := profileTop(sync, "-top", "-top -cum")
		if err != nil {
			return err
		}
		b.printf("### Where the demo store's goroutines waited at half load\n\n"+
			"From the execution trace of the first latency round (`-trace %s`): the time goroutines spent blocked on channels, mutexes and condition variables, by where they waited, then with what they were called from (`go tool trace -pprof=sync`, then `go tool pprof -top` and `-top -cum`); \"What stalls\" below reads it.\n\n```text\n%s```\n\n",
			b.trace, waits)
	}
	for _, s := range []*server{baseline, demo, plugins, noStock} {
		if err := b.stop(s); err != nil {
			return err
		}
	}
	return nil
}

// fullRates measures the full flow's maximum rate of each store, one
// closed-loop round each, when the latency section runs without the
// throughput rounds that would give it.
func (b *bench) fullRates(stores ...*server) error {
	for _, s := range stores {
		step("maximum full-flow rate of " + s.name)
		r, err := b.closedLoop(s, loadgen.FlowFull, b.round)
		if err != nil {
			return err
		}
		b.add("full/"+s.name, r.Total.Throughput)
	}
	return nil
}

// throughput measures create alone on every server with each tool, and
// the full flow on the stores (and on noStock, the demo store without
// stock figures) with acp load, round after round, so that every ratio is
// taken between measurements made minutes apart at most; pg, when not nil
// (the demo store on PostgreSQL), is measured in each round by acp load,
// create alone and the full flow, right after the others.
func (b *bench) throughput(servers []*server, noStock, pg *server) error {
	tools := []string{"acp"}
	if b.wrk != "" {
		tools = append(tools, "wrk")
	}
	for round := range b.rounds {
		step(fmt.Sprintf("throughput, round %d of %d", round+1, b.rounds))
		for _, s := range servers {
			for i := range tools {
				// Each tool goes first in every other round.
				tool := tools[(i+round)%len(tools)]
				var rps, p99 float64
				if tool == "acp" {
					r, err := b.closedLoop(s, loadgen.FlowCreate, b.round)
					if err != nil {
						return err
					}
					rps, p99 = r.Total.Throughput, r.Total.Latency.P99
				} else {
					r, err := b.runWrk(s)
					if err != nil {
						return err
					}
					rps, p99 = r.rps, r.p99
				}
				b.add("create/"+s.name+"/"+tool, rps)
				b.add("create-p99/"+s.name+"/"+tool, p99)
			}
		}
		for _, s := range append(servers[1:], noStock) {
			r, err := b.closedLoop(s, loadgen.FlowFull, b.round)
			if err != nil {
				return err
			}
			b.add("full/"+s.name, r.Total.Throughput)
			b.add("flows/"+s.name, float64(r.Flows[loadgen.FlowFull].Completed)/r.WindowSeconds)
		}
		if pg == nil {
			continue
		}
		r, err := b.closedLoop(pg, loadgen.FlowCreate, b.round)
		if err != nil {
			return err
		}
		b.add("create/postgres/acp", r.Total.Throughput)
		b.add("create-p99/postgres/acp", r.Total.Latency.P99)
		if r, err = b.closedLoop(pg, loadgen.FlowFull, b.round); err != nil {
			return err
		}
		b.add("full/postgres", r.Total.Throughput)
		b.add("flows/postgres", float64(r.Flows[loadgen.FlowFull].Completed)/r.WindowSeconds)
	}
	b.printThroughput(tools)
	return nil
}

// closedLoop runs one closed-loop measurement of flow on s with acp load.
func (b *bench) closedLoop(s *server, flow loadgen.Flow, d time.Duration) (*loadgen.Report, error) {
	r, err := b.load(loadgen.Config{
		Target: s.url, Token: s.token, Concurrency: b.connections, Duration: d, Mix: loadgen.Mix{{Flow: flow, Weight: 1}},
	})
	if err != nil {
		return nil, err
	}
	return r, clean(s.name, r)
}

// runWrk runs one wrk measurement of creates on s.
func (b *bench) runWrk(s *server) (wrkResult, error) {
	b.runs++
	r, err := runWrk(b.scripts[s.name], s.url, b.connections, b.round, fmt.Sprintf("%d-%d", time.Now().UnixNano(), b.runs))
	if err != nil {
		return r, err
	}
	if r.non2xx > 0 || r.socketErrors > 0 {
		return r, fmt.Errorf("%s: wrk recorded %d answers other than 2xx and %d socket errors", s.name, r.non2xx, r.socketErrors)
	}
	return r, nil
}

func (b *bench) printThroughput(tools []string) {
	res := b.results
	b.printf("### The ruler: the baseline measured by acp load and by wrk\n\n")
	if b.wrk == "" {
		b.printf("wrk is not installed here: the figures are acp load's alone.\n\n")
		b.printf("| Measure | acp load |\n|---|---|\n")
		b.printf("| baseline creates/s | %s |\n\n", res["create/baseline/acp"].format(0))
	} else {
		b.printf("| Measure | acp load | wrk | acp load / wrk |\n|---|---|---|---|\n")
		for _, name := range []string{"baseline", "demo", "plugins"} {
			acp, wrk := res["create/"+name+"/acp"], res["create/"+name+"/wrk"]
			b.printf("| %s creates/s | %s | %s | %s |\n", name, acp.format(0), wrk.format(0), acp.ratios(wrk).format(2))
		}
		b.printf("\n")
		agree := res["create/baseline/acp"].ratios(res["create/baseline/wrk"])
		b.printf("On the baseline acp load reached %s × wrk's rate: ", agree.format(2))
		if agree.median() >= 0.8 && agree.median() <= 1.2 {
			b.printf("within 20 %%, so the generator is not the bottleneck.\n\n")
		} else {
			b.printf("MORE THAN 20 %% APART: one of the generators is the bottleneck and the ratios below are suspect.\n\n")
		}
	}

	b.printf("### Throughput against the baseline (closed loop, %d connections)\n\n", b.connections)
	b.printf("Each cell: the median over the rounds of the ratio to the baseline measured by the same tool in the same round, the lowest and highest in brackets, then the median rate.\n\n")
	b.printf("| Measure | demo | plugins | plugins / demo |\n|---|---|---|---|\n")
	for _, tool := range tools {
		base := res["create/baseline/"+tool]
		d, p := res["create/demo/"+tool], res["create/plugins/"+tool]
		b.printf("| create alone, %s | %s × baseline (%.0f/s) | %s × baseline (%.0f/s) | %s |\n", toolName(tool),
			d.ratios(base).format(2), d.median(), p.ratios(base).format(2), p.median(), p.ratios(d).format(2))
	}
	base := res["create/baseline/acp"]
	d, p := res["full/demo"], res["full/plugins"]
	b.printf("| full flow (create, update, complete), acp load | %s × baseline (%.0f req/s, %.0f flows/s) | %s × baseline (%.0f req/s, %.0f flows/s) | %s |\n\n",
		d.ratios(base).format(2), d.median(), res["flows/demo"].median(), p.ratios(base).format(2), p.median(), res["flows/plugins"].median(), p.ratios(d).format(2))
	b.printf("The full flow's ratio divides its requests per second (a third each create, update and complete) by the baseline's creates per second.\n")
	b.printStock()
	b.printf("Closed-loop p99 of create alone, median of the rounds: ")
	for i, tool := range tools {
		if i > 0 {
			b.printf("; ")
		}
		b.printf("%s: baseline %.2f ms, demo %.2f ms, plugins %.2f ms", toolName(tool),
			res["create-p99/baseline/"+tool].median(), res["create-p99/demo/"+tool].median(), res["create-p99/plugins/"+tool].median())
	}
	b.printf(".\n\n")

	createRatio := res["create/demo/acp"].ratios(base)
	measured := fmt.Sprintf("%s × (acp load)", createRatio.format(2))
	met := createRatio.median() >= 0.50
	if b.wrk != "" {
		wrkRatio := res["create/demo/wrk"].ratios(res["create/baseline/wrk"])
		measured += fmt.Sprintf(", %s × (wrk)", wrkRatio.format(2))
		met = met && wrkRatio.median() >= 0.50
	}
	b.meet(target{"create", goalCreate, measured, met})
	full := d.ratios(base)
	b.meet(target{"full", goalFull, fmt.Sprintf("%s × (acp load)", full.format(2)), full.median() >= 0.30})
	pc := res["create/plugins/acp"].ratios(res["create/demo/acp"])
	b.meet(target{"plugins", goalPlugins, fmt.Sprintf("%s × for create (acp load; the full flow %s ×)", pc.format(2), p.ratios(d).format(2)), pc.median() >= 0.50})
}

// printStock prints the full flow of the demo store with stock control
// against the same store without stock figures, measured in the same
// rounds.
func (b *bench) printStock() {
	res := b.results
	with, without := res["full/demo"], res["full/nostock"]
	b.printf("\n### The full flow with stock reservations and without (closed loop, %d connections)\n\n", b.connections)
	b.printf("The demo store (every complete reserves its units in the transaction that records the attempt and sells them in the one that stores the order) against the same store with its `stock:` figures removed (nothing is stock-controlled, nothing reserved), measured in the same rounds; the ratio is taken within each round.\n\n")
	b.printf("| Measure | with stock control | without | with / without |\n|---|---|---|---|\n")
	b.printf("| full flow, acp load | %.0f req/s (%.0f flows/s) | %.0f req/s (%.0f flows/s) | %s |\n\n",
		with.median(), res["flows/demo"].median(), without.median(), res["flows/nostock"].median(), with.ratios(without).format(2))
}

// plural is "1 round", "3 rounds".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func toolName(tool string) string {
	if tool == "acp" {
		return "acp load"
	}
	return tool
}

// latency runs each store's full flow open loop at half of its maximum,
// and the baseline's creates at the same rate, round after round.
func (b *bench) latency(baseline *server, stores ...*server) error {
	agents := 2 * b.connections
	b.printf("### Latency at half of the maximum full-flow throughput (open loop, %d agents, %s per measurement, %s)\n\n", agents, b.latencyDuration, plural(b.latencyRounds, "round"))
	b.printf("Latency counts from when each request was due. Each store runs the full flow at half of its median rate above, and the baseline runs creates at the same rate in the same round; the ratio divides the store's p99 by the baseline's.\n\n")
	b.printf("| Config | Rate (req/s) | Rounds kept up | p50 | p99 | p99 / p50 | p99 / baseline's p99 | create / update / complete p99 | Max | baseline p99 |\n")
	b.printf("|---|---|---|---|---|---|---|---|---|---|\n")
	var demoSpread series
	for _, s := range stores {
		rate := b.results["full/"+s.name].median() / 2
		var p50, p99, maxLat, base99, ratio, spread series
		per := map[loadgen.Endpoint]series{}
		kept := 0
		for round := range b.latencyRounds {
			step(fmt.Sprintf("latency of %s at %.0f req/s, round %d of %d", s.name, rate, round+1, b.latencyRounds))
			var sr, br *loadgen.Report
			var err error
			// The store and the baseline take turns going first.
			for i := range 2 {
				if (i+round)%2 == 0 {
					traced := make(chan error, 1)
					if s.name == "demo" && round == 0 && b.trace != "" {
						go func() { traced <- fetchTrace(b.trace) }()
					} else {
						traced <- nil
					}
					sr, err = b.openLoop(s, loadgen.FlowFull, rate, agents)
					err = errors.Join(err, <-traced)
				} else {
					br, err = b.openLoop(baseline, loadgen.FlowCreate, rate, agents)
				}
				if err != nil {
					return err
				}
			}
			p50 = append(p50, sr.Total.Latency.P50)
			p99 = append(p99, sr.Total.Latency.P99)
			maxLat = append(maxLat, sr.Total.Latency.Max)
			base99 = append(base99, br.Total.Latency.P99)
			ratio = append(ratio, sr.Total.Latency.P99/br.Total.Latency.P99)
			spread = append(spread, sr.Total.Latency.P99/sr.Total.Latency.P50)
			for _, e := range []loadgen.Endpoint{loadgen.EndpointCreate, loadgen.EndpointUpdate, loadgen.EndpointComplete} {
				per[e] = append(per[e], sr.Endpoints[e].Latency.P99)
			}
			if sr.Schedule.KeptUp && br.Schedule.KeptUp {
				kept++
			}
		}
		b.printf("| %s | %.0f | %d of %d | %s ms | %s ms | %s | %s | %.2f / %.2f / %.2f ms | %s ms | %s ms |\n", s.name, rate, kept, b.latencyRounds,
			p50.format(2), p99.format(2), spread.format(1), ratio.format(1), per[loadgen.EndpointCreate].median(), per[loadgen.EndpointUpdate].median(),
			per[loadgen.EndpointComplete].median(), maxLat.format(1), base99.format(2))
		if s.name == "demo" {
			demoSpread = spread
		}
	}
	b.printf("\nwrk (Debian's) has no fixed-rate mode, so the open-loop figures are acp load's alone.\n\n")
	b.meet(stallTarget(demoSpread))
	return nil
}

// stallTarget judges the demo store's p99 / p50 of each latency round:
// no round above 10, and at least stallRounds of them.
func stallTarget(spread series) target {
	measured := fmt.Sprintf("p99 / p50 %s (the highest round in brackets), %s", spread.format(1), plural(len(spread), "round"))
	if len(spread) < stallRounds {
		measured += fmt.Sprintf(": fewer than %d rounds, no verdict (-latency-rounds %d)", stallRounds, stallRounds)
	}
	return target{"stalls", goalStalls, measured, len(spread) >= stallRounds && slices.Max(spread) <= 10}
}

// openLoop runs one open-loop measurement of flow on s at rate.
func (b *bench) openLoop(s *server, flow loadgen.Flow, rate float64, agents int) (*loadgen.Report, error) {
	r, err := b.load(loadgen.Config{
		Target: s.url, Token: s.token, Concurrency: agents, Duration: b.latencyDuration, Rate: rate,
		Mix: loadgen.Mix{{Flow: flow, Weight: 1}}, Warmup: time.Second,
	})
	if err != nil {
		return nil, err
	}
	return r, clean(s.name, r)
}

// load runs `acp load run` as a process of its own (a fresh generator for
// every measurement, as an operator would run it) and reads its JSON
// report.
func (b *bench) load(cfg loadgen.Config) (*loadgen.Report, error) {
	args := []string{"load", "run", "--target", cfg.Target, "--concurrency", strconv.Itoa(cfg.Concurrency),
		"--mix", cfg.Mix.String(), "--json", "-"}
	if cfg.Duration > 0 {
		args = append(args, "--duration", cfg.Duration.String())
	}
	if cfg.Requests > 0 {
		args = append(args, "--requests", strconv.FormatInt(cfg.Requests, 10))
	}
	if cfg.Rate > 0 {
		args = append(args, "--rate", strconv.FormatFloat(cfg.Rate, 'f', 0, 64))
	}
	if cfg.Warmup > 0 {
		args = append(args, "--warmup", cfg.Warmup.String())
	}
	cmd := exec.Command(filepath.Join(b.bin, "acp"), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if cfg.Token != "" {
		cmd.Env = append(cmd.Env, "ACP_LOAD_TOKEN="+cfg.Token)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("acp %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var r loadgen.Report
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("acp load run report: %w", err)
	}
	return &r, nil
}

// clean fails a measurement that recorded errors: figures of a server
// that refused requests would flatter it.
func clean(name string, r *loadgen.Report) error {
	if r.Total.Errors > 0 || r.Total.TransportErrors > 0 {
		data, _ := json.Marshal(r.Total)
		return fmt.Errorf("%s: the run recorded errors: %s", name, data)
	}
	return nil
}

// footprint starts a fresh demo store, measures its resident memory idle,
// creates sessions (a fixed run, whose count it checks against the
// server's own request metrics), and measures memory and disk again, then
// after a graceful stop.
func (b *bench) footprint() error {
	s, err := b.startServer("footprint", "acp.yaml", "", false, false, "")
	if err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // let start-up garbage be collected
	idle, _, idleAnon, err := memory(s.cmd.Process.Pid)
	if err != nil {
		return err
	}
	countedBefore, err := serverRequests(s.url)
	if err != nil {
		return err
	}
	began := time.Now()
	r, err := b.load(loadgen.Config{
		Target: s.url, Token: s.token, Concurrency: b.connections, Requests: b.sessions, Mix: loadgen.Mix{{Flow: loadgen.FlowCreate, Weight: 1}},
	})
	if err != nil {
		return err
	}
	if err := clean(s.name, r); err != nil {
		return err
	}
	took := time.Since(began)
	countedAfter, err := serverRequests(s.url)
	if err != nil {
		return err
	}
	after, peak, anon, err := memory(s.cmd.Process.Pid)
	if err != nil {
		return err
	}
	mapped, err := mappedFiles(s.cmd.Process.Pid)
	if err != nil {
		return err
	}
	running, err := diskUsage(s.data)
	if err != nil {
		return err
	}
	if err := b.stop(s); err != nil {
		return err
	}
	closed, err := diskUsage(s.data)
	if err != nil {
		return err
	}
	sessions := b.sessions
	b.printf("### Memory and disk for %d sessions (created in %s, %d agents)\n\n", sessions, took.Round(time.Second), b.connections)
	b.printf("| Measure | Value |\n|---|---|\n")
	b.printf("| resident memory, idle after start | %.1f MB (own: %.1f MB) |\n", mb(idle), mb(idleAnon))
	b.printf("| resident memory after %d sessions | %.1f MB (peak %.1f MB); own (anonymous) %.1f MB, the rest mapped files |\n", sessions, mb(after), mb(peak), mb(anon))
	b.printf("| of which mapped files | value log %.1f MB, tables %.1f MB, memtables' logs %.1f MB, the binary and libraries %.1f MB |\n",
		mb(mapped[".vlog"]), mb(mapped[".sst"]), mb(mapped[".mem"]), mb(mapped["other"]))
	b.printf("| disk, server running | %.1f MB (%.0f bytes per session) |\n", mb(running), float64(running)/float64(sessions))
	b.printf("| disk, after a graceful stop | %.1f MB (%.0f bytes per session) |\n\n", mb(closed), float64(closed)/float64(sessions))
	served := countedAfter - countedBefore
	b.printf("Counts: acp load recorded %d creates; the server's own `acp_http_requests_total` counted %d checkout requests in the same run", r.Total.Count, served)
	if served == r.Total.Count {
		b.printf(" (equal).\n\n")
	} else {
		b.printf(": THEY DIFFER.\n\n")
	}
	b.meet(memoryTarget(goalRSS, "rss", after, sessions, 256))
	b.meet(memoryTarget(goalOwn, "own", anon, sessions, 96))
	return nil
}

// memoryTarget judges a memory figure in bytes against limit MB; the
// target wants it after 100,000 sessions.
func memoryTarget(goal, id string, n, sessions int64, limit float64) target {
	measured := fmt.Sprintf("%.0f MB after %d sessions", mb(n), sessions)
	if sessions < 100_000 {
		measured += ": fewer than 100,000 sessions, no verdict"
	}
	return target{id, goal, measured, sessions >= 100_000 && mb(n) < limit}
}

// profileLoad takes a 10 s CPU profile of s while it serves creates,
// written to cpuPath, then 5 s of its allocations, to allocsPath.
func (b *bench) profileLoad(s *server, cpuPath, allocsPath string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_, _ = loadgen.Run(ctx, loadgen.Config{
			Target: s.url, Token: s.token, Concurrency: b.connections, Duration: 20 * time.Second, Mix: loadgen.Mix{{Flow: loadgen.FlowCreate, Weight: 1}},
		})
	}()
	time.Sleep(2 * time.Second)
	if err := savePprof("profile?seconds=10", cpuPath); err != nil {
		return err
	}
	return savePprof("allocs?seconds=5", allocsPath)
}

// allocsPath is where the allocation profile taken beside the CPU
// profile at cpuPath goes: "cpu.pprof" gives "cpu-allocs.pprof".
func allocsPath(cpuPath string) string {
	ext := filepath.Ext(cpuPath)
	return strings.TrimSuffix(cpuPath, ext) + "-allocs" + ext
}

// profileTop is go tool pprof's summary of the profile at path, once for
// each of views (the pprof options of a view separated by spaces, such as
// "-top -cum"): its 20 heaviest nodes each time.
func profileTop(path string, views ...string) (string, error) {
	var out strings.Builder
	for _, view := range views {
		args := append(append([]string{"tool", "pprof"}, strings.Fields(view)...), "-nodecount=20", path)
		top, err := exec.Command("go", args...).Output()
		if err != nil {
			return "", fmt.Errorf("go tool pprof %s: %w", view, err)
		}
		out.Write(top)
		out.WriteString("\n")
	}
	return out.String(), nil
}

// syncProfile writes the synchronization-blocking profile of the
// execution trace at tracePath to path (go tool trace -pprof=sync).
func syncProfile(tracePath, path string) error {
	prof, err := exec.Command("go", "tool", "trace", "-pprof=sync", tracePath).Output()
	if err != nil {
		return fmt.Errorf("go tool trace -pprof=sync %s: %w", tracePath, err)
	}
	return os.WriteFile(path, prof, 0o600)
}

// fetchTrace writes a 5 s execution trace of the demo store, taken
// after its first second of load, to path.
func fetchTrace(path string) error {
	time.Sleep(2 * time.Second) // past the open loop's warm-up
	return savePprof("trace?seconds=5", path)
}

// savePprof writes what the demo store's pprof endpoint (under
// /debug/pprof/) gives to path.
func savePprof(endpoint, path string) error {
	resp, err := http.Get("http://" + profilingAddr + "/debug/pprof/" + endpoint)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// profilingAddr is where the demo store serves profiles when asked to.
const profilingAddr = "127.0.0.1:16060"

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// machine describes where the run happened.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs, %s %s/%s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// loadAverage is the one-minute load average, or -1 where unknown.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

func step(what string) { fmt.Fprintf(os.Stderr, "acp-bench: %s\n", what) }
