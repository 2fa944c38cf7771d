package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/core/feedclient"
	"github.com/acp-sidecar/acp/core/internal/outbound"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// currencyPattern is an ISO 4217 code, in either case.
var currencyPattern = regexp.MustCompile(`^[A-Za-z]{3}$`)

// countryPattern is an ISO 3166-1 alpha-2 code, as the Feed API takes it.
var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// checkCountry returns why country cannot be a target's TargetCountry.
func checkCountry(country string) error {
	if country != "" && !countryPattern.MatchString(country) {
		return fmt.Errorf("the target country %q is not an upper-case ISO 3166-1 alpha-2 code", country)
	}
	return nil
}

// Publisher publishes the catalog to its targets. Run one per process;
// the processes sharing a store share the work through the targets'
// leases.
type Publisher struct {
	opts    Options
	log     *slog.Logger
	catalog *catalogCache
	targets []*target
	backoff outbound.Backoff
	now     func() time.Time
	// ran is set by the first call of Run.
	ran atomic.Bool
}

// New returns a Publisher of opts' targets; zero options take the
// defaults documented on Options. It fails when the store is missing,
// the currency is not a currency, BatchSize is over 1000, Timeout is not
// under half of LeaseTTL, or a target has no name, a name another has, a
// URL the client cannot use or a target country that is not one.
func New(opts Options) (*Publisher, error) {
	if opts.Store == nil {
		return nil, errors.New("feed publisher: no store")
	}
	if !currencyPattern.MatchString(opts.Currency) {
		return nil, fmt.Errorf("feed publisher: the currency %q is not an ISO 4217 code", opts.Currency)
	}
	opts = opts.withDefaults()
	if opts.BatchSize > maxBatchSize {
		return nil, fmt.Errorf("feed publisher: the batch size %d is over %d", opts.BatchSize, maxBatchSize)
	}
	if opts.Timeout >= opts.LeaseTTL/2 {
		return nil, fmt.Errorf("feed publisher: the request timeout %s is not under half of the lease TTL %s", opts.Timeout, opts.LeaseTTL)
	}
	p := &Publisher{
		opts:    opts,
		log:     opts.Logger,
		backoff: outbound.Backoff{Initial: opts.InitialBackoff, Max: opts.MaxBackoff, Jitter: rand.Int64N},
		now:     time.Now,
	}
	p.catalog = &catalogCache{
		reader: &reader{listing: opts.Listing, levels: StoreLevels(opts.Store), currency: opts.Currency, trackStock: opts.TrackStock, pageSize: opts.PageSize},
		maxAge: opts.Delay,
		now:    func() time.Time { return p.now() },
		log:    p.log,
	}
	seen := map[string]bool{}
	for _, cfg := range opts.Targets {
		if cfg.Name == "" || seen[cfg.Name] {
			return nil, fmt.Errorf("feed publisher: target name %q is empty or not unique", cfg.Name)
		}
		seen[cfg.Name] = true
		if err := checkCountry(cfg.TargetCountry); err != nil {
			return nil, fmt.Errorf("feed target %s: %w", cfg.Name, err)
		}
		client, err := feedclient.New(feedclient.Options{
			BaseURL:              cfg.URL,
			Token:                cfg.Token,
			Header:               cfg.Header,
			Timeout:              opts.Timeout,
			AllowPrivateNetworks: opts.AllowPrivateNetworks,
		})
		if err != nil {
			return nil, fmt.Errorf("feed target %s: %w", cfg.Name, err)
		}
		p.targets = append(p.targets, &target{p: p, cfg: cfg, filter: cfg.Filter.compile(), client: client, lease: leaseName(cfg.Name), log: p.log.With("target", cfg.Name)})
	}
	return p, nil
}

// leaseName is the name of the lease on a target.
func leaseName(target string) string { return "feed/" + target }

// Run publishes until ctx is done, then gives the targets' leases up
// and returns nil, with targets or without. Each target is published by
// a goroutine of its own, every Delay, while this process holds its
// lease: one request at a time per target, so that one product's
// upserts reach its platform in order. A round that panics is recovered
// (logged with its stack, counted), and its target starts afresh after
// a back-off. A Publisher runs once: a second call returns an error at
// once. Close the store only after Run returned.
func (p *Publisher) Run(ctx context.Context) error {
	if !p.ran.CompareAndSwap(false, true) {
		return errors.New("feed publisher: Run was called before (a publisher runs once)")
	}
	var wg sync.WaitGroup
	for _, t := range p.targets {
		wg.Go(func() { t.run(ctx) })
	}
	wg.Wait()
	<-ctx.Done()
	return nil
}

// TargetStatus is a target's publishing state as the store holds it.
type TargetStatus struct {
	// Name is the target's name; URL its platform's Feed API base URL as
	// configured (the record's URL is the one last published to).
	Name, URL string
	// State is the target's record; nil until it was first published.
	State *model.FeedTarget
	// Publishing is true while this process publishes the target (holds
	// its lease).
	Publishing bool
	// Refused counts the products the platform refused and that wait to
	// be sent again (docs/feeds.md), and RefusedIDs lists the first
	// maxRefusedIDs of their ids, sorted: known only while this process
	// publishes the target (zero and nil otherwise), as of its last
	// round.
	Refused    int
	RefusedIDs []string
}

// maxRefusedIDs bounds TargetStatus.RefusedIDs.
const maxRefusedIDs = 20

// Status returns the state of every target, in the order of Options'
// Targets. It works whether Run runs or not (then Publishing is false).
func (p *Publisher) Status(ctx context.Context) ([]TargetStatus, error) {
	records, err := store.Read(ctx, p.opts.Store, func(r store.Reader) ([]*model.FeedTarget, error) { return r.FeedTargets() })
	if err != nil {
		return nil, fmt.Errorf("read the feed targets: %w", err)
	}
	byName := map[string]*model.FeedTarget{}
	for _, rec := range records {
		byName[rec.Name] = rec
	}
	out := make([]TargetStatus, 0, len(p.targets))
	for _, t := range p.targets {
		st := TargetStatus{Name: t.cfg.Name, URL: t.cfg.URL, State: byName[t.cfg.Name], Publishing: t.publishing.Load()}
		if ids := t.refusedIDs.Load(); ids != nil && len(*ids) > 0 {
			st.Refused, st.RefusedIDs = len(*ids), slices.Clone((*ids)[:min(len(*ids), maxRefusedIDs)])
		}
		out = append(out, st)
	}
	return out, nil
}

// RequestPush asks for a full publish of the target (acp feed push):
// the process publishing it sends every product again at its next
// round, whatever the platform accepted before. Any process sharing the
// store may ask.
func RequestPush(ctx context.Context, st store.Store, target string) error {
	now := time.Now()
	err := st.Update(ctx, func(tx store.Tx) error {
		rec, err := tx.FeedTarget(target)
		if errors.Is(err, store.ErrNotFound) {
			rec, err = &model.FeedTarget{Name: target}, nil
		}
		if err != nil {
			return err
		}
		rec.PushRequestedAt, rec.UpdatedAt = now, now
		return tx.PutFeedTarget(rec)
	})
	if err != nil {
		return fmt.Errorf("request a full publish of feed target %s: %w", target, err)
	}
	return nil
}
