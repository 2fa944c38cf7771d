package feed

import (
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// What New takes for Options' fields that are zero (or negative); the
// default LeaseTTL is minLeaseTTL or 2*Timeout+leaseSlack, whichever is
// longer.
const (
	defaultDelay          = 5 * time.Second
	defaultBatchSize      = 100
	defaultTimeout        = 30 * time.Second
	defaultInitialBackoff = time.Second
	defaultMaxBackoff     = 10 * time.Minute
	defaultPageSize       = 500
	minLeaseTTL           = 30 * time.Second
	leaseSlack            = 10 * time.Second
)

// maxBatchSize bounds Options.BatchSize, as feed_publishing.batch_size
// is bounded.
const maxBatchSize = 1000

// Target is one agent platform the catalog is published to.
type Target struct {
	// Name identifies the target in the store, logs and metrics.
	Name string
	// URL is the platform's Feed API base URL.
	URL string
	// Token is the platform's credential; Header the request header
	// carrying it: Authorization (when empty) as "Bearer <token>", any
	// other the token as it is.
	Token  string
	Header string
	// TokenEnv names the environment variable the token was read from,
	// for messages about a refused credential; empty when unknown.
	TokenEnv string
	// TargetCountry is the feed's market, an upper-case ISO 3166-1
	// alpha-2 code; empty names none.
	TargetCountry string
	// Filter limits the products the target gets.
	Filter Filter
}

// Filter limits the products a target gets; the zero Filter keeps them
// all.
type Filter struct {
	// Categories keeps the products with a variant in one of them.
	Categories []string
	// ProductIDs keeps only the products listed.
	ProductIDs []string
	// ExcludeProductIDs drops the products listed.
	ExcludeProductIDs []string
}

// String describes f's lists, for logs and a target's status.
func (f Filter) String() string {
	var parts []string
	for _, l := range []struct {
		name string
		list []string
	}{{"categories", f.Categories}, {"product_ids", f.ProductIDs}, {"exclude_product_ids", f.ExcludeProductIDs}} {
		if len(l.list) > 0 {
			parts = append(parts, l.name+" "+strings.Join(l.list, ", "))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// filter is a Filter with its lists as sets; a nil set does not limit.
type filter struct {
	only, exclude, categories map[string]bool
}

// compile returns f with its lists as sets.
func (f Filter) compile() filter {
	return filter{only: setOf(f.ProductIDs), exclude: setOf(f.ExcludeProductIDs), categories: setOf(f.Categories)}
}

// setOf returns the set of list's strings; nil when list is empty.
func setOf(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	set := make(map[string]bool, len(list))
	for _, s := range list {
		set[s] = true
	}
	return set
}

// keeps reports whether the filter keeps p.
func (f filter) keeps(p catalog.Product) bool {
	if f.only != nil && !f.only[p.ID] || f.exclude[p.ID] {
		return false
	}
	if f.categories == nil {
		return true
	}
	return slices.ContainsFunc(p.Variants, func(v catalog.Variant) bool {
		return slices.ContainsFunc(v.Item.Categories, func(c string) bool { return f.categories[c] })
	})
}

// Options configure a Publisher. Store and Currency are required.
type Options struct {
	// Store holds the publishing state and the stock levels.
	Store store.Store
	// Listing lists the catalog's products; nil when the catalog does
	// not (then nothing is published, and each target's LastError says
	// why).
	Listing catalog.Listing
	// Currency is the store's currency: prices are in its minor units.
	Currency string
	// TrackStock is set when the host controls stock: a variant whose SKU
	// has a stock level in the store shows that level's available units
	// rather than what the catalog says, as checkout does.
	TrackStock bool
	// Targets are the platforms.
	Targets []Target
	// Delay is how often the catalog is sampled and changes are sent: at
	// most one upsert per product per Delay, and a change undone before
	// the next sample is not sent. 5s when zero.
	Delay time.Duration
	// BatchSize is the most products in one upsert, at most 1000; 100
	// when zero.
	BatchSize int
	// Timeout bounds one request to a platform; 30s when zero. It must
	// be under half of LeaseTTL.
	Timeout time.Duration
	// InitialBackoff is the pause after a first failed request; it
	// doubles with each further failure, jittered, up to MaxBackoff,
	// and is at least what the platform asks for with Retry-After. 1s
	// and 10m when zero.
	InitialBackoff, MaxBackoff time.Duration
	// AllowPrivateNetworks lets the client reach platforms on loopback,
	// private and link-local addresses: for development and tests only.
	AllowPrivateNetworks bool
	// LeaseTTL is how long a process holds a target's lease between two
	// renewals: how long the other processes wait for a target whose
	// publisher died. Every request ends a quarter of it after the
	// renewal made just before it, at the latest, so that no request is
	// in flight once the lease could lapse. When zero, 2*Timeout+10s or
	// 30s, whichever is longer (70s with the default Timeout).
	LeaseTTL time.Duration
	// PageSize is the most products asked for per page of a listing;
	// 500 when zero.
	PageSize int
	// Logger receives what happens (info), failures (warn) and each
	// upsert (debug); never a credential or a product's body.
	// slog.Default() when nil.
	Logger *slog.Logger
	// Metrics, when not nil, records the publisher's metrics.
	Metrics *Metrics
}

// withDefaults returns o with its zero fields defaulted.
func (o Options) withDefaults() Options {
	if o.Delay <= 0 {
		o.Delay = defaultDelay
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultBatchSize
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.InitialBackoff <= 0 {
		o.InitialBackoff = defaultInitialBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = defaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.InitialBackoff)
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = max(minLeaseTTL, 2*o.Timeout+leaseSlack)
	}
	if o.PageSize <= 0 {
		o.PageSize = defaultPageSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
