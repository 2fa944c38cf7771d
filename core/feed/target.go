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
	"slices"
	"sync/atomic"
	"time"

	"github.com/acp-sidecar/acp/core/feedclient"
	"github.com/acp-sidecar/acp/core/feedwire"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// recordPage is how many product records one read or one delete
// transaction covers.
const recordPage = 500

// accepted is a product as the target's platform last accepted it.
type accepted struct {
	hash     string
	removed  bool
	body     []byte
	variants []string
}

// item is a product to send: its body as the target should show it.
type item struct {
	id       string
	body     []byte
	hash     string
	removed  bool
	variants []string
}

// target publishes one target. Only its run goroutine (or a test calling
// tick) touches its fields, but for publishing, which Status reads.
type target struct {
	p      *Publisher
	cfg    Target
	client *feedclient.Client
	lease  string
	log    *slog.Logger

	publishing atomic.Bool

	// The state below is kept while this process holds the lease.
	held *store.Held
	// sending carries the requests; it is canceled when the lease is
	// lost, so that a request in flight stops.
	sending context.Context
	cancel  context.CancelCauseFunc
	// rec is the target's record as last read or written.
	rec model.FeedTarget
	// accepted is what the platform accepted, by product id; nil until
	// loaded.
	accepted map[string]*accepted
	// refused holds the hash of each product the platform refused (400):
	// it is not sent again until its body changes.
	refused map[string]string
	// push is the PushRequestedAt of the full publish in progress (zero
	// when none), and pushed the products sent since it was asked for.
	push   time.Time
	pushed map[string]bool
	// left counts the products of the round not sent yet.
	left int
}

// run publishes the target every Delay until ctx is done, then gives
// its lease up.
func (t *target) run(ctx context.Context) {
	defer t.drop(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		t.tick(ctx)
		timer.Reset(t.p.opts.Delay)
	}
}

// tick is one round: take or keep the lease, bring the target's record
// and accepted products up to date, and send what the platform lacks.
func (t *target) tick(ctx context.Context) {
	if !t.hold(ctx) {
		return
	}
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
		if t.accepted == nil {
			if err := t.load(ctx); err != nil {
				t.storeError(ctx, "reading the feed target's products", err)
				return
			}
		}
	}
	snap, err := t.p.catalog.get(ctx)
	if err != nil {
		if ctx.Err() == nil {
			t.noteCatalog(ctx, err)
		}
		return
	}
	if t.rec.PushRequestedAt.IsZero() || !t.rec.PushRequestedAt.Equal(t.push) {
		t.push, t.pushed = t.rec.PushRequestedAt, map[string]bool{}
	}
	items, err := t.work(snap)
	if err != nil {
		t.log.Error("building the feed target's products", "error", err.Error())
		return
	}
	t.left = len(items)
	t.p.opts.Metrics.setPending(t.cfg.Name, t.left)
	if t.rec.NextAttemptAt.After(t.p.now()) {
		return
	}
	if t.rec.FeedID == "" && !t.createFeed(ctx) {
		return
	}
	for len(items) > 0 {
		n := min(t.p.opts.BatchSize, len(items))
		if !t.send(ctx, items[:n]) {
			return
		}
		items = items[n:]
	}
	t.settle(ctx)
}

// hold reports whether this process holds the target's lease, taking it
// when it is free. On taking it, the target's state is read afresh.
func (t *target) hold(ctx context.Context) bool {
	if t.held != nil {
		if t.held.Err() == nil {
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
	t.sending, t.cancel = sending, cancel
	t.held = store.Keep(leases, l, t.p.opts.LeaseTTL, func(err error) { cancel(err) })
	t.accepted, t.refused, t.push, t.pushed = nil, map[string]string{}, time.Time{}, nil
	t.publishing.Store(true)
	t.p.opts.Metrics.setPublishing(t.cfg.Name, true)
	t.log.Info("publishing the feed target")
	return true
}

// drop gives the lease up, if held, and forgets the state kept with it.
func (t *target) drop(ctx context.Context) {
	if t.held == nil {
		return
	}
	t.cancel(nil)
	if err := t.held.Release(ctx); err != nil {
		t.log.Warn("giving the feed target's lease up", "error", err.Error())
	}
	t.held, t.accepted, t.refused, t.pushed = nil, nil, nil, nil
	t.publishing.Store(false)
	t.p.opts.Metrics.setPublishing(t.cfg.Name, false)
}

// storeError logs a failed store operation; a lost lease drops it.
func (t *target) storeError(ctx context.Context, what string, err error) {
	if errors.Is(err, store.ErrLeaseLost) {
		t.log.Warn("the feed target's lease was lost; another process publishes it", "while", what)
		t.drop(ctx)
		return
	}
	if ctx.Err() == nil {
		t.log.Error(what, "error", err.Error())
	}
}

// commit changes the target's record with fn, in a transaction that
// first checks that this process still holds the lease (the fencing
// check), and keeps the record written. fn may also write product
// records through tx; it may run more than once.
func (t *target) commit(ctx context.Context, fn func(tx store.Tx, rec *model.FeedTarget) error) error {
	var out model.FeedTarget
	now := t.p.now()
	err := t.p.opts.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if err := tx.HoldsLease(t.held.Lease()); err != nil {
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

// forget deletes every product record of the target, a page per
// transaction, each checking the lease.
func (t *target) forget(ctx context.Context) error {
	for {
		page, err := store.Read(ctx, t.p.opts.Store, func(r store.Reader) ([]*model.FeedProduct, error) {
			return r.FeedProducts(t.cfg.Name, "", recordPage)
		})
		if err != nil || len(page) == 0 {
			return err
		}
		err = t.p.opts.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
			if err := tx.HoldsLease(t.held.Lease()); err != nil {
				return err
			}
			for _, fp := range page {
				if err := tx.DeleteFeedProduct(t.cfg.Name, fp.ProductID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
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
	t.accepted, t.refused = map[string]*accepted{}, map[string]string{}
	if old == nil {
		t.log.Info("the feed target is new: everything will be published")
	} else {
		t.log.Info("the feed target's URL changed: it starts afresh, with a new feed")
	}
	return nil
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
				out[fp.ProductID] = &accepted{hash: fp.Hash, removed: fp.Removed, body: fp.Body, variants: bodyVariants(fp.Body)}
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
	t.accepted = out
	return nil
}

// bodyVariants returns the variant ids of a product body; none when it
// does not decode (it is then replaced whole, as any other).
func bodyVariants(body []byte) []string {
	p, err := feedwire.Decode(body)
	if err != nil {
		return nil
	}
	return variantIDs(p)
}

// variantIDs returns the ids of p's variants.
func variantIDs(p feedwire.Product) []string {
	ids := make([]string, len(p.Variants))
	for i, v := range p.Variants {
		ids[i] = v.ID
	}
	return ids
}

// work returns what the target's platform lacks, by product id: each
// product the filter keeps whose feed form differs from what the
// platform accepted (every one during a full publish), and each product
// accepted but no longer kept, as a tombstone. A variant the platform
// has that its product lost stays in the product, discontinued. A
// product the platform refused is left out until its body changes.
func (t *target) work(snap *snapshot) ([]item, error) {
	var items []item
	kept := map[string]bool{}
	for _, id := range snap.ids {
		e := snap.entries[id]
		if !t.cfg.Filter.keeps(e.product) {
			continue
		}
		kept[id] = true
		it := item{id: id, body: e.body, hash: e.hash}
		acc := t.accepted[id]
		if acc != nil && lostVariants(acc.variants, e.wire) {
			earlier, err := feedwire.Decode(acc.body)
			if err != nil {
				return nil, err
			}
			wire := feedwire.KeepGone(e.wire, earlier)
			if it.body, it.hash, err = feedwire.Encode(wire); err != nil {
				return nil, err
			}
			it.variants = variantIDs(wire)
		} else {
			it.variants = variantIDs(e.wire)
		}
		pushing := !t.push.IsZero() && !t.pushed[id]
		if (acc != nil && acc.hash == it.hash && !acc.removed && !pushing) || t.refused[id] == it.hash {
			continue
		}
		items = append(items, it)
	}
	for _, id := range slices.Sorted(maps.Keys(t.accepted)) {
		acc := t.accepted[id]
		if acc.removed || kept[id] {
			continue
		}
		earlier, err := feedwire.Decode(acc.body)
		if err != nil {
			// Not written by this publisher: nothing to mark unavailable.
			t.log.Error("a product the platform accepted cannot be read back; it is not marked unavailable", "product_id", id, "error", err.Error())
			continue
		}
		body, hash, err := feedwire.Encode(feedwire.Tombstone(earlier))
		if err != nil {
			return nil, err
		}
		if t.refused[id] == hash {
			continue
		}
		items = append(items, item{id: id, body: body, hash: hash, removed: true, variants: acc.variants})
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.id, b.id) })
	return items, nil
}

// lostVariants reports whether a product accepted with the variants ids
// lost one of them in wire.
func lostVariants(ids []string, wire feedwire.Product) bool {
	for _, id := range ids {
		if !slices.ContainsFunc(wire.Variants, func(v feedwire.Variant) bool { return v.ID == id }) {
			return true
		}
	}
	return false
}

// createFeed creates the target's feed on its platform and records its
// id; false when that failed (recorded as a failure).
func (t *target) createFeed(ctx context.Context) bool {
	meta, err := t.client.CreateFeed(t.sending, t.cfg.TargetCountry)
	if err != nil {
		t.failed(ctx, err)
		return false
	}
	if err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.FeedID = meta.ID
		return nil
	}); err != nil {
		t.storeError(ctx, "recording the new feed's id", err)
		return false
	}
	t.log.Info("created the feed on the platform", "feed_id", meta.ID)
	return true
}

// send upserts batch and records the outcome. It reports whether the
// round goes on: false after a failure (retried after a back-off), a lost
// feed or a lost lease. A batch the platform refuses (400) is split until
// the refused products are alone; those are set aside.
func (t *target) send(ctx context.Context, batch []item) bool {
	if err := t.renew(ctx); err != nil {
		t.storeError(ctx, "renewing the feed target's lease", err)
		return false
	}
	bodies := make([]json.RawMessage, len(batch))
	for i, it := range batch {
		bodies[i] = it.body
	}
	resp, err := t.client.UpsertProducts(t.sending, t.rec.FeedID, bodies)
	if ctx.Err() != nil {
		// Shutting down: the attempt did not happen as far as the
		// record goes.
		return false
	}
	if cause := context.Cause(t.sending); cause != nil {
		t.storeError(ctx, "sending products", cause)
		return false
	}
	var fe *feedclient.Error
	switch {
	case err == nil && resp.Accepted:
		return t.accept(ctx, batch, resp.FeedUpdateID)
	case err == nil:
		t.p.opts.Metrics.upsert(t.cfg.Name, outcomeFailed, len(batch), t.p.now())
		t.failed(ctx, errNotAccepted)
		return false
	case errors.As(err, &fe) && fe.FeedNotFound():
		t.p.opts.Metrics.upsert(t.cfg.Name, outcomeFeedNotFound, len(batch), t.p.now())
		t.feedLost(ctx)
		return false
	case errors.As(err, &fe) && fe.Status == 400:
		t.p.opts.Metrics.upsert(t.cfg.Name, outcomeRefused, len(batch), t.p.now())
		if len(batch) > 1 {
			half := len(batch) / 2
			return t.send(ctx, batch[:half]) && t.send(ctx, batch[half:])
		}
		return t.refuse(ctx, batch[0], fe)
	}
	t.p.opts.Metrics.upsert(t.cfg.Name, outcomeFailed, len(batch), t.p.now())
	t.failed(ctx, err)
	return false
}

// errNotAccepted is an upsert answered 2xx with accepted false.
var errNotAccepted = errors.New("upsert products: the platform answered without accepting the products")

// renew renews the lease now, just before a request: it fails with
// ErrLeaseLost when the lease lapsed or was taken over meanwhile.
func (t *target) renew(ctx context.Context) error {
	if err := t.held.Err(); err != nil {
		return err
	}
	l := t.held.Lease()
	return t.p.opts.Store.Leases().Renew(ctx, &l, t.p.opts.LeaseTTL)
}

// accept records the products the platform accepted, with its
// feed_update_id; false when that could not be recorded (they are then
// sent again).
func (t *target) accept(ctx context.Context, batch []item, updateID string) bool {
	now := t.p.now()
	for _, it := range batch {
		delete(t.refused, it.id)
	}
	note, status := t.refusalNote()
	left := t.left - len(batch)
	err := t.commit(ctx, func(tx store.Tx, rec *model.FeedTarget) error {
		for _, it := range batch {
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
	t.p.opts.Metrics.upsert(t.cfg.Name, outcomeAccepted, len(batch), now)
	if err != nil {
		t.storeError(ctx, "recording products the platform accepted (they will be sent again)", err)
		return false
	}
	for _, it := range batch {
		t.accepted[it.id] = &accepted{hash: it.hash, removed: it.removed, body: it.body, variants: it.variants}
		if t.pushed != nil {
			t.pushed[it.id] = true
		}
	}
	t.left = left
	t.p.opts.Metrics.setPending(t.cfg.Name, left)
	t.log.Debug("the platform accepted products", "feed_id", t.rec.FeedID, "products", len(batch), "feed_update_id", updateID)
	return true
}

// refusalNote is the LastError (and LastStatus) a success leaves: a note
// of the products still refused, or nothing.
func (t *target) refusalNote() (string, int) {
	if len(t.refused) == 0 {
		return "", 0
	}
	return fmt.Sprintf("the platform refused %d product(s) (HTTP 400); each is sent again when it changes", len(t.refused)), 400
}

// refuse sets aside a product the platform refused and records why; the
// round goes on unless the record fails.
func (t *target) refuse(ctx context.Context, it item, fe *feedclient.Error) bool {
	t.refused[it.id] = it.hash
	t.left--
	msg := fmt.Sprintf("the platform refused product %s: %s", it.id, fe.Error())
	t.log.Warn("the platform refused a product; it is sent again when it changes", "product_id", it.id, "status", fe.Status, "code", fe.Body.Code)
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.LastError, rec.LastStatus = msg, fe.Status
		rec.Pending = t.left
		return nil
	})
	if err != nil {
		t.storeError(ctx, "recording a refused product", err)
		return false
	}
	return true
}

// failed records a failed request, after which the round stops: the
// next one waits for the back-off.
func (t *target) failed(ctx context.Context, reqErr error) {
	if ctx.Err() != nil {
		return
	}
	status, retryAfter := 0, time.Duration(0)
	var fe *feedclient.Error
	if errors.As(reqErr, &fe) {
		status, retryAfter = fe.Status, fe.RetryAfter
	}
	now := t.p.now()
	err := t.commit(ctx, func(_ store.Tx, rec *model.FeedTarget) error {
		rec.Failures++
		rec.NextAttemptAt = now.Add(t.p.backoff.Delay(rec.Failures, retryAfter))
		rec.LastError, rec.LastStatus = reqErr.Error(), status
		rec.Pending = t.left
		return nil
	})
	if err != nil {
		t.storeError(ctx, "recording a failed request", err)
		return
	}
	t.log.Warn("a request to the feed platform failed; it will be retried", "status", status, "error", reqErr.Error(),
		"failures", t.rec.Failures, "next_attempt_at", t.rec.NextAttemptAt.UTC().Format(time.RFC3339Nano))
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
	t.accepted, t.refused = map[string]*accepted{}, map[string]string{}
	if t.pushed != nil {
		t.pushed = map[string]bool{}
	}
}

// noteCatalog records on the target why the catalog could not be read,
// once per distinct reason.
func (t *target) noteCatalog(ctx context.Context, cause error) {
	msg := "reading the catalog: " + cause.Error()
	if errors.Is(cause, errNoListing) {
		msg = cause.Error()
	}
	if t.rec.LastError == msg {
		return
	}
	t.log.Warn("the catalog cannot be published", "error", cause.Error())
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
// when the record says so already.
func (t *target) settle(ctx context.Context) {
	fp := fingerprint(t.accepted)
	note, status := t.refusalNote()
	r := t.rec
	push := t.push
	if r.Pending == 0 && r.Fingerprint == fp && r.Failures == 0 && r.LastError == note && r.LastStatus == status && push.IsZero() {
		return
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
		return
	}
	if !push.IsZero() {
		t.log.Info("a full publish completed", "feed_id", t.rec.FeedID, "products", len(t.accepted))
		t.push, t.pushed = time.Time{}, map[string]bool{}
	}
	t.left = 0
	t.p.opts.Metrics.setPending(t.cfg.Name, 0)
}

// fingerprint identifies the whole of what a platform accepted: a hash
// of every product id with the hash of its body, in id order.
func fingerprint(acc map[string]*accepted) string {
	h := sha256.New()
	for _, id := range slices.Sorted(maps.Keys(acc)) {
		fmt.Fprintf(h, "%s\t%s\n", id, acc[id].hash)
	}
	return hex.EncodeToString(h.Sum(nil))
}
