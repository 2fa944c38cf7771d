package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// version is this plugin's version, reported to the host.
const version = "0.1.0"

// Defaults and bounds of the config.
const (
	defaultTimeout        = 5 * time.Second
	defaultMaxAttempts    = 3
	defaultInitialBackoff = 250 * time.Millisecond
	// maxBackoff caps the pause between two attempts.
	maxBackoff = 10 * time.Second
	// shortSecret is the length under which the secret is reported weak.
	shortSecret = 32
)

// orderIDPlaceholder in cancel_url is replaced by the order id.
const orderIDPlaceholder = "{order_id}"

// configSchema is the JSON Schema of the plugin's config block.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "acp-plugin-order-forward",
  "type": "object",
  "properties": {
    "url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "description": "The order intake URL: placed orders are POSTed here. https, or http to a loopback host only."},
    "cancel_url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "description": "Where cancellations are POSTed; {order_id} is replaced by the order id. Default: url + /{order_id}/cancel. https, or http to a loopback host only."},
    "health_url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "description": "GET for the health check, which needs a 2xx answer. Optional. https, or http to a loopback host only."},
    "secret_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": "Name of the environment variable holding the HMAC signing secret; list it under the plugin's env."},
    "timeout": {"type": "string", "minLength": 1, "description": "Deadline of one HTTP attempt, as a Go duration; default 5s."},
    "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10, "description": "Attempts per request; default 3."},
    "initial_backoff": {"type": "string", "minLength": 1, "description": "Pause before the second attempt, doubling after; default 250ms."}
  },
  "required": ["url", "secret_env"],
  "additionalProperties": false
}`

// config is the plugin's config block.
type config struct {
	URL            string `json:"url"`
	CancelURL      string `json:"cancel_url"`
	HealthURL      string `json:"health_url"`
	SecretEnv      string `json:"secret_env"`
	Timeout        string `json:"timeout"`
	MaxAttempts    int    `json:"max_attempts"`
	InitialBackoff string `json:"initial_backoff"`
}

// settings is a validated configuration.
type settings struct {
	orderURL       string
	cancelURL      string // may hold orderIDPlaceholder
	healthURL      string
	secret         []byte
	timeout        time.Duration
	maxAttempts    int
	initialBackoff time.Duration
}

// forwarder forwards orders to the store's intake.
type forwarder struct {
	logger   *slog.Logger
	getenv   func(string) string
	client   *http.Client
	settings atomic.Pointer[settings]
}

// Interface guard.
var _ fulfillment.Fulfillment = (*forwarder)(nil)

// newForwarder returns an unconfigured forwarder that logs to logger and
// reads the secret's variable with getenv.
func newForwarder(logger *slog.Logger, getenv func(string) string) *forwarder {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	return &forwarder{
		logger: logger,
		getenv: getenv,
		client: &http.Client{
			Transport: transport,
			// A redirect is an answer, not followed: the signed order
			// goes only where the config says.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// serveOpts describes the plugin to acpplugin.Serve.
func (f *forwarder) serveOpts() acpplugin.ServeOpts {
	return acpplugin.ServeOpts{
		Name:         "acp-plugin-order-forward",
		Version:      version,
		ConfigSchema: configSchema,
		Configure:    f.Configure,
		CheckHealth:  f.CheckHealth,
		Fulfillment:  f,
		Logger:       f.logger,
	}
}

// Configure checks the config and reads the secret from the environment.
func (f *forwarder) Configure(_ context.Context, raw []byte) error {
	var cfg config
	if err := acpplugin.DecodeConfig(raw, &cfg); err != nil {
		return err
	}
	s, err := cfg.settings(f.getenv)
	if err != nil {
		return err
	}
	if len(s.secret) < shortSecret {
		f.logger.Warn("the signing secret is short; use at least 32 random bytes", "secret_env", cfg.SecretEnv)
	}
	f.settings.Store(s)
	f.logger.Info("order intake configured", "intake", redact(s.orderURL), "max_attempts", s.maxAttempts)
	return nil
}

// settings validates the config.
func (cfg config) settings(getenv func(string) string) (*settings, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	s := &settings{orderURL: cfg.URL, cancelURL: cfg.CancelURL, healthURL: cfg.HealthURL}
	if err := checkEndpoint(cfg.URL); err != nil {
		add("url: %v", err)
	} else if s.cancelURL == "" {
		s.cancelURL = defaultCancelURL(cfg.URL)
	}
	if cfg.CancelURL != "" {
		if err := checkEndpoint(strings.ReplaceAll(cfg.CancelURL, orderIDPlaceholder, "ord_1")); err != nil {
			add("cancel_url: %v", err)
		}
	}
	if cfg.HealthURL != "" {
		if err := checkEndpoint(cfg.HealthURL); err != nil {
			add("health_url: %v", err)
		}
	}
	if secret := getenv(cfg.SecretEnv); secret == "" {
		add("secret_env: the environment variable %s is not set or empty: set it, and list it under this plugin's env in acp.yaml", cfg.SecretEnv)
	} else {
		s.secret = []byte(secret)
	}
	duration := func(key, text string, def time.Duration) time.Duration {
		if text == "" {
			return def
		}
		d, err := time.ParseDuration(text)
		if err != nil || d <= 0 {
			add("%s must be a positive duration such as 5s, got %q", key, text)
		}
		return d
	}
	s.timeout = duration("timeout", cfg.Timeout, defaultTimeout)
	s.initialBackoff = duration("initial_backoff", cfg.InitialBackoff, defaultInitialBackoff)
	// The schema bounds max_attempts to 1..10: 0 is its absence.
	s.maxAttempts = cfg.MaxAttempts
	if s.maxAttempts == 0 {
		s.maxAttempts = defaultMaxAttempts
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return s, nil
}

// checkURL accepts an absolute http(s) URL with a host and no fragment,
// and returns it parsed.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("not a URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("must be an http or https URL, got scheme %q", u.Scheme)
	case u.Host == "":
		return nil, errors.New("must be an absolute URL with a host")
	case u.Fragment != "":
		return nil, errors.New("must not have a fragment")
	}
	return u, nil
}

// checkEndpoint accepts a URL the plugin sends requests to: an absolute
// https URL, or an http URL to a loopback host. Orders carry the buyer's
// contact and address, and every request a signature: over plain http
// they would cross the network in cleartext.
func checkEndpoint(raw string) error {
	u, err := checkURL(raw)
	if err != nil {
		return err
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fmt.Errorf("plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost), got host %q: use https, since orders carry the buyer's contact and address", u.Hostname())
	}
	return nil
}

// loopbackHost reports whether host is "localhost" or a loopback IP
// address, written as such (not a name that merely resolves to one).
func loopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// defaultCancelURL returns orderURL's path followed by
// "/{order_id}/cancel", with orderURL's query kept.
func defaultCancelURL(orderURL string) string {
	base, query, _ := strings.Cut(orderURL, "?")
	out := strings.TrimSuffix(base, "/") + "/" + orderIDPlaceholder + "/cancel"
	if query != "" {
		out += "?" + query
	}
	return out
}

// redact returns a URL without its query or user info, for logs and
// errors: either may hold a credential.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// CheckHealth GETs health_url, when configured, and needs a 2xx answer.
func (f *forwarder) CheckHealth(ctx context.Context) error {
	s := f.settings.Load()
	if s == nil {
		return errors.New("not configured")
	}
	if s.healthURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.healthURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return acp.Downstream(fmt.Errorf("health check %s: %w", redact(s.healthURL), unwrapURLError(err)))
	}
	drain(resp)
	if resp.StatusCode/100 != 2 {
		return acp.Downstream(fmt.Errorf("health check %s answered %d", redact(s.healthURL), resp.StatusCode))
	}
	return nil
}

func main() {
	acpplugin.Serve(newForwarder(acpplugin.Logger(), os.Getenv).serveOpts())
}
