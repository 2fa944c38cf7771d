package config

import (
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// maxFeedBatchSize bounds feed_publishing.batch_size.
const maxFeedBatchSize = 1000

// validateFeeds checks the feed targets against feed_publishing.
func (c *Config) validateFeeds(ps *problems) {
	names := map[string]int{}
	for i, f := range c.Feeds {
		path := indexPath("feeds", i)
		switch j, dup := names[f.Name]; {
		case f.Name == "":
			ps.add(path+".name", "is required")
		case !namePattern.MatchString(f.Name):
			ps.add(path+".name", "%q must start with a lower-case letter followed by at most 62 lower-case letters, digits, '_' and '-'", f.Name)
		case dup:
			ps.add(path+".name", "duplicate feed name %q (also feeds[%d])", f.Name, j)
		default:
			names[f.Name] = i
		}
		if msg := checkFeedURL(f.URL, c.FeedPublishing.AllowPrivateNetworks); msg != "" {
			ps.add(path+".url", "%s", msg)
		}
		switch {
		case f.TokenEnv == "":
			ps.add(path+".token_env", "is required: the environment variable holding the platform's credential")
		case !envVarPattern.MatchString(f.TokenEnv):
			ps.add(path+".token_env", "%q is not an environment variable name", f.TokenEnv)
		}
		if !httpguts.ValidHeaderFieldName(f.Header) {
			ps.add(path+".header", "%q is not an HTTP header name (leave the key out for %s)", f.Header, DefaultFeedHeader)
		}
		if f.TargetCountry == "" {
			ps.add(path+".target_country", "is required: the feed's market, an ISO 3166-1 alpha-2 code such as \"US\"")
		} else {
			checkCountry(path+".target_country", f.TargetCountry, ps)
		}
		if f.Mode != FeedModeUpsert {
			ps.add(path+".mode", "must be %q, the one mode the Feed API serves over HTTP (full files come from `acp feed export`), got %q", FeedModeUpsert, f.Mode)
		}
		checkLabels(path+".filter.categories", f.Filter.Categories, ps)
		checkLabels(path+".filter.product_ids", f.Filter.ProductIDs, ps)
		checkLabels(path+".filter.exclude_product_ids", f.Filter.ExcludeProductIDs, ps)
	}
}

// checkFeedURL returns why raw cannot be a feed target's URL, or "": an
// absolute https URL (plain http only to a loopback host) without user
// information, query or fragment, whose host is public unless
// allowPrivate, by the same rule as a webhook's.
func checkFeedURL(raw string, allowPrivate bool) string {
	if raw == "" {
		return "is required: the platform's Feed API base URL"
	}
	if msg := checkHTTPURL(raw); msg != "" {
		return msg
	}
	u, _ := url.Parse(raw) // checkHTTPURL parsed it
	switch {
	case u.User != nil:
		return "must not contain user information; the credential comes from token_env"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have a query: it is the base URL the Feed API's paths are appended to"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not have a fragment: it is the base URL the Feed API's paths are appended to"
	case u.Scheme != "https" && !isLoopback(u.Hostname()):
		return "must be https (plain http only to a loopback host: 127.0.0.1, ::1 or localhost)"
	case allowPrivate:
		return ""
	}
	return checkPublicHost(u.Hostname(), "feed_publishing.allow_private_networks")
}

// validate checks the feed_publishing section.
func (p *FeedPublishing) validate(ps *problems) {
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			ps.add("feed_publishing."+key, "must be a positive duration, got %s", d)
		}
	}
	positive("delay", p.Delay)
	if p.BatchSize < 1 || p.BatchSize > maxFeedBatchSize {
		ps.add("feed_publishing.batch_size", "must be from 1 to %d, got %d", maxFeedBatchSize, p.BatchSize)
	}
	positive("timeout", p.Timeout)
	positive("initial_backoff", p.InitialBackoff)
	switch {
	case p.MaxBackoff <= 0:
		positive("max_backoff", p.MaxBackoff)
	case p.MaxBackoff < p.InitialBackoff:
		ps.add("feed_publishing.max_backoff", "must be at least initial_backoff (%s), got %s", p.InitialBackoff, p.MaxBackoff)
	}
}
