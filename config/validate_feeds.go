package config

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

const (
	// maxFeedBatchSize bounds feed_publishing.batch_size.
	maxFeedBatchSize = 1000
	// minFeedDelay is the shortest feed_publishing.delay: a catalog
	// plugin's listing is polled at most ten times a second.
	minFeedDelay = 100 * time.Millisecond
)

// connectionHeaders are the request headers the HTTP client sets or that
// manage the connection: none can carry a feed's credential (feeds[].
// header), nor can any Proxy-* header.
var connectionHeaders = []string{"Host", "Content-Type", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "Te", "Trailer", "Keep-Alive"}

// validateFeeds checks the feed targets against feed_publishing, and
// their filters' product ids against the built-in catalog's products
// while it serves (a plugin knows its own).
func (c *Config) validateFeeds(ps *problems) {
	var products, categories map[string]bool
	if builtinServes(c.Capabilities.Catalog) {
		products, categories = map[string]bool{}, map[string]bool{}
		for _, it := range c.Catalog.Items {
			products[it.SKU] = true
			addAll(categories, it.Categories)
		}
		for _, p := range c.Catalog.Products {
			products[p.ID] = true
			for _, v := range p.Variants {
				if len(v.Categories) == 0 {
					addAll(categories, p.Categories)
				}
				addAll(categories, v.Categories)
			}
		}
	}
	names := map[string]int{}
	for i, f := range c.Feeds {
		path := indexPath("feeds", i)
		switch j, dup := names[f.Name]; {
		case f.Name == "":
			ps.add(path+".name", "is required")
		case !namePattern.MatchString(f.Name):
			addBadName(ps, path+".name", f.Name)
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
		switch {
		case !httpguts.ValidHeaderFieldName(f.Header):
			ps.add(path+".header", "%q is not an HTTP header name (leave the key out for %s)", f.Header, DefaultFeedHeader)
		case slices.Contains(connectionHeaders, f.Header) || strings.HasPrefix(f.Header, "Proxy-"):
			ps.add(path+".header", "%q is set by the HTTP client or manages the connection, and cannot carry the credential (leave the key out for %s)", f.Header, DefaultFeedHeader)
		}
		if f.TargetCountry == "" {
			ps.add(path+".target_country", "is required: the feed's market, an ISO 3166-1 alpha-2 code such as \"US\"")
		} else {
			checkAssignedCountry(path+".target_country", f.TargetCountry, ps)
		}
		if f.Mode != FeedModeUpsert {
			ps.add(path+".mode", "must be %q, the one mode the Feed API serves over HTTP (full files come from `acp feed export`), got %q", FeedModeUpsert, f.Mode)
		}
		checkFilterCategories(path+".filter.categories", f.Filter.Categories, categories, ps)
		checkFilterIDs(path+".filter.product_ids", f.Filter.ProductIDs, products, ps)
		checkFilterIDs(path+".filter.exclude_product_ids", f.Filter.ExcludeProductIDs, products, ps)
	}
}

// checkFilterIDs reports the blank product ids of a feed filter, and
// those not in products unless it is nil.
func checkFilterIDs(path string, ids []string, products map[string]bool, ps *problems) {
	checkLabels(path, ids, ps)
	for i, id := range ids {
		if products != nil && strings.TrimSpace(id) != "" && !products[id] {
			ps.addCrossRef(indexPath(path, i), "no product of the built-in catalog has the id %q: a product's id under catalog.products or an item's sku under catalog.items", id)
		}
	}
}

// addAll adds each of list to set.
func addAll(set map[string]bool, list []string) {
	for _, s := range list {
		set[s] = true
	}
}

// checkFilterCategories reports the blank categories of a feed filter,
// and those no variant has (its own categories, or its product's when it
// names none) unless categories is nil: a misspelt category would keep
// no product, and the platform would show the whole catalog discontinued.
func checkFilterCategories(path string, list []string, categories map[string]bool, ps *problems) {
	checkLabels(path, list, ps)
	for i, c := range list {
		if categories != nil && strings.TrimSpace(c) != "" && !categories[c] {
			ps.addCrossRef(indexPath(path, i), "no variant of the built-in catalog has the category %q (a variant's categories, or its product's when it names none): the filter would keep no product", c)
		}
	}
}

// checkFeedURL returns why raw cannot be a feed target's URL, or "": an
// absolute https URL (plain http only to a loopback host) with a valid
// port if any, without user information, query or fragment, whose host
// is public unless allowPrivate, by the same rule as a webhook's.
func checkFeedURL(raw string, allowPrivate bool) string {
	if raw == "" {
		return "is required: the platform's Feed API base URL"
	}
	if msg := checkHTTPURL(raw); msg != "" {
		return msg
	}
	u, _ := url.Parse(raw) // checkHTTPURL parsed it
	port, portErr := strconv.Atoi(u.Port())
	switch {
	case u.Port() != "" && (portErr != nil || port < 1 || port > 65535):
		return fmt.Sprintf("port %q is not a number from 1 to 65535", u.Port())
	case u.User != nil:
		return "must not contain user information; the credential comes from token_env"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have a query: it is the base URL the Feed API's paths are appended to"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not have a fragment: it is the base URL the Feed API's paths are appended to"
	case u.Scheme != "https" && !isLoopback(u.Hostname()):
		return "must be https (plain http only to a loopback host: 127.0.0.0/8, ::1 or localhost)"
	case allowPrivate:
		return ""
	}
	return checkPublicHost(u.Hostname(), "feed_publishing.allow_private_networks")
}

// validate checks the feed_publishing section: its requests' timing as
// webhook_delivery's is checked.
func (p *FeedPublishing) validate(ps *problems) {
	if p.Delay < minFeedDelay {
		ps.add("feed_publishing.delay", "must be at least %s, got %s", minFeedDelay, p.Delay)
	}
	if p.BatchSize < 1 || p.BatchSize > maxFeedBatchSize {
		ps.add("feed_publishing.batch_size", "must be from 1 to %d, got %d", maxFeedBatchSize, p.BatchSize)
	}
	checkRetries("feed_publishing", p.Timeout, p.InitialBackoff, p.MaxBackoff, ps)
}
