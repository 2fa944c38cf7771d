package feed

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/acp-sidecar/acp/core/feedclient"
	"github.com/acp-sidecar/acp/core/feedwire"
	"github.com/acp-sidecar/acp/core/internal/outbound"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// recordPage is how many product records one read, one delete or one
// write transaction covers at most.
const recordPage = 500

// recordBytes bounds the bodies one transaction recording accepted
// products writes, well under what a transaction of either store takes
// (Badger's in-memory one, the smallest, takes about 2.4 MB, and a body
// is stored in base64).
const recordBytes = 1 << 20

// isolateAfter is how many server errors (5xx) in a row, for a batch of
// more than one product, set off the search for a product the platform
// fails on (isolate).
const isolateAfter = 3

// tombstonePrefix starts the source of a tombstone (item.source).
const tombstonePrefix = "tombstone:"

// maxErrorText bounds the text of an error a target's LastError keeps or
// a log line carries (brief).
const maxErrorText = 400

// maxPlatformMessage bounds the platform's message a refusal's log line
// carries: it may quote the product refused.
const maxPlatformMessage = 200

// brief returns an error's text as a target's LastError keeps it and its
// log lines carry it: its first line, at most maxErrorText bytes. What
// follows can be much longer than the cause and belongs to neither:
// Badger's "value too large" goes on with a hex dump of the value, a
// product's body.
func brief(msg string) string { return clip(msg, maxErrorText) }

// clip returns msg's first line, at most limit bytes (of whole runes),
// ending with " …" when anything was left out.
func clip(msg string, limit int) string {
	msg, _, cut := strings.Cut(msg, "\n")
	if len(msg) > limit {
		msg, cut = msg[:limit], true
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	if cut {
		msg = strings.TrimRight(msg, " ") + " …"
	}
	return msg
}

// accepted is a product as the target's platform last accepted it. Its
// body stays in the store, read when needed (a tombstone, a variant kept
// as gone).
type accepted struct {
	// hash is the hash of the body.
	hash string
	// source is the item.source the body was built from, when known.
	source string
	// removed is set when the body is the product's tombstone.
	removed bool
	// variants are the ids of the body's variants.
	variants []string
}

// item is a product to send.
type item struct {
	id string
	// source identifies what the body is built from: the snapshot
	// entry's hash, or tombstonePrefix and the hash of the accepted body
	// it is the tombstone of. A product refused, or failing alone, is
	// not sent again while its source stays the same, until its back-off
	// ends.
	source string
	// entry is the product in the round's snapshot; nil for a tombstone.
	entry   *entry
	removed bool
	// body, hash and variants are the product as sent and the ids of its
	// variants; built just before it is sent (bodies) unless work built
	// them.
	body     []byte
	hash     string
	variants []string
}

// retry is a product set aside: one the platform failed alone (5xx)
// while it took others, or one it refused (refusal). It waits for a
// back-off of its own, growing with each failure or refusal of the
// product, then goes again (a product failed alone goes alone).
type retry struct {
	// source is the item.source sent; failures counts the failures or
	// refusals in a row; at is when the back-off ends.
	source   string
	failures int
	at       time.Time
}

// next returns the retry of a product set aside again, from source, at
// now: its back-off grows when the product was set aside before (r not
// nil).
func (r *retry) next(b outbound.Backoff, source string, retryAfter time.Duration, now time.Time) *retry {
	failures := 1
	if r != nil {
		failures = r.failures + 1
	}
	return &retry{source: source, failures: failures, at: now.Add(b.Delay(failures, retryAfter))}
}

// target publishes one target. Only its run goroutine (or a test calling
// tick) touches its fields, but for publishing, which Status reads.
type target struct {
	p      *Publisher
	cfg    Target
	filter filter
	client *feedclient.Client
	lease  string
	log    *slog.Logger

	publishing atomic.Bool
	// refusedIDs are the ids of the products the platform refused,
	// sorted, as of the end of the last round (showRefused); nil while
	// this process does not publish the target.
	refusedIDs atomic.Pointer[[]string]
	// leased is set once this process took the target's lease.
	leased bool

	// rec is the target's record as last read or written.
	rec model.FeedTarget
	// s is what is kept while this process holds the lease; nil while it
	// does not.
	s *session
}

// session is what a target keeps while this process holds its lease.
// All of it goes with the lease: a process that takes the lease (again)
// starts from the store and from a catalog read after it took it, never
// from what it knew before.
type session struct {
	lease *store.Held
	// since is when the lease was taken: the snapshots published from
	// were read after it.
	since time.Time
	// sending carries the requests; it is canceled when the lease is
	// lost, so that a request in flight stops.
	sending context.Context
	cancel  context.CancelCauseFunc
	// accepted is what the platform accepted, by product id; nil until
	// loaded. changes counts its changes; fingerprint is its fingerprint
	// as of fingerprinted changes.
	accepted      map[string]*accepted
	changes       int
	fingerprinted int
	fingerprint   string
	// refused holds each product the platform refused (refusal), not
	// sent again while its source stays the same until its back-off
	// ends (so that a fix on the platform's side is picked up), and
	// forgotten once the platform has what the product should be (the
	// body it accepted); refusedStatus is the status of the last refusal.
	refused       map[string]*retry
	refusedStatus int
	// waiting holds the products the platform failed alone;
	// waitingStatus is the status of the last failure.
	waiting       map[string]*retry
	waitingStatus int
	// push is the PushRequestedAt of the full publish in progress (zero
	// when none), and pushed the products sent since it was asked for.
	push   time.Time
	pushed map[string]bool
	// snap is the round's snapshot; left counts the products of the
	// round not sent yet.
	snap *snapshot
	left int
	// serverErrors counts the server errors in a row; acceptances the
	// upserts accepted.
	serverErrors int
	acceptances  int
	// failures and retryAt are the back-off, kept here too in case the
	// record of it failed; failedAt is when the last failure came.
	failures int
	retryAt  time.Time
	failedAt time.Time
	// ownBackoff is set when the back-off the record holds
	// (NextAttemptAt) does not hold the session up, only retryAt does:
	// in the first session since the process started (a restart is how
	// a credential fixed is applied), and once a full publish was asked
	// for after the last failure.
	ownBackoff bool
	// newFeed is the id of a feed created whose id is not recorded yet.
	newFeed string
	// idle is the snapshot of the last round that had nothing to send,
	// and idleChanges the changes of accepted then: a round with the same
	// has nothing to do.
	idle        *snapshot
	idleChanges int
	// round counts what the round in progress sent (roundLog).
	round roundCount
	// keepsNone is set while the filter keeps none of the products the
	// catalog lists (it lists some): the platform shows them all
	// discontinued, most likely through a misspelt filter.
	keepsNone bool
}

// roundCount is what one round sent: the products sent (each once,
// however many requests carried it), and those accepted and refused.
type roundCount struct {
	sent              map[string]bool
	accepted, refused int
}

// roundLog logs at Info what the round sent, when it sent anything.
func (t *target) roundLog() {
	if t.s == nil {
		return
	}
	r := t.s.round
	t.s.round = roundCount{}
	if len(r.sent) > 0 {
		t.log.Info("sent products to the feed platform", "products", len(r.sent), "accepted", r.accepted, "refused", r.refused)
	}
}

// pushing reports whether a full publish in progress has yet to send the
// product.
func (s *session) pushing(id string) bool {
	return !s.push.IsZero() && !s.pushed[id]
}

// run publishes the target every Delay until ctx is done, then gives
// its lease up. A round that panics (a bug, perhaps on something a
// catalog listed) takes neither the server nor checkout down: it is
// recovered (protect), the target starts afresh from the store, and the
// next round waits for a back-off that grows while rounds go on
// panicking.
func (t *target) run(ctx context.Context) {
	defer t.drop(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	panics := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		wait := t.p.opts.Delay
		if t.protect(func() { t.tick(ctx) }) {
			panics++
			wait = max(wait, t.p.backoff.Delay(panics, 0))
			t.protect(func() { t.notePanic(ctx, wait) })
		} else {
			panics = 0
		}
		timer.Reset(wait)
	}
}

// protect runs fn and reports whether it panicked. A panic is recovered,
// logged at Error with its stack and counted (acp_feed_panics_total).
func (t *target) protect(fn func()) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			panicked = true
			t.log.Error("publishing the feed target panicked (a bug); it starts afresh after a back-off",
				"panic", brief(fmt.Sprint(v)), "stack", string(debug.Stack()))
			t.p.opts.Metrics.panicked(t.cfg.Name)
		}
	}()
	fn()
	return false
}

// errPanicked is the LastError of a target whose round panicked.
var errPanicked = errors.New("a round of publishing panicked (a bug; the log has its stack): the target starts afresh after a back-off")

// notePanic records, after a round panicked, the failure and when the
// next round comes (after wait), then drops the session: what it held
// may be half changed, and the next one starts from the store.
func (t *target) notePanic(ctx context.Context, wait time.Duration) {
	defer t.drop(ctx)
	s := t.s
	if s == nil || ctx.Err() != nil {
		return
	}
	failures := max(t.rec.Failures, s.failures) + 1
	next := t.p.now().Add(wait)
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.Failures, rec.NextAttemptAt = failures, next
		rec.LastError, rec.LastStatus = errPanicked.Error(), 0
		return nil
	})
	if err != nil {
		t.storeError(ctx, "recording a round that panicked", err)
	}
}

// tick is one round: take or keep the lease, bring the target's record
// and accepted products up to date, and send what the platform lacks.
func (t *target) tick(ctx context.Context) {
	if !t.hold(ctx) {
		return
	}
	defer t.showRefused()
	s := t.s
	rec, err := store.Read(ctx, t.p.opts.Store, func(r store.Reader) (*model.FeedTarget, error) { return r.FeedTarget(t.cfg.Name) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		rec = nil
	case err != nil:
		t.storeError(ctx, "reading the feed target", err)
		return
	}
	if rec == nil || rec.URL != t.cfg.URL {
		if err := t.reset(ctx, rec); err != nil {
			t.storeError(ctx, "starting the feed target afresh", err)
			return
		}
	} else {
		t.rec = *rec
		if s.accepted == nil {
			if err := t.load(ctx); err != nil {
				t.storeError(ctx, "reading the feed target's products", err)
				return
			}
		}
	}
	snap, err := t.p.catalog.get(ctx, s.since)
	if err != nil {
		if ctx.Err() == nil {
			s.idle = nil
			t.noteCatalog(ctx, err)
		}
		return
	}
	if !t.rec.PushRequestedAt.Equal(s.push) {
		s.push, s.pushed = t.rec.PushRequestedAt, map[string]bool{}
		if !s.push.IsZero() && s.push.After(s.failedAt) {
			// Asked for after the last failure: the push goes now.
			s.ownBackoff, s.retryAt = true, time.Time{}
		}
	}
	if snap == s.idle && s.changes == s.idleChanges && s.push.IsZero() && len(s.waiting) == 0 && len(s.refused) == 0 {
		return
	}
	s.snap = snap
	t.checkKeepsNone(snap)
	items, err := t.work(ctx)
	if err != nil {
		t.storeError(ctx, "building the feed target's products", err)
		return
	}
	s.left = len(items)
	t.p.opts.Metrics.setPending(t.cfg.Name, s.left)
	if now := t.p.now(); !s.ownBackoff && t.rec.NextAttemptAt.After(now) || s.retryAt.After(now) {
		return
	}
	if len(items) == 0 {
		if t.settle(ctx) {
			s.idle, s.idleChanges = snap, s.changes
		}
		return
	}
	if t.rec.FeedID == "" && !t.ensureFeed(ctx) {
		return
	}
	s.round = roundCount{sent: map[string]bool{}}
	defer t.roundLog()
	// The products the platform failed alone go alone, first.
	var rest []item
	for _, it := range items {
		if s.waiting[it.id] == nil {
			rest = append(rest, it)
		} else if !t.retryAlone(ctx, it) {
			return
		}
	}
	for len(rest) > 0 {
		n := min(t.p.opts.BatchSize, len(rest))
		if !t.deliver(ctx, rest[:n:n]) {
			return
		}
		rest = rest[n:]
	}
	t.settle(ctx)
}

// hold reports whether this process holds the target's lease, taking it
// when it is free. On taking it, a new session starts.
func (t *target) hold(ctx context.Context) bool {
	if t.s != nil {
		if t.s.lease.Err() == nil {
			return true
		}
		t.log.Warn("the feed target's lease was lost; another process publishes it")
		t.drop(ctx)
	}
	leases := t.p.opts.Store.Leases()
	l, _, ok, err := leases.TryAcquire(ctx, t.lease, t.p.opts.LeaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			t.log.Error("taking the feed target's lease", "error", err.Error())
		}
		return false
	}
	if !ok {
		return false
	}
	sending, cancel := context.WithCancelCause(ctx)
	t.s = &session{
		lease:   store.Keep(leases, l, t.p.opts.LeaseTTL, func(err error) { cancel(err) }),
		since:   t.p.now(),
		sending: sending,
		cancel:  cancel,
		refused: map[string]*retry{},
		waiting: map[string]*retry{},
		// The first session since the process started does not wait
		// for a back-off recorded before it.
		ownBackoff: !t.leased,
	}
	t.leased = true
	t.publishing.Store(true)
	t.p.opts.Metrics.setPublishing(t.cfg.Name, true)
	t.log.Info("publishing the feed target")
	return true
}

// drop gives the lease up, if held, and forgets the session.
func (t *target) drop(ctx context.Context) {
	if t.s == nil {
		return
	}
	t.s.cancel(nil)
	if err := t.s.lease.Release(ctx); err != nil {
		t.log.Warn("giving the feed target's lease up", "error", err.Error())
	}
	t.s = nil
	t.refusedIDs.Store(nil)
	t.publishing.Store(false)
	t.p.opts.Metrics.setPublishing(t.cfg.Name, false)
	t.p.opts.Metrics.setPending(t.cfg.Name, 0)
}

// showRefused makes the products the session holds refused what Status
// shows (none once the session is gone).
func (t *target) showRefused() {
	if t.s == nil {
		t.refusedIDs.Store(nil)
		return
	}
	ids := slices.Sorted(maps.Keys(t.s.refused))
	t.refusedIDs.Store(&ids)
}

// storeError logs a failed store operation; a lost lease drops it.
func (t *target) storeError(ctx context.Context, what string, err error) {
	if errors.Is(err, store.ErrLeaseLost) {
		t.log.Warn("the feed target's lease was lost; another process publishes it", "while", what)
		t.drop(ctx)
		return
	}
	if ctx.Err() == nil {
		t.log.Error(what, "error", brief(err.Error()))
	}
}

// recordFailed handles a failed write of what a request achieved: a lost
// lease drops it; any other failure puts the target behind the back-off,
// as a failed request does, so that what could not be recorded is not
// sent again every round.
func (t *target) recordFailed(ctx context.Context, what string, err error) {
	if errors.Is(err, store.ErrLeaseLost) || ctx.Err() != nil {
		t.storeError(ctx, what, err)
		return
	}
	t.failed(ctx, fmt.Errorf("%s: %w", what, err))
}

// commit changes the target's record with fn, in a transaction that
// first checks that this process still holds the lease (the fencing
// check), and keeps the record written. fn may also write product
// records through tx; it may run more than once.
func (t *target) commit(ctx context.Context, fn func(tx store.Tx, rec *model.FeedTarget) error) error {
	var out model.FeedTarget
	now := t.p.now()
	lease := t.s.lease.Lease()
	err := t.p.opts.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if err := tx.HoldsLease(lease); err != nil {
			return err
		}
		rec, err := tx.FeedTarget(t.cfg.Name)
		if errors.Is(err, store.ErrNotFound) {
			rec, err = &model.FeedTarget{Name: t.cfg.Name}, nil
		}
		if err != nil {
			return err
		}
		if err := fn(tx, rec); err != nil {
			return err
		}
		rec.UpdatedAt = now
		out = *rec
		return tx.PutFeedTarget(rec)
	})
	if err != nil {
		return err
	}
	t.rec = out
	return nil
}

// forget deletes every product record of the target, a bounded batch
// per transaction, each checking the lease.
func (t *target) forget(ctx context.Context) error {
	lease := t.s.lease.Lease()
	for {
		var deleted int
		err := t.p.opts.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
			if err := tx.HoldsLease(lease); err != nil {
				return err
			}
			var err error
			deleted, err = tx.DeleteFeedProducts(t.cfg.Name, recordPage)
			return err
		})
		if err != nil || deleted == 0 {
			return err
		}
	}
}

// reset starts the target afresh, for a target never published or
// whose URL changed (old is its record, nil when none): no product
// records, no feed, a record with the URL. A full publish asked for is
// kept. The products go first, so that a crash in between leaves the
// old URL to be reset again.
func (t *target) reset(ctx context.Context, old *model.FeedTarget) error {
	if err := t.forget(ctx); err != nil {
		return err
	}
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		*rec = model.FeedTarget{Name: t.cfg.Name, URL: t.cfg.URL, PushRequestedAt: rec.PushRequestedAt}
		return nil
	})
	if err != nil {
		return err
	}
	t.startOver()
	if old == nil {
		t.log.Info("the feed target is new: everything will be published")
	} else {
		t.log.Info("the feed target's URL changed: it starts afresh, with a new feed")
	}
	return nil
}

// startOver forgets what the platform accepted and refused, after the
// product records went.
func (t *target) startOver() {
	s := t.s
	s.accepted, s.refused, s.waiting, s.newFeed = map[string]*accepted{}, map[string]*retry{}, map[string]*retry{}, ""
	s.changes++
	if s.pushed != nil {
		s.pushed = map[string]bool{}
	}
}

// load reads what the platform accepted, in one snapshot of the store.
func (t *target) load(ctx context.Context) error {
	out := map[string]*accepted{}
	after := ""
	err := t.p.opts.Store.View(ctx, func(r store.Reader) error {
		for {
			page, err := r.FeedProducts(t.cfg.Name, after, recordPage)
			if err != nil {
				return err
			}
			for _, fp := range page {
				out[fp.ProductID] = &accepted{hash: fp.Hash, removed: fp.Removed, variants: bodyVariants(fp.Body)}
				after = fp.ProductID
			}
			if len(page) < recordPage {
				return nil
			}
		}
	})
	if err != nil {
		return err
	}
	t.s.accepted = out
	t.s.changes++
	return nil
}

// bodyVariants returns the variant ids of a product body; none when it
// does not decode (it is then replaced whole, as any other).
func bodyVariants(body []byte) []string {
	p, err := feedwire.Decode(body)
	if err != nil {
		return nil
	}
	return wireVariants(p)
}

// wireVariants returns the ids of p's variants.
func wireVariants(p feedwire.Product) []string {
	ids := make([]string, len(p.Variants))
	for i, v := range p.Variants {
		ids[i] = v.ID
	}
	return ids
}

// catalogVariants returns the ids of p's variants.
func catalogVariants(p catalog.Product) []string {
	ids := make([]string, len(p.Variants))
	for i, v := range p.Variants {
		ids[i] = v.Item.ID
	}
	return ids
}

// work returns what the target's platform lacks, by product id: each
// product of the round's snapshot the filter keeps whose feed form
// differs from what the platform accepted (every one during a full
// publish), and each product accepted but no longer kept, as a
// tombstone. A variant the platform has that its product lost stays in
// the product, discontinued. A product the platform refused or failed
// alone is left out until it changes or its back-off ends; its refusal
// is forgotten once the platform has what it should be.
func (t *target) work(ctx context.Context) ([]item, error) {
	s := t.s
	snap := s.snap
	now := t.p.now()
	// skip reports whether a product refused or failing alone waits.
	skip := func(id, source string) bool {
		waits := func(r *retry) bool { return r != nil && r.source == source && r.at.After(now) }
		return waits(s.refused[id]) || waits(s.waiting[id])
	}
	var items, merges []item
	for _, id := range snap.ids {
		e := snap.entries[id]
		if !t.filter.keeps(e.product) {
			continue
		}
		acc := s.accepted[id]
		has := acc != nil && !acc.removed && (acc.hash == e.hash || acc.source == e.hash)
		if has {
			// The platform has what the product should be: a body it
			// refused since is no longer wanted.
			delete(s.refused, id)
		}
		if skip(id, e.hash) || has && !s.pushing(id) {
			continue
		}
		it := item{id: id, source: e.hash, entry: e}
		if acc != nil && lostVariants(acc.variants, e.product) {
			merges = append(merges, it)
			continue
		}
		items = append(items, it)
	}
	var tombstones []item
	for id, acc := range s.accepted {
		if acc.removed || t.listed(id) {
			continue
		}
		if source := tombstonePrefix + acc.hash; !skip(id, source) {
			tombstones = append(tombstones, item{id: id, source: source, removed: true, variants: acc.variants})
		}
	}
	// A product set aside that is neither listed nor on the platform is
	// no longer wanted.
	for _, aside := range []map[string]*retry{s.waiting, s.refused} {
		maps.DeleteFunc(aside, func(id string, _ *retry) bool {
			return !t.listed(id) && (s.accepted[id] == nil || s.accepted[id].removed)
		})
	}
	merged, err := t.keepGone(ctx, merges)
	if err != nil {
		return nil, err
	}
	items = append(append(items, merged...), tombstones...)
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.id, b.id) })
	return items, nil
}

// checkKeepsNone notes whether the filter keeps none of the products of
// snap while it lists some, logged at Warn when that changes; note shows
// it in the status.
func (t *target) checkKeepsNone(snap *snapshot) {
	none := len(snap.ids) > 0 && !slices.ContainsFunc(snap.ids, func(id string) bool { return t.filter.keeps(snap.entries[id].product) })
	if none == t.s.keepsNone {
		return
	}
	t.s.keepsNone = none
	if none {
		t.log.Warn("the feed target's filter keeps none of the catalog's products: the platform shows them all discontinued (a category matches a variant's categories)",
			"products", len(snap.ids), "filter", t.cfg.Filter.String())
	} else {
		t.log.Info("the feed target's filter keeps products again", "filter", t.cfg.Filter.String())
	}
}

// listed reports whether the round's snapshot has the product and the
// filter keeps it.
func (t *target) listed(id string) bool {
	e := t.s.snap.entries[id]
	return e != nil && t.filter.keeps(e.product)
}

// lostVariants reports whether a product accepted with the variants ids
// lost one of them in p.
func lostVariants(ids []string, p catalog.Product) bool {
	for _, id := range ids {
		if !slices.ContainsFunc(p.Variants, func(v catalog.Variant) bool { return v.Item.ID == id }) {
			return true
		}
	}
	return false
}

// keepGone builds the bodies of the products of items that lost a
// variant the platform has: each with those variants kept, discontinued
// (feedwire.KeepGone), from the body the platform accepted, read from
// the store. One whose body is what the platform has already is left
// out (unless a full publish sends it again); one whose accepted body
// cannot be read back is sent as the catalog has it.
func (t *target) keepGone(ctx context.Context, items []item) ([]item, error) {
	if len(items) == 0 {
		return nil, nil
	}
	s := t.s
	earlier, err := t.readBodies(ctx, items)
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		wire := s.snap.feedForm(it.entry.product)
		if prev, err := feedwire.Decode(earlier[it.id]); err == nil {
			wire = feedwire.KeepGone(wire, prev)
		}
		if it.body, it.hash, err = feedwire.Encode(wire); err != nil {
			return nil, err
		}
		it.variants = wireVariants(wire)
		acc := s.accepted[it.id]
		if it.hash == acc.hash {
			acc.source = it.source
			delete(s.refused, it.id)
			if !s.pushing(it.id) {
				continue
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// readBodies returns the bodies the platform accepted of the products
// of items (sorted by id), read in one snapshot of the store; a product
// without a record has none.
func (t *target) readBodies(ctx context.Context, items []item) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := t.p.opts.Store.View(ctx, func(r store.Reader) error {
		for _, it := range items {
			if _, ok := out[it.id]; ok {
				continue
			}
			// Page from just before the id to it, keeping what the
			// items want on the way.
			after := justBefore(it.id)
			for {
				page, err := r.FeedProducts(t.cfg.Name, after, 16)
				if err != nil {
					return err
				}
				for _, fp := range page {
					if _, want := slices.BinarySearchFunc(items, fp.ProductID, func(it item, id string) int { return cmp.Compare(it.id, id) }); want {
						out[fp.ProductID] = fp.Body
					}
					after = fp.ProductID
				}
				if len(page) < 16 || after >= it.id {
					break
				}
			}
		}
		return nil
	})
	return out, err
}

// justBefore returns a string that sorts (bytewise) before id with few
// product ids, usually none, between it and id: id with its last byte
// one less when that leaves valid UTF-8 without NUL (which a database
// takes as text), else id without its last rune.
func justBefore(id string) string {
	if b := id[len(id)-1]; b > 1 {
		if s := id[:len(id)-1] + string([]byte{b - 1}); utf8.ValidString(s) {
			return s
		}
	}
	_, size := utf8.DecodeLastRuneInString(id)
	return id[:len(id)-size]
}

// bodies builds the body of each item of batch that has none: a product
// from the round's snapshot, a tombstone from the body the platform
// accepted (read from the store). It returns the batch without the
// tombstones whose accepted body cannot be read back, and false when the
// round stops (a failed store read, logged).
func (t *target) bodies(ctx context.Context, batch []item) ([]item, bool) {
	s := t.s
	var need []item
	for _, it := range batch {
		if it.body == nil && it.removed {
			need = append(need, it)
		}
	}
	var earlier map[string][]byte
	if len(need) > 0 {
		var err error
		if earlier, err = t.readBodies(ctx, need); err != nil {
			t.storeError(ctx, "reading the products the platform accepted", err)
			return nil, false
		}
	}
	out := make([]item, 0, len(batch))
	for _, it := range batch {
		var err error
		switch {
		case it.body != nil:
		case it.removed:
			var prev feedwire.Product
			if prev, err = feedwire.Decode(earlier[it.id]); err != nil {
				// Not written by this publisher: nothing to mark
				// unavailable; it is left alone until it is listed again.
				t.log.Error("a product the platform accepted cannot be read back; it is not marked unavailable", "product_id", it.id, "error", err.Error())
				s.accepted[it.id].removed = true
				s.left--
				continue
			}
			it.body, it.hash, err = feedwire.Encode(feedwire.Tombstone(prev))
		default:
			it.body, it.hash, err = s.snap.body(it.entry)
			it.variants = catalogVariants(it.entry.product)
		}
		if err != nil {
			t.log.Error("encoding a product", "product_id", it.id, "error", err.Error())
			return nil, false
		}
		out = append(out, it)
	}
	return out, true
}

// ensureFeed gives the target a feed: the one created earlier whose id
// could not be recorded, else a new one. False when that failed (the
// round stops, behind the back-off).
func (t *target) ensureFeed(ctx context.Context) bool {
	s := t.s
	if s.newFeed == "" {
		rctx, cancel, err := t.request(ctx)
		if err != nil {
			t.storeError(ctx, "renewing the feed target's lease", err)
			return false
		}
		meta, err := t.client.CreateFeed(rctx, t.cfg.TargetCountry)
		cancel()
		if !t.answered(ctx) {
			return false
		}
		if err != nil {
			t.failed(ctx, err)
			return false
		}
		s.newFeed = meta.ID
		t.log.Info("created the feed on the platform", "feed_id", meta.ID)
	}
	if err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.FeedID = s.newFeed
		return nil
	}); err != nil {
		t.recordFailed(ctx, "recording the new feed's id", err)
		return false
	}
	s.newFeed = ""
	return true
}

// leaseMargin is how long before its lease could lapse a request ends:
// a quarter of the lease's TTL.
func leaseMargin(ttl time.Duration) time.Duration { return ttl / 4 }

// request renews the lease and returns the context of one request: it
// ends when the lease is lost, and leaseMargin before the lease, renewed
// just now, could lapse (measured from before the renewal on this
// process's clock, so that the store's clock does not matter), so that
// no request is in flight once another process may take the target over.
func (t *target) request(ctx context.Context) (context.Context, context.CancelFunc, error) {
	s := t.s
	if err := s.lease.Err(); err != nil {
		return nil, nil, err
	}
	ttl := t.p.opts.LeaseTTL
	start := time.Now()
	l := s.lease.Lease()
	if err := t.p.opts.Store.Leases().Renew(ctx, &l, ttl); err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithDeadline(s.sending, start.Add(ttl-leaseMargin(ttl)))
	return rctx, cancel, nil
}

// answered reports whether a request's outcome counts: not when shutting
// down (the attempt did not happen as far as the record goes), nor when
// the lease was lost meanwhile (dropped).
func (t *target) answered(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if cause := context.Cause(t.s.sending); cause != nil {
		t.storeError(ctx, "sending a request", cause)
		return false
	}
	return true
}

// outcome is what became of a batch sent.
type outcome int

const (
	// goOn: the batch was accepted and recorded, or its products set
	// aside; the round goes on.
	goOn outcome = iota
	// stop: the round stops (a failure recorded, the feed lost, the
	// lease lost, shutting down).
	stop
	// serverError: the platform failed the request (5xx); nothing is
	// recorded yet.
	serverError
)

// refusal reports whether a status refuses products rather than
// failing: the batch is split until each refused product is alone.
func refusal(status int) bool {
	return status == 400 || status == 413 || status == 422
}

// deliver sends batch and deals with what comes of it; it reports
// whether the round goes on. A batch the platform failed (5xx)
// isolateAfter times or more in a row is split to find a product it
// fails on (isolate); otherwise a failure stops the round, behind the
// back-off.
func (t *target) deliver(ctx context.Context, batch []item) bool {
	batch, ok := t.bodies(ctx, batch)
	if !ok {
		return false
	}
	if len(batch) == 0 {
		return true
	}
	r, err := t.send(ctx, batch)
	if r != serverError {
		return r == goOn
	}
	s := t.s
	s.serverErrors++
	if len(batch) > 1 && s.serverErrors >= isolateAfter {
		return t.isolate(ctx, batch, err, s.acceptances)
	}
	t.failed(ctx, err)
	return false
}

// isolate looks for the products the platform fails on in batch, which
// it failed (5xx) again and again: each half is sent on its own, and a
// half failed again is split in turn. A product failed alone while
// others were accepted (since mark acceptances) is set aside, retried
// alone after a back-off of its own, so that the others go out. With
// nothing accepted, the platform fails whatever it is sent: the round
// stops, behind the back-off.
func (t *target) isolate(ctx context.Context, batch []item, cause error, mark int) bool {
	if len(batch) == 1 {
		if t.s.acceptances == mark {
			t.failed(ctx, cause)
			return false
		}
		return t.setAside(ctx, batch[0], cause)
	}
	type failure struct {
		part  []item
		cause error
	}
	var failures []failure
	half := len(batch) / 2
	for _, part := range [][]item{batch[:half:half], batch[half:]} {
		switch r, err := t.send(ctx, part); r {
		case stop:
			return false
		case serverError:
			failures = append(failures, failure{part, err})
		}
	}
	for _, f := range failures {
		if !t.isolate(ctx, f.part, f.cause, mark) {
			return false
		}
	}
	return true
}

// retryAlone sends a product the platform failed alone once its back-off
// ended; failed again, it is set aside again, for longer.
func (t *target) retryAlone(ctx context.Context, it item) bool {
	batch, ok := t.bodies(ctx, []item{it})
	if !ok {
		return false
	}
	if len(batch) == 0 {
		return true
	}
	r, err := t.send(ctx, batch)
	if r != serverError {
		return r == goOn
	}
	return t.setAside(ctx, batch[0], err)
}

// send upserts batch, whose bodies are built, and records the outcome
// but for a server error, left to the caller. A batch the platform
// refuses (refusal) is split until the refused products are alone;
// those are set aside.
func (t *target) send(ctx context.Context, batch []item) (outcome, error) {
	rctx, cancel, err := t.request(ctx)
	if err != nil {
		t.storeError(ctx, "renewing the feed target's lease", err)
		return stop, nil
	}
	bodies := make([]json.RawMessage, len(batch))
	for i, it := range batch {
		bodies[i] = it.body
		t.s.round.sent[it.id] = true
	}
	resp, err := t.client.UpsertProducts(rctx, t.rec.FeedID, bodies)
	cancel()
	if !t.answered(ctx) {
		return stop, nil
	}
	m, now := t.p.opts.Metrics, t.p.now()
	var fe *feedclient.Error
	switch {
	case err == nil && resp.Accepted:
		if t.accept(ctx, batch, resp.FeedUpdateID) {
			return goOn, nil
		}
		return stop, nil
	case err == nil:
		m.upsert(t.cfg.Name, outcomeFailed, len(batch), now)
		t.failed(ctx, errNotAccepted)
		return stop, nil
	case errors.As(err, &fe) && fe.FeedNotFound():
		m.upsert(t.cfg.Name, outcomeFeedNotFound, len(batch), now)
		t.feedLost(ctx)
		return stop, nil
	case errors.As(err, &fe) && refusal(fe.Status):
		m.upsert(t.cfg.Name, outcomeRefused, len(batch), now)
		if len(batch) == 1 {
			if t.refuse(ctx, batch[0], fe) {
				return goOn, nil
			}
			return stop, nil
		}
		half := len(batch) / 2
		if t.deliver(ctx, batch[:half:half]) && t.deliver(ctx, batch[half:]) {
			return goOn, nil
		}
		return stop, nil
	case errors.As(err, &fe) && fe.Status >= 500:
		m.upsert(t.cfg.Name, outcomeFailed, len(batch), now)
		return serverError, err
	}
	m.upsert(t.cfg.Name, outcomeFailed, len(batch), now)
	t.failed(ctx, err)
	return stop, nil
}

// errPrivateAddress heads the error of a request refused because the
// platform's host name resolved to a loopback, private or link-local
// address, as acp check reports such a URL.
var errPrivateAddress = errors.New("the feed platform's address is loopback, private or link-local (set feed_publishing.allow_private_networks: true for a platform on this host or network)")

// errNotAccepted is an upsert answered 2xx with accepted false.
var errNotAccepted = errors.New("upsert products: the platform answered without accepting the products")

// accept records the products the platform accepted, with its
// feed_update_id, in transactions of at most recordPage products and
// recordBytes of bodies; false when that could not be recorded (they
// are sent again, after the back-off).
func (t *target) accept(ctx context.Context, batch []item, updateID string) bool {
	s := t.s
	now := t.p.now()
	t.p.opts.Metrics.upsert(t.cfg.Name, outcomeAccepted, len(batch), now)
	s.acceptances++
	s.round.accepted += len(batch)
	s.serverErrors, s.failures, s.retryAt = 0, 0, time.Time{}
	for _, it := range batch {
		delete(s.refused, it.id)
		delete(s.waiting, it.id)
	}
	note, status := t.note()
	for _, chunk := range chunks(batch) {
		left := s.left - len(chunk)
		err := t.commit(ctx, func(tx store.Tx, rec *model.FeedTarget) error {
			for _, it := range chunk {
				err := tx.PutFeedProduct(&model.FeedProduct{
					Target: t.cfg.Name, ProductID: it.id, Body: it.body, Hash: it.hash,
					Removed: it.removed, FeedUpdateID: updateID, AcceptedAt: now,
				})
				if err != nil {
					return err
				}
			}
			rec.LastPublishAt = now
			rec.Failures, rec.NextAttemptAt = 0, time.Time{}
			rec.LastError, rec.LastStatus = note, status
			rec.Pending = left
			return nil
		})
		if err != nil {
			t.recordFailed(ctx, "recording products the platform accepted (they will be sent again)", err)
			return false
		}
		for _, it := range chunk {
			s.accepted[it.id] = &accepted{hash: it.hash, source: it.source, removed: it.removed, variants: it.variants}
			if s.pushed != nil {
				s.pushed[it.id] = true
			}
		}
		s.changes++
		s.left = left
		t.p.opts.Metrics.setPending(t.cfg.Name, left)
	}
	t.log.Debug("the platform accepted products", "feed_id", t.rec.FeedID, "products", len(batch), "feed_update_id", updateID)
	return true
}

// chunks splits batch into runs of at most recordPage items and
// recordBytes of bodies (an item larger than that alone).
func chunks(batch []item) [][]item {
	var out [][]item
	start, size := 0, 0
	for i, it := range batch {
		if i > start && (i-start == recordPage || size+len(it.body) > recordBytes) {
			out = append(out, batch[start:i:i])
			start, size = i, 0
		}
		size += len(it.body)
	}
	if start < len(batch) {
		out = append(out, batch[start:])
	}
	return out
}

// note is the LastError (and LastStatus) a success leaves: a note of the
// products still refused or failing alone, or nothing.
func (t *target) note() (string, int) {
	s := t.s
	var parts []string
	status := 0
	if s.keepsNone {
		parts = append(parts, brief(fmt.Sprintf("the filter (%s) keeps none of the catalog's products: check its categories (a variant's categories) and product ids", t.cfg.Filter)))
	}
	if n := len(s.refused); n > 0 {
		parts = append(parts, fmt.Sprintf("the platform refused %d product(s) (last HTTP %d); each is sent again when it changes or after a back-off", n, s.refusedStatus))
		status = s.refusedStatus
	}
	if n := len(s.waiting); n > 0 {
		parts = append(parts, fmt.Sprintf("the platform fails %d product(s) sent alone (last HTTP %d) while it takes the others; each is retried alone after a back-off", n, s.waitingStatus))
		status = cmp.Or(status, s.waitingStatus)
	}
	return strings.Join(parts, "; "), status
}

// refuse sets aside a product the platform refused and records why; the
// round goes on unless the record fails.
func (t *target) refuse(ctx context.Context, it item, fe *feedclient.Error) bool {
	s := t.s
	r := s.refused[it.id].next(t.p.backoff, it.source, 0, t.p.now())
	s.refused[it.id], s.refusedStatus = r, fe.Status
	s.round.refused++
	delete(s.waiting, it.id)
	s.left--
	t.log.Warn("the platform refused a product; it is sent again when it changes or after a back-off", "product_id", it.id, "status", fe.Status, "code", fe.Body.Code,
		"message", clip(fe.Body.Message, maxPlatformMessage), "refusals", r.failures, "next_attempt_at", r.at.UTC().Format(time.RFC3339Nano))
	return t.noteAside(ctx, fmt.Sprintf("the platform refused product %s: %s", it.id, fe.Error()), fe.Status)
}

// setAside sets aside a product the platform failed alone, for a
// back-off of its own, and records why; the round goes on unless the
// record fails.
func (t *target) setAside(ctx context.Context, it item, cause error) bool {
	s := t.s
	status, retryAfter := statusOf(cause)
	w := s.waiting[it.id].next(t.p.backoff, it.source, retryAfter, t.p.now())
	s.waiting[it.id], s.waitingStatus = w, status
	s.left--
	t.log.Warn("the platform fails a product sent alone while it takes the others; it is retried alone after a back-off",
		withStatus(status, "product_id", it.id, "failures", w.failures, "next_attempt_at", w.at.UTC().Format(time.RFC3339Nano))...)
	return t.noteAside(ctx, fmt.Sprintf("the platform fails product %s sent alone: %s", it.id, cause.Error()), status)
}

// noteAside records why a product was set aside.
func (t *target) noteAside(ctx context.Context, msg string, status int) bool {
	left := t.s.left
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.LastError, rec.LastStatus = brief(msg), status
		rec.Pending = left
		return nil
	})
	if err != nil {
		t.recordFailed(ctx, "recording a product set aside", err)
		return false
	}
	return true
}

// withStatus returns a log line's args with the HTTP status first, left
// out when no answer came (status 0).
func withStatus(status int, args ...any) []any {
	if status == 0 {
		return args
	}
	return append([]any{"status", status}, args...)
}

// statusOf returns the status and Retry-After of a failed request; zero
// when no answer came.
func statusOf(err error) (status int, retryAfter time.Duration) {
	var fe *feedclient.Error
	if errors.As(err, &fe) {
		return fe.Status, fe.RetryAfter
	}
	return 0, 0
}

// failed records a failure, after which the round stops: the next one
// waits for the back-off. The back-off is kept in the session too, so
// that it holds when recording it fails.
func (t *target) failed(ctx context.Context, cause error) {
	if ctx.Err() != nil {
		return
	}
	s := t.s
	status, retryAfter := statusOf(cause)
	failures := max(t.rec.Failures, s.failures) + 1
	credential := status == http.StatusUnauthorized || status == http.StatusForbidden
	now := t.p.now()
	next := now.Add(t.p.backoff.Delay(failures, retryAfter))
	s.failures, s.retryAt, s.failedAt = failures, next, now
	left := s.left
	msg := brief(cause.Error())
	switch {
	case credential:
		msg = brief(fmt.Sprintf("the platform refused the credential (HTTP %d): fix %s and restart the server, which reads it at start", status, t.credentialSource()))
	case errors.Is(cause, feedclient.ErrForbiddenAddress):
		msg = brief(errPrivateAddress.Error() + ": " + cause.Error())
	}
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.Failures, rec.NextAttemptAt = failures, next
		rec.LastError, rec.LastStatus = msg, status
		rec.Pending = left
		return nil
	})
	if err != nil {
		t.storeError(ctx, "recording a failure", err)
	}
	var fe *feedclient.Error
	if credential {
		t.log.Error("the feed platform refused the credential; it is read when the server starts: fix it, then restart the server",
			"status", status, "token_env", t.cfg.TokenEnv, "header", t.header(), "error", brief(cause.Error()),
			"failures", failures, "next_attempt_at", next.UTC().Format(time.RFC3339Nano))
		return
	}
	if errors.As(cause, &fe) && !fe.Retryable() {
		t.log.Error("the feed platform refuses the requests (check the target's URL and credential); they are retried after a back-off",
			"status", status, "error", msg, "failures", failures, "next_attempt_at", next.UTC().Format(time.RFC3339Nano))
		return
	}
	t.log.Warn("publishing the feed target failed; it is retried after a back-off", withStatus(status, "error", msg,
		"failures", failures, "next_attempt_at", next.UTC().Format(time.RFC3339Nano))...)
}

// header is the request header carrying the target's credential.
func (t *target) header() string {
	return cmp.Or(t.cfg.Header, "Authorization")
}

// credentialSource names where the target's credential comes from: its
// environment variable (token_env) and the header carrying it.
func (t *target) credentialSource() string {
	if t.cfg.TokenEnv == "" {
		return "the credential in header " + t.header()
	}
	return fmt.Sprintf("%s (token_env, sent in header %s)", t.cfg.TokenEnv, t.header())
}

// feedLost starts the feed over after the platform answered that it
// does not know it: the product records go (first, so that a crash in
// between finds the old feed lost again), then the feed id, and the next
// round creates a new feed and sends everything.
func (t *target) feedLost(ctx context.Context) {
	t.log.Warn("the platform does not know the feed; a new one will be created and everything sent again", "feed_id", t.rec.FeedID)
	if err := t.forget(ctx); err != nil {
		t.storeError(ctx, "forgetting the lost feed's products", err)
		return
	}
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.FeedID, rec.Fingerprint = "", ""
		rec.LastError, rec.LastStatus = "the platform did not know the feed (feed_not_found): a new feed is created", 404
		return nil
	})
	if err != nil {
		t.storeError(ctx, "forgetting the lost feed", err)
		return
	}
	t.startOver()
}

// noteCatalog records on the target why the catalog could not be read,
// once per distinct reason.
func (t *target) noteCatalog(ctx context.Context, cause error) {
	msg := brief("reading the catalog: " + cause.Error())
	if errors.Is(cause, errNoListing) {
		msg = cause.Error()
	}
	if t.rec.LastError == msg {
		return
	}
	t.log.Warn("the catalog cannot be published", "error", msg)
	if err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.LastError, rec.LastStatus = msg, 0
		return nil
	}); err != nil {
		t.storeError(ctx, "recording why the catalog cannot be published", err)
	}
}

// settle ends a round that sent everything it had: the record says
// nothing is pending, its Fingerprint is that of what the platform
// accepted, and a full publish asked for is done. Nothing is written
// when the record says so already. It reports whether the record is
// settled.
func (t *target) settle(ctx context.Context) bool {
	s := t.s
	fp := t.fingerprint()
	note, status := t.note()
	r := t.rec
	push := s.push
	if r.Pending == 0 && r.Fingerprint == fp && r.Failures == 0 && r.LastError == note && r.LastStatus == status && push.IsZero() {
		return true
	}
	now := t.p.now()
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.Pending, rec.Fingerprint = 0, fp
		rec.Failures, rec.NextAttemptAt = 0, time.Time{}
		rec.LastError, rec.LastStatus = note, status
		if !push.IsZero() && rec.PushRequestedAt.Equal(push) {
			rec.PushRequestedAt, rec.LastFullPublishAt = time.Time{}, now
		}
		return nil
	})
	if err != nil {
		t.storeError(ctx, "recording the end of a round", err)
		return false
	}
	if !push.IsZero() {
		products := 0
		for id := range s.pushed {
			if acc := s.accepted[id]; acc != nil && !acc.removed {
				products++
			}
		}
		t.log.Info("a full publish completed", "feed_id", t.rec.FeedID, "products", products)
		s.push, s.pushed = time.Time{}, map[string]bool{}
	}
	s.left = 0
	t.p.opts.Metrics.setPending(t.cfg.Name, 0)
	return true
}

// fingerprint identifies the whole of what the platform accepted: a
// hash of every product id with the hash of its body, in id order. It
// is computed again only when that changed.
func (t *target) fingerprint() string {
	s := t.s
	if s.fingerprint != "" && s.fingerprinted == s.changes {
		return s.fingerprint
	}
	h := sha256.New()
	for _, id := range slices.Sorted(maps.Keys(s.accepted)) {
		fmt.Fprintf(h, "%s\t%s\n", id, s.accepted[id].hash)
	}
	s.fingerprint, s.fingerprinted = hex.EncodeToString(h.Sum(nil)), s.changes
	return s.fingerprint
}
