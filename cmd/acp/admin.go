package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/internal/logging"
)

// cli is what a command writes to and reads its environment from.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// adminCommand is one of the orders and webhooks commands: its flag set,
// with the flags they all take, and how to reach the merchant API.
type adminCommand struct {
	fs         *flag.FlagSet
	stdout     io.Writer
	configPath *string
	server     *string
	// limit is --limit, when the command takes it (see limitFlag).
	limit *int
}

// localNote is the part of every changing command's help that explains
// what happens to webhook events while the server is not running.
const localNote = `While the server is not running the command opens the store directly;
the webhook events it queues wait in the outbox until the server next
runs, which delivers them. While the server runs (it holds the store),
the command calls its merchant API instead, which needs merchant_api in
the config.`

// newAdminCommand returns the flag set of the command "acp <name>", whose
// usage line continues with synopsis, described by help.
func newAdminCommand(name, synopsis, help string, env cli) *adminCommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	c := &adminCommand{
		fs:         fs,
		stdout:     env.stdout,
		configPath: fs.String("config", "acp.yaml", "path to the config file"),
		server:     fs.String("server", "", "call the merchant API of the server at this base `URL` (e.g. https://shop.example:8443)\nrather than opening the store or finding the server from the config"),
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: acp %s %s\n\n%s\n\nFlags:\n", name, synopsis, help)
		fs.PrintDefaults()
	}
	return c
}

// limitFlag adds --limit: how many of what a list command lists, from 1
// to the merchant API's largest page; parse checks it.
func (c *adminCommand) limitFlag(what string) *int {
	c.limit = c.fs.Int("limit", merchantapi.DefaultListLimit, fmt.Sprintf("how many %s to list, 1 to %d", what, merchantapi.MaxListLimit))
	return c.limit
}

// parse parses args, flags and positional arguments in any order. It
// returns the positional arguments, or an exit code when parsing ended the
// command (-1 otherwise).
func (c *adminCommand) parse(args []string) ([]string, int) {
	var positional []string
	for {
		if err := parseFlagSet(c.fs, args, c.stdout); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0
			}
			return nil, 2
		}
		rest := c.fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			// Everything after "--" is positional.
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	if c.limit != nil && (*c.limit < 1 || *c.limit > merchantapi.MaxListLimit) {
		return nil, c.usageError("--limit must be from 1 to %d", merchantapi.MaxListLimit)
	}
	return positional, -1
}

// usageError reports a misused command: the problem, then its usage.
func (c *adminCommand) usageError(format string, args ...any) int {
	fmt.Fprintf(c.fs.Output(), "acp %s: %s\n", c.fs.Name(), fmt.Sprintf(format, args...))
	c.fs.Usage()
	return 2
}

// isSet reports whether the flag name was given.
func (c *adminCommand) isSet(name string) bool {
	set := false
	c.fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// session is an open merchant API: the store opened directly, or the
// running server's API.
type session struct {
	merchantapi.Admin
	// stock and feeds are the same API's stock and feed operations.
	stock merchantapi.StockAdmin
	feeds merchantapi.FeedAdmin
	// cfg is the config the session was opened with.
	cfg *config.Config
	// local is true when the store was opened directly.
	local bool
	// webhooks is true when the config has webhook targets.
	webhooks bool
	// explain adds context to an error of the session's calls.
	explain func(error) error
	close   func() error
}

// run loads the config, opens the merchant API, calls fn and closes it
// again; it returns the exit code, having printed any error.
func (c *adminCommand) run(env cli, fn func(ctx context.Context, s *session) error) int {
	return c.runConfig(env, func(ctx context.Context, cfg *config.Config) error {
		return c.withSession(ctx, cfg, env, fn)
	})
}

// runConfig loads the config and calls fn, for a command that opens the
// merchant API only when it needs it (withSession); it returns the exit
// code, having printed any error.
func (c *adminCommand) runConfig(env cli, fn func(ctx context.Context, cfg *config.Config) error) int {
	cfg, ok := loadConfig(env.stderr, *c.configPath, "")
	if !ok {
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fn(ctx, cfg); err != nil {
		return printError(env.stderr, err)
	}
	return 0
}

// withSession opens the merchant API, calls fn and closes it again.
func (c *adminCommand) withSession(ctx context.Context, cfg *config.Config, env cli, fn func(ctx context.Context, s *session) error) error {
	s, err := openSession(cfg, *c.server, env)
	if err != nil {
		return err
	}
	s.cfg = cfg
	if err = fn(ctx, s); err != nil && s.explain != nil {
		err = s.explain(err)
	}
	if cerr := s.close(); cerr != nil && err == nil {
		err = fmt.Errorf("close the store: %w", cerr)
	}
	return err
}

// printError prints err for the operator and returns exit status 1. An
// ACP error is printed as "error: <message> (<code> at <param>)".
func printError(w io.Writer, err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		where := ae.Code
		if ae.Param != "" {
			where += " at " + ae.Param
		}
		fmt.Fprintf(w, "error: %s (%s)\n", ae.Message, where)
		return 1
	}
	fmt.Fprintf(w, "error: %v\n", err)
	return 1
}

// openSession opens the store directly, or, when the server holds it (or
// server names one), connects to the server's merchant API.
func openSession(cfg *config.Config, server string, env cli) (*session, error) {
	if server != "" {
		u, err := url.Parse(server)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--server %q: want a base URL such as http://127.0.0.1:8080", server)
		}
		return remoteSession(cfg, strings.TrimSuffix(server, "/"), "", env.getenv, false)
	}
	// A PostgreSQL store is shared: the commands open it beside any
	// running server. A Badger store is opened only when no server holds it.
	if _, err := os.Stat(cfg.Store.Dir); err != nil && cfg.Store.Driver != config.StorePostgres {
		return nil, fmt.Errorf("store.dir: %w (has the server run with this config yet?)", err)
	}
	local, closer, err := host.OpenAdmin(cfg, cliLogger(env.stderr, cfg.Log.Level), env.getenv)
	if err == nil {
		webhooks := false
		for _, a := range cfg.Agents {
			webhooks = webhooks || len(a.Webhooks) > 0
		}
		return &session{Admin: local, stock: local, feeds: local, local: true, webhooks: webhooks, close: closer.Close}, nil
	}
	if !storeLocked(err) {
		return nil, err
	}
	if !cfg.MerchantAPI.On() {
		return nil, fmt.Errorf("the server is running and holds the store at %s, and its merchant API is off: "+
			"the merchant API must be enabled (merchant_api.token_env) for the CLI to work while the server runs; or stop the server", cfg.Store.Dir)
	}
	base, serverName, err := serverURL(cfg.Server)
	if err != nil {
		return nil, err
	}
	return remoteSession(cfg, base, serverName, env.getenv, true)
}

// serverStopped reports whether the store was opened directly because no
// server holds it: a Badger store. A PostgreSQL store is opened directly
// beside any running replicas, so that nothing is known of them.
func (s *session) serverStopped() bool {
	return s.local && s.cfg.Store.Driver != config.StorePostgres
}

// noteOutbox tells, after a change made on the store directly, that the
// webhook events it queued (events describes them) wait for the server.
func (s *session) noteOutbox(w io.Writer, events string) {
	if s.local && s.webhooks {
		fmt.Fprintf(w, "note: the server is not running; %s wait in the outbox until it next runs\n", events)
	}
}

// storeLocked reports whether opening the store failed because another
// process (the server) holds it. Badger flattens the cause into the
// message ("Cannot acquire directory lock on ... Another process is using
// this Badger database."), so the text is all there is to go by.
func storeLocked(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "cannot acquire directory lock") ||
		strings.Contains(msg, "another process is using this badger database")
}

// remoteSession returns a session on the merchant API at base. serverName,
// when set, is the name the server's certificate is verified against.
// found says the server was found by its hold on the store.
func remoteSession(cfg *config.Config, base, serverName string, getenv func(string) string, found bool) (*session, error) {
	token, err := merchantToken(cfg.MerchantAPI, getenv)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if serverName != "" {
		transport.TLSClientConfig = &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	}
	client := &merchantapi.Client{BaseURL: base, Token: token, HTTP: &http.Client{Transport: transport, Timeout: time.Minute}}
	return &session{Admin: client, stock: client, feeds: client, explain: explainUnreachable(base, found), close: func() error {
		transport.CloseIdleConnections()
		return nil
	}}, nil
}

// merchantToken reads the merchant API token from the environment, or
// the config's local-only token.
func merchantToken(m config.MerchantAPI, getenv func(string) string) (string, error) {
	switch {
	case m.TokenEnv != "":
		token := getenv(m.TokenEnv)
		if token == "" {
			return "", fmt.Errorf("merchant_api.token_env: environment variable %s is not set or empty", m.TokenEnv)
		}
		return token, nil
	case m.LocalOnlyToken != "":
		return m.LocalOnlyToken, nil
	}
	return "", errors.New("merchant_api is off in the config, so there is no token to call the merchant API with")
}

// serverURL is the base URL of the server's own listener, and the name to
// verify its certificate against when that is not the listener's host. An
// unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") is reached on
// the loopback address. With TLS, the certificate is verified against the
// host name of server.public_url, where the server is published.
func serverURL(s config.Server) (base, serverName string, err error) {
	host, port, err := net.SplitHostPort(s.Listen)
	if err != nil {
		return "", "", fmt.Errorf("server.listen %q: %w", s.Listen, err)
	}
	if addr, perr := netip.ParseAddr(host); host == "" || (perr == nil && addr.IsUnspecified()) {
		host = "127.0.0.1"
		if perr == nil && addr.Is6() {
			host = "::1"
		}
	}
	scheme := "http"
	if s.TLS.Enabled() {
		scheme = "https"
		if u, perr := url.Parse(s.PublicURL); perr == nil && u.Hostname() != "" && u.Hostname() != host {
			if _, ipErr := netip.ParseAddr(u.Hostname()); ipErr != nil {
				serverName = u.Hostname()
			}
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ReplaceAll(host, "%", "%25"), port), serverName, nil
}

// cliLogger is the redacting logger at the configured level, but never
// below warnings: the store's routine messages are no business of a
// command's output.
func cliLogger(w io.Writer, level string) *slog.Logger {
	return logging.New(w, max(logLevel(level), slog.LevelWarn))
}

// explainUnreachable adds to a failure to reach the server at base what
// the operator can do about it. found says the server was found by its
// hold on the store.
func explainUnreachable(base string, found bool) func(error) error {
	return func(err error) error {
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			return err
		}
		if found {
			return fmt.Errorf("the server holds the store but cannot be reached at %s (pass --server URL if it listens elsewhere): %w", base, err)
		}
		return fmt.Errorf("cannot reach the server at %s: %w", base, err)
	}
}
