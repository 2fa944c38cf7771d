package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/internal/loadgen"
)

const loadUsage = `Usage:
  acp load run --target URL [flags]   play simulated agents against an ACP server; report latency and errors
  acp load baseline [--listen ADDR]   serve a bare Fiber handler to divide every figure by

"acp load run -h" describes its flags.
`

// loadCommand runs "acp load ...".
func loadCommand(args []string, env cli) int {
	return dispatch("acp load", loadUsage, map[string]command{
		"run":      loadRun,
		"baseline": loadBaseline,
	}, args, env)
}

const loadRunHelp = `Plays --concurrency simulated agents against the ACP server at URL and prints,
per endpoint (create, update, complete, cancel, create_replay, get), the
requests, throughput, latency percentiles (exact, nearest rank over every
answer), errors by HTTP status and ACP error code, and transport errors by
kind; then each flow's completions. The run stops after --requests measured
requests or --duration of measured time, whichever comes first (at least one
is required; at most 10000000 requests and 1h). Ctrl-C stops it early and
prints what was measured so far.

Flows (--mix weights them): full = create, update (address, and --option),
complete; cancel = create, cancel; retry = create, then the same create with
the same Idempotency-Key, which must replay the same status and body; read =
GET of a session the agent created once; create = create alone. Every POST
carries a fresh Idempotency-Key. Requests go to URL only: no proxy, no
redirect followed.

With --rate the run is open loop: requests are due on one schedule and their
latency counts from when they were due, so a stalling server is not measured
kindly; the report says when the agents could not keep the rate.

Divide a server's figures by the baseline's, measured in the same session
on the same machine (absolute figures depend on the machine):
  acp load baseline     # prints: listening on http://127.0.0.1:PORT
  acp load run --target http://127.0.0.1:PORT --mix create=1 --duration 30s
  ACP_LOAD_TOKEN=... acp load run --target http://127.0.0.1:8080 --mix create=1 --duration 30s`

// loadRun runs "acp load run".
func loadRun(args []string, env cli) int {
	fs := flag.NewFlagSet("load run", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: acp load run --target URL [flags]\n\n%s\n\nFlags:\n", loadRunHelp)
		fs.PrintDefaults()
	}
	var cfg loadgen.Config
	fs.StringVar(&cfg.Target, "target", "", "the server's base `URL`, e.g. http://127.0.0.1:8080 (required)")
	token := fs.String("token", "", "the agent's bearer token (visible to other local users in the process list;\nprefer --token-env)")
	tokenEnv := fs.String("token-env", "ACP_LOAD_TOKEN", "the environment variable holding the bearer token when --token is not given\n(none set: no Authorization header)")
	fs.StringVar(&cfg.APIVersion, "api-version", loadgen.DefaultAPIVersion, "the API-Version: "+strings.Join(loadgen.SupportedAPIVersions, " or ")+
		" (older versions use other\nrequest shapes)")
	fs.IntVar(&cfg.Concurrency, "concurrency", loadgen.DefaultConcurrency, "simulated agents, each with one request in flight")
	fs.DurationVar(&cfg.Duration, "duration", 0, "stop after this long, e.g. 30s (at most 1h)")
	fs.Int64Var(&cfg.Requests, "requests", 0, "stop after this many measured requests (at most 10000000)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "requests per second overall, open loop; 0 for as fast as the agents go")
	fs.DurationVar(&cfg.Warmup, "warmup", 0, "send for this long first without recording (at most 10m)")
	cfg.Mix = loadgen.DefaultMix
	fs.Func("mix", "the flows' `WEIGHTS`: full, cancel, retry, read, create (default "+loadgen.DefaultMix.String()+")", func(s string) error {
		m, err := loadgen.ParseMix(s)
		cfg.Mix = m
		return err
	})
	cfg.Items = loadgen.DefaultItems
	fs.Func("items", "the line items of every create, as `ID:QTY,...` (default "+loadgen.FormatItems(loadgen.DefaultItems)+")", func(s string) error {
		items, err := loadgen.ParseItems(s)
		cfg.Items = items
		return err
	})
	fs.StringVar(&cfg.Currency, "currency", loadgen.DefaultCurrency, "the currency of every create")
	address := fs.String("address", "", "the delivery address update sends, as a JSON object (default "+string(loadgen.DefaultAddress)+")")
	fs.StringVar(&cfg.OptionID, "option", "", "the fulfillment option `ID` update selects (default: keep the server's selection)")
	fs.StringVar(&cfg.Handler, "handler", loadgen.DefaultHandler, "the payment handler complete names")
	fs.StringVar(&cfg.PaymentToken, "payment-token", loadgen.DefaultPaymentToken, "the payment token complete sends")
	fs.DurationVar(&cfg.Timeout, "timeout", loadgen.DefaultTimeout, "the timeout of each request")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the generator itself to `FILE` (go tool pprof reads it)")
	jsonPath := fs.String("json", "", "also write the report as JSON to `FILE` (\"-\": to stdout, instead of the table)")
	if err := parseFlagSet(fs, args, env.stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(env.stderr, "acp load run: %s\n", fmt.Sprintf(format, a...))
		fs.Usage()
		return 2
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	cfg.Token = *token
	if cfg.Token == "" && *tokenEnv != "" {
		cfg.Token = env.getenv(*tokenEnv)
	}
	if *address != "" {
		cfg.Address = json.RawMessage(*address)
	}
	cfg, err := cfg.WithDefaults()
	if err != nil {
		fmt.Fprintf(env.stderr, "acp load run: %v\n", err)
		return 2
	}
	if cfg.Token == "" {
		fmt.Fprintf(env.stderr, "acp load run: no token (--token, or $%s): requests carry no Authorization header\n", *tokenEnv)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(env.stderr, "acp load run: %d agents against %s until %d requests or %s; Ctrl-C stops early with a partial report\n",
		cfg.Concurrency, cfg.Target, cfg.Requests, cfg.Duration)
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return printError(env.stderr, err)
		}
		defer stopProfile()
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.stderr, "acp load run: %v\n", err)
		return 2
	}
	if *jsonPath == "-" {
		if err := printJSON(env.stdout, rep); err != nil {
			return printError(env.stderr, err)
		}
	} else {
		if err := printLoadReport(env.stdout, rep); err != nil {
			return printError(env.stderr, err)
		}
		if *jsonPath != "" {
			if err := writeJSONFile(*jsonPath, rep); err != nil {
				return printError(env.stderr, err)
			}
		}
	}
	if rep.Interrupted {
		return 130
	}
	return 0
}

// startCPUProfile starts profiling this process's CPU into path; the
// function it returns stops and writes the profile.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// writeJSONFile writes v as indented JSON to path.
func writeJSONFile(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if err := printJSON(f, v); err != nil {
		_ = f.Close()
		return fmt.Errorf("write the report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// printLoadReport writes rep as tables.
func printLoadReport(w io.Writer, rep *loadgen.Report) error {
	tw := newTable(w)
	fmt.Fprintf(tw, "Target\t%s (API %s)\n", rep.Target, rep.APIVersion)
	mode := "closed loop (each agent sends when it has its last answer)"
	if rep.Rate > 0 {
		mode = fmt.Sprintf("fixed rate %g req/s, open loop (latency from when each request was due)", rep.Rate)
	}
	fmt.Fprintf(tw, "Agents\t%d, %s\n", rep.Concurrency, mode)
	fmt.Fprintf(tw, "Mix\t%s; items %s\n", rep.Mix, rep.Items)
	window := fmt.Sprintf("%.2fs", rep.WindowSeconds)
	if rep.WarmupSeconds > 0 {
		window += fmt.Sprintf(" after a %gs warm-up", rep.WarmupSeconds)
	}
	stopped := map[string]string{
		loadgen.StopRequests:    "stopped at the request count",
		loadgen.StopDuration:    "stopped at the duration",
		loadgen.StopInterrupted: "INTERRUPTED: a partial report",
	}[rep.StopReason]
	fmt.Fprintf(tw, "Measured\t%s, %s\n", window, stopped)
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	tw = newTable(w)
	fmt.Fprintln(tw, "ENDPOINT\tREQUESTS\tOK\tERRORS\tTRANSPORT\tREQ/S\tP50 ms\tP95 ms\tP99 ms\tMAX ms")
	row := func(name string, s *loadgen.EndpointStats) {
		l := s.Latency
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\n", name, s.Count, s.OK, s.Errors, s.TransportErrors,
			s.Throughput, l.P50, l.P95, l.P99, l.Max)
	}
	for _, ep := range loadgen.Endpoints {
		if s := rep.Endpoints[ep]; s != nil {
			row(string(ep), s)
		}
	}
	row("total", &rep.Total)
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(rep.Flows) > 0 {
		fmt.Fprintln(w)
		tw = newTable(w)
		fmt.Fprintln(tw, "FLOW\tSTARTED\tCOMPLETED\tFAILED\tINTERRUPTED")
		for _, f := range loadgen.Flows {
			if s := rep.Flows[f]; s != nil {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", f, s.Started, s.Completed, s.Failed, s.Interrupted)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if rep.Total.Errors+rep.Total.TransportErrors > 0 {
		fmt.Fprintln(w)
		tw = newTable(w)
		fmt.Fprintln(tw, "ERRORS\tBY HTTP STATUS\tBY CODE\tTRANSPORT")
		for _, ep := range loadgen.Endpoints {
			if s := rep.Endpoints[ep]; s != nil && s.Errors+s.TransportErrors > 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ep, dash(counts(s.ErrorsByStatus)), dash(counts(s.ErrorsByCode)), dash(counts(s.TransportErrorsByKind)))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if rep.Total.ErrorsByCode["rate_limited"] > 0 {
		fmt.Fprintln(w, "\nThe server rate-limited the agent (429 rate_limited): lift its limits.rate_limit for a load test,")
		fmt.Fprintln(w, "or measure below the limit with --rate.")
	}
	if s := rep.Schedule; s != nil {
		fmt.Fprintf(w, "\nSchedule: %g req/s wanted, %.1f achieved; %d due, %d sent, %d missed, %d late by more than %s, longest lag %.2f ms\n",
			s.TargetRate, s.AchievedRate, s.Due, s.Sent, s.Missed, s.Late, loadgen.LateThreshold, s.MaxLagMs)
		if !s.KeptUp {
			fmt.Fprintln(w, "WARNING: the generator could not keep up with the rate: every agent was waiting for an answer when requests")
			fmt.Fprintln(w, "fell due. The latencies include that wait (open loop). Add agents (--concurrency), unless the server is saturated.")
		}
	}
	fmt.Fprintf(w, "\nLatency percentiles are %s.\n", loadgen.PercentileMethod)
	// The slowest requests may have no latency at all: say so rather than
	// let a stalling server look faster than it is.
	var missed int64
	if rep.Schedule != nil {
		missed = rep.Schedule.Missed
	}
	if n := rep.Total.TransportErrors; n > 0 || missed > 0 {
		fmt.Fprintf(w, "They leave out %d requests that got no answer (timeouts included) and %d that were due but never sent.\n", n, missed)
	}
	return nil
}

// counts formats a tally as "503 x3, 429 x1", largest first.
func counts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " x" + strconv.FormatInt(m[k], 10)
	}
	return strings.Join(parts, ", ")
}

// loadBaseline runs "acp load baseline" until SIGINT or SIGTERM.
func loadBaseline(args []string, env cli) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveBaseline(ctx, args, env)
}

// serveBaseline serves the baseline until ctx ends. Its first line on
// stdout is "listening on http://ADDR".
func serveBaseline(ctx context.Context, args []string, env cli) int {
	fs := flag.NewFlagSet("load baseline", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: acp load baseline [--listen ADDR]\n\n"+
			"Serves a bare Fiber handler on POST /checkout_sessions that parses the JSON body\n"+
			"of a create and answers 201 with the precomputed bytes of a real create response\n"+
			"(4.2 kB): no authentication, store, pricing or idempotency, nothing a real server\n"+
			"could skip. Measured with \"acp load run --mix create=1\" in the same session as\n"+
			"the server, it is the ceiling every figure is divided by, since absolute figures\n"+
			"depend on the machine. Serves until SIGINT or SIGTERM.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	listen := fs.String("listen", "127.0.0.1:0", "the address to listen on (port 0: any free port)")
	if err := parseFlagSet(fs, args, env.stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.stderr, "acp load baseline: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return printError(env.stderr, fmt.Errorf("listen on %s: %w", *listen, err))
	}
	fmt.Fprintf(env.stdout, "listening on http://%s\n", ln.Addr())
	fmt.Fprintln(env.stderr, "acp load baseline: measure it with acp load run --mix create=1; Ctrl-C stops")
	began := time.Now()
	if err := loadgen.ServeBaseline(ctx, ln); err != nil {
		return printError(env.stderr, err)
	}
	fmt.Fprintf(env.stderr, "acp load baseline: stopped after %s\n", time.Since(began).Round(time.Second))
	return 0
}
