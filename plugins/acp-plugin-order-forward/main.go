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
	"regexp"
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
	defaultTimeout     = 5 * time.Second
	defaultMaxAttempts = 3
	// maxMaxAttempts is the most attempts max_attempts may ask for.
	maxMaxAttempts        = 10
	defaultInitialBackoff = 250 * time.Millisecond
	// maxBackoff caps the pause between two attempts.
	maxBackoff = 10 * time.Second
	// shortSecret is the length under which the secret is reported weak.
	shortSecret = 32
)

// orderIDPlaceholder in cancel_url is replaced by the order id.
const orderIDPlaceholder = "{order_id}"

// config is the plugin's config block, and its one description: the
// host checks the block against the JSON Schema derived from it
// (acpplugin.ConfigSchemaFor; acp plugins describe --json prints it),
// Validate refuses what the types cannot say, and settings reads the
// durations and the secret.
type config struct {
	URL            string `json:"url" jsonschema:"The order intake: placed orders are POSTed here. https; plain http only to a loopback host (127.0.0.0/8, ::1 or localhost), since orders carry the buyer's contact and address; the same holds for cancel_url and health_url."`
	CancelURL      string `json:"cancel_url,omitempty" jsonschema:"Where cancellations are POSTed; {order_id} in it is replaced by the escaped order id. Default: url's path followed by /{order_id}/cancel, url's query kept."`
	HealthURL      string `json:"health_url,omitempty" jsonschema:"GET by the health check, which needs a 2xx answer. Without it the plugin always reports healthy."`
	SecretEnv      string `json:"secret_env" jsonschema:"The NAME of the environment variable holding the HMAC secret that signs every request. List it under the plugin's env in acp.yaml: the host passes a plugin no other variable. The secret itself never goes in acp.yaml."`
	Timeout        string `json:"timeout,omitempty" jsonschema:"The deadline of one HTTP attempt, as a Go duration. Default 5s. The attempts also share the call's deadline (the plugin's timeout in acp.yaml, 2s by default)."`
	MaxAttempts    *int   `json:"max_attempts,omitempty" jsonschema:"Attempts per request, 1 to 10. Default 3."`
	InitialBackoff string `json:"initial_backoff,omitempty" jsonschema:"The pause before the second attempt, as a Go duration, doubling for each further one (at most 10s). Default 250ms."`
}

// Validate refuses an endpoint that is not https or http to a loopback
// host, a secret_env that is not a variable's name and max_attempts
// outside 1 to maxMaxAttempts, reporting every problem with its key.
func (c config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if err := checkEndpoint(c.URL); err != nil {
		add("url: %v", err)
	}
	if c.CancelURL != "" {
		if err := checkEndpoint(strings.ReplaceAll(c.CancelURL, orderIDPlaceholder, "ord_1")); err != nil {
			add("cancel_url: %v", err)
		}
	}
	if c.HealthURL != "" {
		if err := checkEndpoint(c.HealthURL); err != nil {
			add("health_url: %v", err)
		}
	}
	if !envName.MatchString(c.SecretEnv) {
		// The value is not quoted: it may be the secret itself, put
		// there by mistake.
		add("secret_env is not the name of an environment variable (letters, digits and _, not starting with a digit): it names the variable holding the secret, never the secret itself")
	}
	if m := c.MaxAttempts; m != nil && (*m < 1 || *m > maxMaxAttempts) {
		add("max_attempts must be 1 to %d, got %d", maxMaxAttempts, *m)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// envName is the form of a portable environment variable's name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

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
		ConfigSchema: acpplugin.ConfigSchemaFor[config](),
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

// settings reads a valid config: its durations, its defaults, and the
// secret from the environment.
func (c config) settings(getenv func(string) string) (*settings, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	s := &settings{orderURL: c.URL, cancelURL: c.CancelURL, healthURL: c.HealthURL, maxAttempts: defaultMaxAttempts}
	if s.cancelURL == "" {
		s.cancelURL = defaultCancelURL(c.URL)
	}
	if c.MaxAttempts != nil {
		s.maxAttempts = *c.MaxAttempts
	}
	if secret := getenv(c.SecretEnv); secret == "" {
		add("secret_env: the environment variable %s is not set or empty: set it, and list it under this plugin's env in acp.yaml", c.SecretEnv)
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
	s.timeout = duration("timeout", c.Timeout, defaultTimeout)
	s.initialBackoff = duration("initial_backoff", c.InitialBackoff, defaultInitialBackoff)
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
