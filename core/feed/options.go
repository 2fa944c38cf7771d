package feed

import (
	"log/slog"
	"slices"
	"time"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// What New takes for Options' fields that are zero (or negative).
const (
	defaultDelay          = 5 * time.Second
	defaultBatchSize      = 100
	defaultTimeout        = 30 * time.Second
	defaultInitialBackoff = time.Second
	defaultMaxBackoff     = 10 * time.Minute
	defaultLeaseTTL       = 30 * time.Second
	defaultPageSize       = 500
)

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
	// TargetCountry is the feed's market, an ISO 3166-1 alpha-2 code.
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

// keeps reports whether the filter keeps p.
func (f Filter) keeps(p catalog.Product) bool {
	if len(f.ProductIDs) > 0 && !slices.Contains(f.ProductIDs, p.ID) {
		return false
	}
	if slices.Contains(f.ExcludeProductIDs, p.ID) {
		return false
	}
	if len(f.Categories) == 0 {
		return true
	}
	return slices.ContainsFunc(p.Variants, func(v catalog.Variant) bool {
		return slices.ContainsFunc(v.Item.Categories, func(c string) bool { return slices.Contains(f.Categories, c) })
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
	// Delay is how often the catalog is read and changes are sent: at
	// most one upsert per product per Delay. 5s when zero.
	Delay time.Duration
	// BatchSize is the most products in one upsert; 100 when zero.
	BatchSize int
	// Timeout bounds one request to a platform; 30s when zero.
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
	// publisher died. 30s when zero.
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
		o.LeaseTTL = defaultLeaseTTL
	}
	if o.PageSize <= 0 {
		o.PageSize = defaultPageSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
