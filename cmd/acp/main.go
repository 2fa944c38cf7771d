// Command acp is the ACP sidecar: it serves the Agentic Commerce Protocol
// for a store described in acp.yaml.
//
//	acp serve [--config PATH] [--listen ADDR]
//	acp check [--config PATH]
//	acp orders list|show|ship|refund|cancel ... [--config PATH] [--server URL]
//	acp webhooks list|retry ... [--config PATH] [--server URL]
//	acp stock show|set|adjust ... [--config PATH] [--server URL]
//	acp plugins describe [--config PATH] [--json]
//	acp version
//
// The orders, webhooks and stock commands open the store directly while the
// server is not running, and call the running server's merchant API while
// it is (the server holds the store).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/acpwire"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/logging"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is used.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `Usage:
  acp serve [--config PATH] [--listen ADDR]   serve ACP for the store in the config
  acp check [--config PATH]                   validate the config and exit
  acp orders list|show|ship|refund|cancel     inspect orders; report fulfillments, refunds, cancellations
  acp webhooks list|retry                     inspect and re-queue order webhook events
  acp stock show|set|adjust                   show, set and adjust the built-in catalog's stock
  acp plugins describe                        start each configured plugin, report its info and health
  acp load run|baseline                       generate agent load against an ACP server; serve the baseline
  acp version                                 print the version and served API versions

"acp orders", "acp webhooks" and "acp stock" describe their commands.
`

// run executes a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return dispatch("acp", usage, map[string]command{
		"serve":    serve,
		"check":    check,
		"orders":   ordersCommand,
		"webhooks": webhooksCommand,
		"stock":    stockCommand,
		"plugins":  pluginsCommand,
		"load":     loadCommand,
		"version": func(_ []string, env cli) int {
			fmt.Fprintf(env.stdout, "acp %s (ACP API versions %s)\n", buildVersion(), strings.Join(acpwire.Versions(), ", "))
			return 0
		},
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

func serve(args []string, env cli) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "acp.yaml", "path to the config file")
	listen := fs.String("listen", "", "listen address, overriding server.listen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, ok := loadConfig(env.stderr, *configPath, *listen)
	if !ok {
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := h.Serve(ctx, ln); err != nil {
		logger.Error("stopped with an error", "error", err.Error())
		return 1
	}
	logger.Info("stopped")
	return 0
}

func check(args []string, env cli) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", "acp.yaml", "path to the config file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, ok := loadConfig(env.stdout, *configPath, "")
	if !ok {
		return 1
	}
	fmt.Fprintf(env.stdout, "%s: ok: %q, %d items, %d fulfillment options, %d payment handlers, %d agents, API versions %s\n",
		*configPath, cfg.Merchant.Name, len(cfg.Catalog.Items), len(cfg.FulfillmentOptions), len(cfg.Payments.Handlers),
		len(cfg.Agents), strings.Join(cfg.APIVersions, ", "))
	return 0
}

// loadConfig loads the config at path, with listen (when set) overriding
// server.listen. When it cannot, it prints every problem to w on its own
// line, prefixed by the file name, and returns false.
func loadConfig(w io.Writer, path, listen string) (*config.Config, bool) {
	cfg, err := config.Load(path, host.ConfigOptions(listen))
	if err == nil {
		return cfg, true
	}
	var problems *config.Errors
	if errors.As(err, &problems) {
		for _, p := range problems.Problems {
			fmt.Fprintf(w, "%s: %s\n", path, p.String())
		}
	} else {
		fmt.Fprintf(w, "%s: %v\n", path, err)
	}
	return nil, false
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

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
