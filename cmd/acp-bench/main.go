// Command acp-bench reproduces BENCHMARKS.md: it builds acp and the
// first-party plugins, runs the bare baseline handler, the demo store
// (built-in providers) and the plugins store (every capability served by a
// plugin process) as separate processes, drives them with `acp load run`
// (a fresh process for each measurement), and prints every figure as a
// ratio to a baseline measured in the same run, as Markdown.
//
//	go run ./cmd/acp-bench [-rounds 3] [-round 10s] [-sessions 100000] [-profile cpu.pprof]
//
// Run it from the repository root on an otherwise idle machine.
package main

import (
	"bufio"
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/internal/loadgen"
)

// demoToken is the demo agent's local-only token in acp.yaml and in
// examples/plugins-store/acp.yaml.
const demoToken = "demo-agent-local-token"

func main() {
	rounds := flag.Int("rounds", 3, "measurement rounds; the configurations take turns in each")
	round := flag.Duration("round", 10*time.Second, "how long each configuration is measured in each round (sustained load, not a burst)")
	concurrency := flag.Int("concurrency", 8, "simulated agents")
	sessions := flag.Int64("sessions", 100000, "sessions created for the memory and disk figures")
	profile := flag.String("profile", "", "write a 10 s CPU profile of the demo store under create load to this file")
	flag.Parse()
	b := &bench{rounds: *rounds, round: *round, concurrency: *concurrency}
	if err := b.run(*sessions, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "acp-bench:", err)
		os.Exit(1)
	}
}

type bench struct {
	rounds      int
	round       time.Duration
	concurrency int
	dir         string
	bin         string
	procs       []*server
}

// server is one process under test.
type server struct {
	name string
	cmd  *exec.Cmd
	url  string
	data string
	// token is the agent token the server wants; empty for the baseline.
	token string
	// exited receives the process's exit.
	exited <-chan error
}

// watch starts waiting for the process to exit.
func (s *server) watch() {
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	s.exited = exited
}

func (b *bench) run(sessions int64, profile string) error {
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

	baseline, err := b.startBaseline()
	if err != nil {
		return err
	}
	demo, err := b.startServer("demo", "acp.yaml", "", profile != "")
	if err != nil {
		return err
	}
	plugins, err := b.startServer("plugins", "examples/plugins-store/acp.yaml", "http://"+intakeLn.Addr().String(), false)
	if err != nil {
		return err
	}
	fmt.Printf("## Run of %s\n\n%s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), machine())

	step("create throughput")
	creates, err := b.rotate(loadgen.Mix{{Flow: loadgen.FlowCreate, Weight: 1}}, baseline, demo, plugins)
	if err != nil {
		return err
	}
	step("full-flow throughput")
	flows, err := b.rotate(loadgen.Mix{{Flow: loadgen.FlowFull, Weight: 1}}, demo, plugins)
	if err != nil {
		return err
	}
	printThroughput(creates, flows)

	// The rounds at full speed leave Badger compactions queued behind
	// them; a server running at half load would have caught up long ago.
	step("latency at half of the maximum throughput (after 30 s for the stores to settle)")
	time.Sleep(30 * time.Second)
	fmt.Printf("### Full flow at half of its maximum throughput (open loop, %d agents, 20 s, after the stores settled for 30 s)\n\n", b.concurrency*4)
	fmt.Println("| Config | Rate (req/s) | Kept up | create p50 / p99 | update p50 / p99 | complete p50 / p99 | all p99 | Max |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, s := range []*server{demo, plugins} {
		rate := flows[s.name].total() / 2
		r, err := b.load(loadgen.Config{
			Target: s.url, Token: s.token, Concurrency: b.concurrency * 4, Duration: 20 * time.Second, Rate: rate,
			Mix: loadgen.Mix{{Flow: loadgen.FlowFull, Weight: 1}}, Warmup: 2 * time.Second,
		})
		if err != nil {
			return err
		}
		if err := clean(s.name, r); err != nil {
			return err
		}
		e := r.Endpoints
		fmt.Printf("| %s | %.0f | %v | %s | %s | %s | %.2f ms | %.2f ms |\n", s.name, rate, r.Schedule.KeptUp,
			p50p99(e[loadgen.EndpointCreate]), p50p99(e[loadgen.EndpointUpdate]), p50p99(e[loadgen.EndpointComplete]),
			r.Total.Latency.P99, r.Total.Latency.Max)
	}
	fmt.Println()

	if profile != "" {
		step("profiling the demo store under create load")
		if err := b.profile(demo, profile); err != nil {
			return err
		}
	}

	step(fmt.Sprintf("memory and disk for %d sessions", sessions))
	return b.footprint(sessions)
}

// result sums one configuration's runs across rounds.
type result struct {
	window    float64
	endpoints map[loadgen.Endpoint]int64
	flows     int64
	worstP99  map[loadgen.Endpoint]float64
}

func (r *result) rps(e loadgen.Endpoint) float64 {
	if r.window == 0 {
		return 0
	}
	return float64(r.endpoints[e]) / r.window
}

func (r *result) total() float64 {
	var n int64
	for _, c := range r.endpoints {
		n += c
	}
	return float64(n) / r.window
}

// rotate measures mix on each server in turn, round after round, so that
// every configuration sees the machine in the same state, and sums each
// one's counts and windows.
func (b *bench) rotate(mix loadgen.Mix, servers ...*server) (map[string]*result, error) {
	out := map[string]*result{}
	for _, s := range servers {
		out[s.name] = &result{endpoints: map[loadgen.Endpoint]int64{}, worstP99: map[loadgen.Endpoint]float64{}}
	}
	for range b.rounds {
		for _, s := range servers {
			r, err := b.load(loadgen.Config{
				Target: s.url, Token: s.token, Concurrency: b.concurrency, Duration: b.round, Mix: mix, Warmup: time.Second,
			})
			if err != nil {
				return nil, err
			}
			if err := clean(s.name, r); err != nil {
				return nil, err
			}
			res := out[s.name]
			res.window += r.WindowSeconds
			for e, st := range r.Endpoints {
				res.endpoints[e] += st.Count
				res.worstP99[e] = max(res.worstP99[e], st.Latency.P99)
			}
			for _, f := range r.Flows {
				res.flows += f.Completed
			}
		}
	}
	return out, nil
}

func printThroughput(creates, flows map[string]*result) {
	base := creates["baseline"].rps(loadgen.EndpointCreate)
	fmt.Println("### Throughput (closed loop, as fast as the agents go)")
	fmt.Println()
	fmt.Println("| Measure | demo | plugins | plugins / demo |")
	fmt.Println("|---|---|---|---|")
	row := func(name string, d, p float64) {
		fmt.Printf("| %s | %.0f/s (%.2f × baseline) | %.0f/s (%.2f × baseline) | %.2f |\n", name, d, d/base, p, p/base, p/d)
	}
	row("create alone", creates["demo"].rps(loadgen.EndpointCreate), creates["plugins"].rps(loadgen.EndpointCreate))
	d, p := float64(flows["demo"].flows)/flows["demo"].window, float64(flows["plugins"].flows)/flows["plugins"].window
	fmt.Printf("| full flows (create, update, complete) | %.0f/s | %.0f/s | %.2f |\n", d, p, p/d)
	fmt.Printf("\nBaseline (bare Fiber handler, create-sized JSON): %.0f/s. Worst p99 of a round, create alone: demo %.2f ms, plugins %.2f ms, baseline %.2f ms.\n",
		base, creates["demo"].worstP99[loadgen.EndpointCreate], creates["plugins"].worstP99[loadgen.EndpointCreate], creates["baseline"].worstP99[loadgen.EndpointCreate])
	fmt.Print("Worst p99 of a round in the full flow:")
	for i, e := range []loadgen.Endpoint{loadgen.EndpointCreate, loadgen.EndpointUpdate, loadgen.EndpointComplete} {
		sep := ";"
		if i == 0 {
			sep = ""
		}
		fmt.Printf("%s %s demo %.2f ms, plugins %.2f ms", sep, e, flows["demo"].worstP99[e], flows["plugins"].worstP99[e])
	}
	fmt.Print(".\n\n")
}

func p50p99(s *loadgen.EndpointStats) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f / %.2f ms", s.Latency.P50, s.Latency.P99)
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
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("acp %s: %w", strings.Join(args, " "), err)
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
// creates sessions, and measures memory and disk again, then after a
// graceful stop.
func (b *bench) footprint(sessions int64) error {
	s, err := b.startServer("footprint", "acp.yaml", "", false)
	if err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // let start-up garbage be collected
	idle, _, idleAnon, err := memory(s.cmd.Process.Pid)
	if err != nil {
		return err
	}
	began := time.Now()
	r, err := b.load(loadgen.Config{
		Target: s.url, Token: s.token, Concurrency: b.concurrency, Requests: sessions, Mix: loadgen.Mix{{Flow: loadgen.FlowCreate, Weight: 1}},
	})
	if err != nil {
		return err
	}
	if err := clean(s.name, r); err != nil {
		return err
	}
	took := time.Since(began)
	after, peak, anon, err := memory(s.cmd.Process.Pid)
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
	fmt.Printf("### Memory and disk for %d sessions (created in %s, %d agents)\n\n", sessions, took.Round(time.Second), b.concurrency)
	fmt.Println("| Measure | Value |")
	fmt.Println("|---|---|")
	fmt.Printf("| resident memory, idle after start | %.1f MB (own: %.1f MB) |\n", mb(idle), mb(idleAnon))
	fmt.Printf("| resident memory after %d sessions | %.1f MB (peak %.1f MB); own (anonymous) %.1f MB, the rest mapped files |\n", sessions, mb(after), mb(peak), mb(anon))
	fmt.Printf("| disk, server running | %.1f MB (%.0f bytes per session) |\n", mb(running), float64(running)/float64(sessions))
	fmt.Printf("| disk, after a graceful stop | %.1f MB (%.0f bytes per session) |\n", mb(closed), float64(closed)/float64(sessions))
	fmt.Println()
	return nil
}

// profile takes a 10 s CPU profile of s while it serves creates.
func (b *bench) profile(s *server, path string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_, _ = loadgen.Run(ctx, loadgen.Config{
			Target: s.url, Token: s.token, Concurrency: b.concurrency, Duration: 15 * time.Second, Mix: loadgen.Mix{{Flow: loadgen.FlowCreate, Weight: 1}},
		})
	}()
	time.Sleep(2 * time.Second)
	resp, err := http.Get("http://" + profilingAddr + "/debug/pprof/profile?seconds=10")
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

// startBaseline runs `acp load baseline` and reads its address.
func (b *bench) startBaseline() (*server, error) {
	cmd := exec.Command(filepath.Join(b.bin, "acp"), "load", "baseline", "--listen", "127.0.0.1:0")
	cmd.SysProcAttr = diesWithUs()
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: "baseline", cmd: cmd}
	b.procs = append(b.procs, s)
	s.watch()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	s.url = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return s, nil
}

// startServer runs `acp serve` on a copy of the config at path with the
// rate limit lifted, its store in a fresh directory, and, for the plugins
// store, the plugins this run built and orders forwarded to intake.
func (b *bench) startServer(name, path, intake string, profiling bool) (*server, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg := string(src)
	if intake != "" {
		cfg = strings.ReplaceAll(cfg, "../../bin/", b.bin+"/")
		cfg = strings.ReplaceAll(cfg, "http://127.0.0.1:8090", intake)
		products, err := os.ReadFile(filepath.Join(filepath.Dir(path), "products.csv"))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "products.csv"), products, 0o600); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	cfg += "\nlimits:\n  rate_limit:\n    requests_per_second: 0\nlog:\n  level: warn\n"
	cfg = strings.Replace(cfg, "dir: ./data", "dir: "+data, 1)
	if profiling {
		cfg += "profiling:\n  listen: " + profilingAddr + "\n"
	}
	config := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(b.bin, "acp"), "serve", "--config", config, "--listen", addr)
	cmd.SysProcAttr = diesWithUs()
	cmd.Env = []string{"ACP_ORDER_INTAKE_SECRET=benchmark-intake-secret-0123456789abcdef", "PATH=" + os.Getenv("PATH")}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd, url: "http://" + addr, data: data, token: demoToken}
	b.procs = append(b.procs, s)
	s.watch()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-s.exited:
			s.cmd = nil
			return nil, fmt.Errorf("%s: acp serve exited before it was ready: %v", name, err)
		default:
		}
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: not ready within 30s", name)
		}
	}
}

// stop stops s gracefully, or kills it after 20 s, and waits for it.
func (b *bench) stop(s *server) error {
	if s.cmd == nil {
		return nil
	}
	p := s.cmd.Process
	s.cmd = nil
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.exited:
		return err
	case <-time.After(20 * time.Second):
		_ = p.Kill()
		return fmt.Errorf("%s: did not stop within 20 s; killed", s.name)
	}
}

func (b *bench) stopAll() {
	for _, s := range b.procs {
		_ = b.stop(s)
	}
}

// diesWithUs makes a child process receive SIGTERM when this process
// dies, however it dies (Linux), so that no server outlives a killed run.
func diesWithUs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// memory reads a process's resident set, its peak and its own
// (anonymous) part, in bytes: the rest of the resident set is pages of
// memory-mapped files, Badger's, which the kernel reclaims like file cache.
func memory(pid int) (rss, peak, anon int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("read memory of %d (Linux only): %w", pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb * 1024
		case "VmHWM:":
			peak = kb * 1024
		case "RssAnon:":
			anon = kb * 1024
		}
	}
	if rss == 0 {
		return 0, 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, peak, anon, nil
}

// diskUsage is the space dir's files take on disk (allocated blocks, not
// apparent sizes: Badger's files are sparse).
func diskUsage(dir string) (int64, error) {
	var total int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && !info.IsDir() {
			total += st.Blocks * 512
		}
		return nil
	})
	return total, err
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// machine describes where the run happened.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs, %s %s/%s. The baseline, the demo store, the plugins store (with its four plugin processes) and each run of the load generator are separate processes on the same machine.",
		model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func step(what string) { fmt.Fprintf(os.Stderr, "acp-bench: %s\n", what) }
