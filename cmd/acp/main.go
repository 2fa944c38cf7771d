// Command acp is the ACP sidecar: it serves the Agentic Commerce Protocol
// for a store described in acp.yaml.
//
//	acp serve [--config PATH] [--listen ADDR]
//	acp check [--config PATH] [--live]
//	acp orders list|show|ship|refund|cancel ... [--config PATH] [--server URL]
//	acp webhooks list|retry ... [--config PATH] [--server URL]
//	acp stock show|set|adjust ... [--config PATH] [--server URL]
//	acp feed status|push|export ... [--config PATH] [--server URL]
//	acp plugins describe [--config PATH] [--json]
//	acp migrate [--config PATH] [--dry-run] [--from-badger DIR [--overwrite]]
//	acp health [--url URL] [--ready]
//	acp version
//
// The orders, webhooks, stock and feed commands open the store directly while the
// server is not running, and call the running server's merchant API while
// it is (the server holds the store).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/logging"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `Usage:
  acp serve [--config PATH] [--listen ADDR]   check the config live, then serve ACP for the store in it
  acp check [--config PATH] [--live]          list every problem of the config (--live: and of this machine)
  acp orders list|show|ship|refund|cancel     inspect orders; report fulfillments, refunds, cancellations
  acp webhooks list|retry                     inspect and re-queue order webhook events
  acp stock show|set|adjust                   show, set and adjust the built-in catalog's stock
  acp feed status|push|export                 follow product feeds, publish in full, write feed files
  acp plugins describe                        start each configured plugin, report its info and health
  acp migrate [--dry-run|--from-badger DIR]   apply the PostgreSQL store's migrations; copy a Badger store in
  acp load run|baseline                       generate agent load against an ACP server; serve the baseline
  acp health [--url URL] [--ready]            probe a running server's /healthz (or /readyz)
  acp version                                 print the version, commit, build date and served API versions

"acp COMMAND --help" describes a command and its flags.
`

// run executes a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return dispatch("acp", usage, map[string]command{
		"serve":    serve,
		"check":    check,
		"orders":   ordersCommand,
		"webhooks": webhooksCommand,
		"stock":    stockCommand,
		"feed":     feedCommand,
		"plugins":  pluginsCommand,
		"migrate":  migrateCommand,
		"load":     loadCommand,
		"health":   healthCommand,
		"version":  versionCommand,
	}, args, cli{stdout: stdout, stderr: stderr, getenv: getenv})
}

// command runs a subcommand on its arguments and returns the exit code.
type command func(args []string, env cli) int

// dispatch runs the subcommand of cmds that args name, with the rest of
// args. name is the command's own name, usage its usage: printed to
// stdout for help, to stderr (exit 2) when args name no subcommand.
func dispatch(name, usage string, cmds map[string]command, args []string, env cli) int {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usage)
		return 2
	}
	if cmd, ok := cmds[args[0]]; ok {
		return cmd(args[1:], env)
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(env.stdout, usage)
		return 0
	}
	fmt.Fprintf(env.stderr, "%s: unknown command %q\n%s", name, args[0], usage)
	return 2
}

const serveHelp = `Loads the config, runs the live checks of "acp check --live" (every problem
is listed, and nothing is served while there are any), then serves ACP until
SIGINT or SIGTERM. SIGHUP, or a change to the files, reloads the TLS
certificate and key; without TLS, SIGHUP is logged and changes nothing.`

func serve(args []string, env cli) int {
	fs := newFlags("serve", "[--config PATH] [--listen ADDR]", serveHelp, env)
	configPath := fs.String("config", "acp.yaml", "path to the config file")
	listen := fs.String("listen", "", "listen address, overriding server.listen")
	if code := parseFlags(fs, args, env.stdout); code >= 0 {
		return code
	}
	// SIGHUP is caught from here to the process's end (never handed back
	// to its default action, which would kill the server): systemd's
	// reload sends it whether or not TLS is on.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	cfg, ok := loadConfig(env.stderr, *configPath, *listen)
	if !ok {
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !checkLive(ctx, env.stderr, *configPath, cfg, env, true) {
		return 1
	}
	logger := logging.New(env.stderr, logLevel(cfg.Log.Level))
	h, err := host.New(cfg, logger, env.getenv, host.WithVersion(buildVersion()))
	if err != nil {
		logger.Error("cannot start", "error", err.Error())
		return 1
	}
	ln, err := h.Listen()
	if err != nil {
		logger.Error("cannot start", "error", err.Error())
		_ = h.Close()
		return 1
	}
	go reloadOnHUP(ctx, hup, h, logger)
	if err := h.Serve(ctx, ln); err != nil {
		logger.Error("stopped with an error", "error", err.Error())
		return 1
	}
	logger.Info("stopped")
	return 0
}

// reloadOnHUP reloads h's TLS certificate on each signal from hup until
// ctx ends; without TLS it logs that there is nothing to reload. Signals
// after that are still caught, and dropped.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, h *host.Host, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			switch reloaded, err := h.ReloadTLS(); {
			case err != nil:
				logger.Warn("SIGHUP: TLS certificate does not load; still serving the previous one", "error", err.Error())
			case reloaded:
				logger.Info("SIGHUP: TLS certificate reloaded")
			default:
				logger.Info("SIGHUP: no TLS configured, nothing to reload")
			}
		}
	}
}

const checkHelp = `Checks the config and lists every problem, root causes first, each with its
line and column. By default it checks only what needs no secrets and starts
nothing, so it runs in a seller's CI. With --live it also checks what "acp
serve" needs from this machine: the environment variables the config names,
the TLS certificate and key, each plugin binary (started for its handshake
and its config checked against the plugin's schema, then stopped), and the
store directory (writable, free space, whether a running server holds it;
the store is never opened); the live checks run once the config itself has
no problems. Exits 0 when there are no problems, 1 otherwise.`

func check(args []string, env cli) int {
	fs := newFlags("check", "[--config PATH] [--live]", checkHelp, env)
	configPath := fs.String("config", "acp.yaml", "path to the config file")
	live := fs.Bool("live", false, "also check the environment, files, plugins and store, as serve does before it listens")
	if code := parseFlags(fs, args, env.stdout); code >= 0 {
		return code
	}
	cfg, ok := loadConfig(env.stdout, *configPath, "")
	if !ok {
		return 1
	}
	for _, w := range host.StoreWarnings(cfg) {
		fmt.Fprintf(env.stdout, "%s: warning: %s: %s\n", *configPath, w.Path, w.Message)
	}
	mode := "environment, files, plugins and store not checked (use --live)"
	if *live {
		if !checkLive(context.Background(), env.stdout, *configPath, cfg, env, false) {
			return 1
		}
		mode = "live checks passed"
	}
	fmt.Fprintf(env.stdout, "%s: ok: %q, %d items, %d fulfillment options, %d payment handlers, %d agents, %d feed targets, API versions %s; %s\n",
		*configPath, cfg.Merchant.Name, len(cfg.Catalog.AllItems()), len(cfg.FulfillmentOptions), len(cfg.Payments.Handlers),
		len(cfg.Agents), len(cfg.Feeds), strings.Join(cfg.APIVersions, ", "), mode)
	return 0
}

// checkLive runs the live checks of cfg, loaded from path, and prints
// their notes and problems to w. serving says whether a server is about to
// start. It reports whether there were no problems.
func checkLive(ctx context.Context, w io.Writer, path string, cfg *config.Config, env cli, serving bool) bool {
	pf := &preflight{
		cfg: cfg, getenv: env.getenv, serving: serving, minFreeBytes: minStoreFreeBytes, now: time.Now,
		// Plugin failures come back in each plugin's status; their logs
		// would only repeat them.
		logger: slog.New(slog.DiscardHandler),
	}
	pf.run(ctx)
	for _, n := range pf.notes {
		fmt.Fprintf(w, "%s: note: %s\n", path, n)
	}
	if len(pf.problems) == 0 {
		return true
	}
	config.LocateFile(path, pf.problems)
	printProblems(w, path, pf.problems)
	return false
}

// loadConfig loads the config at path, with listen (when set) overriding
// server.listen. When it cannot, it prints every problem to w and returns
// false.
func loadConfig(w io.Writer, path, listen string) (*config.Config, bool) {
	cfg, err := config.Load(path, host.ConfigOptions(listen))
	if err == nil {
		return cfg, true
	}
	var problems *config.Errors
	if errors.As(err, &problems) {
		printProblems(w, path, problems.Problems)
	} else {
		fmt.Fprintf(w, "%s: %v\n", path, err)
	}
	return nil, false
}

// printProblems prints each problem on its own line, as compilers do:
// "file:line:column: path: message", then how many there are.
func printProblems(w io.Writer, file string, list []config.Problem) {
	for _, p := range list {
		where := file
		if p.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
		}
		p.Line, p.Column = 0, 0
		fmt.Fprintf(w, "%s: %s\n", where, p.String())
	}
	noun := "problems"
	if len(list) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(w, "%s: %d %s\n", file, len(list), noun)
}

// logLevel is the configured log level (info if it does not parse; the
// config's validation already refuses such a level).
func logLevel(level string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return slog.LevelInfo
	}
	return l
}
