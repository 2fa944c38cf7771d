package ucpprofile

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/acp-sidecar/acp/core/internal/outbound"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/internal/netguard"
	"github.com/acp-sidecar/acp/internal/ucpdoc"
)

// CodeProfileNotAllowed is the code of the 403 answered when an agent
// presents a profile acp.yaml does not let it present: authenticated, but
// not as that platform (overview.md, "Identity Binding").
const CodeProfileNotAllowed = "profile_not_allowed"

// AgentPolicy is what one agent may present as its platform profile.
type AgentPolicy struct {
	// ProfileHosts are the hosts (names or IP addresses, any port) whose
	// profile URLs the agent may present; those are fetched.
	ProfileHosts []string
	// Profiles are the profiles written in acp.yaml, by URL, as JSON;
	// they are never fetched.
	Profiles map[string]json.RawMessage
}

// Options configure a Resolver.
type Options struct {
	// Agents are the agents that may call UCP, by name.
	Agents map[string]AgentPolicy
	// Capabilities are the capabilities the business offers (Served's
	// names); nil offers them all.
	Capabilities []string
	// Timeout bounds one fetch, connecting and reading included. Default 5s.
	Timeout time.Duration
	// MinTTL and MaxTTL bound how long a fetched profile is cached: its
	// Cache-Control max-age, clamped to them. Defaults 60s and 1h; MinTTL
	// is raised to 60s, the spec's floor.
	MinTTL, MaxTTL time.Duration
	// CacheSize is how many fetched profiles (and failures) are kept,
	// the least recently used dropped first. Default 256.
	CacheSize int
	// MaxBytes caps a profile document. Default 256 KiB.
	MaxBytes int64
	// AllowPrivateNetworks lets profiles be fetched from (and order
	// webhooks go to) loopback, private and link-local addresses, over
	// plain http too, as webhook_delivery.allow_private_networks does for
	// webhooks.
	AllowPrivateNetworks bool
	// RootCAs are the certificate authorities trusted for fetches; nil
	// trusts the system's.
	RootCAs *x509.CertPool
	// Logger receives fetch failures and dropped order webhook URLs.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultTimeout   = 5 * time.Second
	DefaultMinTTL    = time.Minute
	DefaultMaxTTL    = time.Hour
	DefaultCacheSize = 256
	DefaultMaxBytes  = 256 << 10
)

// minTTLFloor is overview.md's floor on how long a profile is cached.
const minTTLFloor = time.Minute

// firstRetry is the pause after a first failed fetch of a profile; it
// doubles with each further failure, up to MinTTL.
const firstRetry = time.Second

// Resolver resolves platform profiles and negotiates with them; it
// implements ucp.Negotiator and is safe for concurrent use.
type Resolver struct {
	opts     Options
	offered  []Capability
	agents   map[string]agentPolicy
	client   *http.Client
	cache    *lru
	inflight singleflight.Group
	backoff  outbound.Backoff
}

// agentPolicy is an AgentPolicy resolved: hosts lower-cased, inline
// profiles negotiated.
type agentPolicy struct {
	hosts  map[string]bool
	inline map[string]result
}

// result is a profile resolved: the platform negotiated (Agent unset), or
// why it cannot be used.
type result struct {
	platform *ucp.Platform
	err      *ucp.Error
}

// errRefusedAddress marks a fetch refused by the address rules.
var errRefusedAddress = errors.New("refused profile address")

// NewResolver builds a Resolver. Inline profiles are checked and
// negotiated here: a malformed one is an error, one of a protocol version
// not served is answered version_unsupported at each request.
func NewResolver(opts Options) (*Resolver, error) {
	if opts.Capabilities == nil {
		opts.Capabilities = Served
	}
	for _, name := range opts.Capabilities {
		if _, ok := offerings[name]; !ok {
			return nil, fmt.Errorf("capability %q is not one this build serves", name)
		}
	}
	setDefaults(&opts)
	r := &Resolver{
		opts:    opts,
		offered: offered(opts.Capabilities),
		agents:  map[string]agentPolicy{},
		client: outbound.NewClient(outbound.ClientOptions{
			Timeout: opts.Timeout, AllowPrivateNetworks: opts.AllowPrivateNetworks, Refused: errRefusedAddress, RootCAs: opts.RootCAs,
		}),
		cache:   newLRU(opts.CacheSize),
		backoff: outbound.Backoff{Initial: firstRetry, Max: opts.MinTTL, Jitter: rand.Int64N},
	}
	for name, a := range opts.Agents {
		p := agentPolicy{hosts: map[string]bool{}, inline: map[string]result{}}
		for _, h := range a.ProfileHosts {
			p.hosts[strings.ToLower(h)] = true
		}
		for profileURL, doc := range a.Profiles {
			parsed, err := ucpdoc.ParsePlatform(doc)
			if err != nil {
				return nil, fmt.Errorf("agent %s: profile %s: %w", name, profileURL, err)
			}
			p.inline[profileURL] = r.negotiate(parsed, profileURL)
		}
		r.agents[name] = p
	}
	return r, nil
}

func setDefaults(o *Options) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	o.MinTTL = max(o.MinTTL, minTTLFloor)
	if o.MaxTTL <= 0 {
		o.MaxTTL = DefaultMaxTTL
	}
	o.MaxTTL = max(o.MaxTTL, o.MinTTL)
	if o.CacheSize <= 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Negotiate implements ucp.Negotiator. The profile is one written in
// acp.yaml for the agent, or is fetched, when its host is one of the
// agent's profile hosts and the URL passes the webhook address rules,
// and cached. A profile URL of another host is refused (403) and never
// fetched.
func (r *Resolver) Negotiate(ctx context.Context, agent, profileURL string) (*ucp.Platform, error) {
	policy, ok := r.agents[agent]
	if !ok {
		return nil, ucp.NewError(http.StatusForbidden, CodeProfileNotAllowed, "This agent may not use UCP.")
	}
	if profileURL == "" {
		return nil, invalidProfileURL("The request names no platform profile.")
	}
	res, ok := policy.inline[profileURL]
	if !ok {
		u, err := url.Parse(profileURL)
		if err != nil || !u.IsAbs() || u.Host == "" {
			return nil, invalidProfileURL("The platform profile URL is not an absolute URL.")
		}
		if !policy.hosts[strings.ToLower(u.Hostname())] {
			return nil, ucp.NewError(http.StatusForbidden, CodeProfileNotAllowed,
				"This agent may not present a platform profile from "+u.Hostname()+".")
		}
		if err := CheckURL(u, r.opts.AllowPrivateNetworks); err != nil {
			e := invalidProfileURL("The platform profile URL is refused: " + err.Error() + ".")
			e.Cause = err
			return nil, e
		}
		res = r.resolve(ctx, agent, profileURL, u.Hostname())
	}
	if res.err != nil {
		return nil, res.err
	}
	p := *res.platform
	p.Agent = agent
	return &p, nil
}

// resolve returns the cached result for a fetched profile, or fetches it
// (once for every request waiting on it) and caches what came of it.
func (r *Resolver) resolve(ctx context.Context, agent, profileURL, host string) result {
	if res, ok := r.cache.get(profileURL, r.opts.Now()); ok {
		return res
	}
	v, _, _ := r.inflight.Do(profileURL, func() (any, error) {
		now := r.opts.Now()
		if res, ok := r.cache.get(profileURL, now); ok {
			return res, nil
		}
		// The fetch is shared by every request waiting on it, so one
		// request's cancellation must not fail the others; Timeout
		// bounds it.
		parsed, ttl, ferr := r.fetch(context.WithoutCancel(ctx), profileURL)
		if ferr != nil {
			failures := r.cache.failures(profileURL) + 1
			r.opts.Logger.Warn("platform profile not resolved", "agent", agent, "host", host, "code", ferr.Code,
				"failures", failures, "error", ferr.Cause)
			res := result{err: ferr}
			r.cache.put(profileURL, res, now.Add(r.backoff.Delay(failures, 0)), failures)
			return res, nil
		}
		res := r.negotiate(parsed, profileURL)
		r.cache.put(profileURL, res, now.Add(ttl), 0)
		return res, nil
	})
	return v.(result)
}

// negotiate checks a profile's protocol version and negotiates with it.
func (r *Resolver) negotiate(p *ucpdoc.Platform, profileURL string) result {
	if p.Version != ucp.Version {
		return result{err: ucp.NewError(http.StatusUnprocessableEntity, ucp.CodeVersionUnsupported,
			fmt.Sprintf("Protocol version %s is not supported. This business supports version %s.", p.Version, ucp.Version))}
	}
	var platform []Capability
	for name, entries := range p.Capabilities {
		for _, e := range entries {
			platform = append(platform, Capability{Name: name, Version: e.Version, Extends: e.Extends})
		}
	}
	caps := Intersect(r.offered, platform)
	out := &ucp.Platform{Profile: profileURL, Version: ucp.Version, Capabilities: caps, SigningKeys: p.SigningKeys}
	if v, ok := caps[ucp.CapOrder]; ok {
		out.OrderWebhookURL = r.orderWebhookURL(p.Capabilities[ucp.CapOrder], v, profileURL)
	}
	return result{platform: out}
}

// orderWebhookURL is the config.webhook_url of the order capability entry
// of the version negotiated, when it passes the webhook address rules;
// otherwise it is dropped with a warning.
func (r *Resolver) orderWebhookURL(entries []ucpdoc.Capability, version, profileURL string) string {
	for _, e := range entries {
		if e.Version != version {
			continue
		}
		raw, ok := e.Config["webhook_url"]
		if !ok {
			return ""
		}
		s, _ := raw.(string)
		u, err := url.Parse(s)
		if err != nil || !u.IsAbs() || u.Host == "" {
			// Not the parser's error, which quotes the URL.
			err = errors.New("not an absolute URL")
		}
		if err == nil {
			err = CheckURL(u, r.opts.AllowPrivateNetworks)
		}
		if err != nil {
			// The profile's host, not its URL, which could carry a token.
			host := ""
			if pu, perr := url.Parse(profileURL); perr == nil {
				host = pu.Hostname()
			}
			r.opts.Logger.Warn("platform's order webhook_url dropped: it breaks the webhook address rules", "profile_host", host, "error", err.Error())
			return ""
		}
		return s
	}
	return ""
}

// CheckURL applies the webhook address rules to an outbound URL (a
// profile to fetch, an order webhook): https, or http only when private
// networks are allowed; no user information; and, unless private networks
// are allowed, a host that is not internal by its form (netguard.CheckHost).
// The client checks the addresses a name resolves to again when it dials.
func CheckURL(u *url.URL, allowPrivate bool) error {
	switch {
	case u.Scheme != "https" && !(allowPrivate && u.Scheme == "http"):
		return fmt.Errorf("the scheme must be https, got %q", u.Scheme)
	case u.User != nil:
		return errors.New("user information is not allowed in the URL")
	case allowPrivate:
		return nil
	}
	if err := netguard.CheckHost(u.Hostname()); err != nil {
		return fmt.Errorf("the host is not a public one: %w", err)
	}
	return nil
}
