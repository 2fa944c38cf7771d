package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// feedTarget is a target's publishing state with every field set (its
// other fields valid UTF-8 whatever the name holds, as a record's JSON
// holds them).
func feedTarget(name string) *model.FeedTarget {
	v := strings.ToValidUTF8(name, "_")
	return &model.FeedTarget{Name: name, URL: "https://platform.example/" + v, FeedID: "feed_" + v, Fingerprint: "fp_" + v,
		PushRequestedAt: base.Add(time.Minute), LastPublishAt: base.Add(2 * time.Minute), LastFullPublishAt: base.Add(3 * time.Minute),
		Pending: 2, Failures: 1, NextAttemptAt: base.Add(4 * time.Minute), LastError: "platform answered 503", LastStatus: 503,
		UpdatedAt: base.Add(5 * time.Minute)}
}

// feedProduct is a product as the target's platform accepted it.
func feedProduct(target, id string) *model.FeedProduct {
	body := fmt.Sprintf(`{"id":%q,"title":"Product %x"}`, id, id)
	return &model.FeedProduct{Target: target, ProductID: id, Body: []byte(body), Hash: fmt.Sprintf("h_%x", id),
		FeedUpdateID: "fu_1", AcceptedAt: base}
}

// putFeedProducts stores the products in one transaction.
func putFeedProducts(t *testing.T, s store.Store, products ...*model.FeedProduct) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, p := range products {
			if err := tx.PutFeedProduct(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// feedProductIDs pages through the target's products limit at a time
// and returns their ids in the order listed; it fails t when a page is
// longer than limit or a product of another target shows.
func feedProductIDs(t *testing.T, r store.Reader, target string, limit int) []string {
	t.Helper()
	var ids []string
	for after := ""; len(ids) <= 100; {
		page, err := r.FeedProducts(target, after, limit)
		if err != nil {
			t.Fatalf("FeedProducts(%q, %q, %d): %v", target, after, limit, err)
		}
		if len(page) > limit {
			t.Errorf("FeedProducts(%q, %q, %d) listed %d", target, after, limit, len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			if p.Target != target {
				t.Errorf("FeedProducts(%q) lists %q of target %q", target, p.ProductID, p.Target)
			}
			ids = append(ids, p.ProductID)
		}
		after = page[len(page)-1].ProductID
	}
	return ids
}

// testFeeds: feed targets are stored, replaced, listed by name and
// deleted one at a time; a target's products page by product id, a
// product put again replaces the earlier record, and deleting a product
// or a target leaves the others alone.
func testFeeds(t *testing.T, s store.Store) {
	view(t, s, func(r store.Reader) error {
		if _, err := r.FeedTarget("shop"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FeedTarget of an empty store = %v; want ErrNotFound", err)
		}
		if got, err := r.FeedTargets(); err != nil || len(got) != 0 {
			t.Errorf("FeedTargets of an empty store = %v, %v; want none", got, err)
		}
		if got, err := r.FeedProducts("shop", "", 10); err != nil || len(got) != 0 {
			t.Errorf("FeedProducts of an empty store = %v, %v; want none", got, err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		for _, name := range []string{"shop", "marketplace", "agent"} {
			if err := tx.PutFeedTarget(feedTarget(name)); err != nil {
				return err
			}
		}
		// A target put again replaces its state.
		fresh := &model.FeedTarget{Name: "agent", URL: "https://other.example/feeds", UpdatedAt: base}
		return tx.PutFeedTarget(fresh)
	})
	var products []*model.FeedProduct
	for _, id := range []string{"p3", "p0", "p4", "p1", "p2"} {
		products = append(products, feedProduct("shop", id), feedProduct("marketplace", id))
	}
	putFeedProducts(t, s, products...)
	// p2 of the shop is sent again, unavailable: the new record replaces
	// the first.
	removed := feedProduct("shop", "p2")
	removed.Body, removed.Hash, removed.Removed, removed.FeedUpdateID, removed.AcceptedAt = []byte(`{"id":"p2","availability":"out_of_stock"}`), "h_removed", true, "", base.Add(time.Hour)
	putFeedProducts(t, s, removed)
	view(t, s, func(r store.Reader) error {
		got, err := r.FeedTarget("shop")
		if err != nil {
			return err
		}
		same(t, "feed target shop", got, feedTarget("shop"), record.EncodeFeedTarget)
		got, err = r.FeedTarget("agent")
		if err != nil {
			return err
		}
		same(t, "replaced feed target", got, &model.FeedTarget{Name: "agent", URL: "https://other.example/feeds", UpdatedAt: base}, record.EncodeFeedTarget)
		if _, err := r.FeedTarget("missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FeedTarget(missing) = %v; want ErrNotFound", err)
		}
		targets, err := r.FeedTargets()
		if err != nil {
			return err
		}
		var names []string
		for _, ft := range targets {
			names = append(names, ft.Name)
		}
		if fmt.Sprint(names) != "[agent marketplace shop]" {
			t.Errorf("FeedTargets = %v; want [agent marketplace shop]", names)
		}
		for _, limit := range []int{1, 2, 3, 10} {
			if ids := feedProductIDs(t, r, "shop", limit); fmt.Sprint(ids) != "[p0 p1 p2 p3 p4]" {
				t.Errorf("the shop's products paged %d at a time = %v; want [p0 p1 p2 p3 p4]", limit, ids)
			}
		}
		page, err := r.FeedProducts("shop", "p1", 2)
		if err != nil {
			return err
		}
		if len(page) != 2 {
			t.Fatalf("FeedProducts(shop, p1, 2) = %d products; want p2 and p3", len(page))
		}
		same(t, "replaced feed product", page[0], removed, record.EncodeFeedProduct)
		same(t, "feed product", page[1], feedProduct("shop", "p3"), record.EncodeFeedProduct)
		// after need not be a stored id.
		if page, err := r.FeedProducts("shop", "p10", 10); err != nil || len(page) != 3 || page[0].ProductID != "p2" {
			t.Errorf("FeedProducts(shop, p10, 10) = %v, %v; want p2, p3 and p4", page, err)
		}
		if page, err := r.FeedProducts("shop", "p4", 10); err != nil || len(page) != 0 {
			t.Errorf("FeedProducts after the last = %v, %v; want none", page, err)
		}
		return nil
	})

	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteFeedProduct("shop", "p0"); err != nil {
			return err
		}
		// Deleting what is not stored is no error.
		if err := tx.DeleteFeedProduct("shop", "p9"); err != nil {
			return err
		}
		if err := tx.DeleteFeedTarget("missing"); err != nil {
			return err
		}
		return tx.DeleteFeedTarget("marketplace")
	})
	view(t, s, func(r store.Reader) error {
		if _, err := r.FeedTarget("marketplace"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FeedTarget of a deleted target = %v; want ErrNotFound", err)
		}
		targets, err := r.FeedTargets()
		if err != nil {
			return err
		}
		if len(targets) != 2 || targets[0].Name != "agent" || targets[1].Name != "shop" {
			t.Errorf("FeedTargets after deleting marketplace = %v; want agent and shop", targets)
		}
		if got, err := r.FeedTarget("shop"); err != nil {
			t.Errorf("FeedTarget(shop) after deleting another target: %v", err)
		} else {
			same(t, "feed target shop", got, feedTarget("shop"), record.EncodeFeedTarget)
		}
		if ids := feedProductIDs(t, r, "shop", 2); fmt.Sprint(ids) != "[p1 p2 p3 p4]" {
			t.Errorf("the shop's products after deleting p0 = %v; want [p1 p2 p3 p4]", ids)
		}
		// A target's products are deleted apart from it.
		if ids := feedProductIDs(t, r, "marketplace", 10); fmt.Sprint(ids) != "[p0 p1 p2 p3 p4]" {
			t.Errorf("the deleted target's products = %v; want them kept until deleted", ids)
		}
		return nil
	})

	// DeleteFeedProducts removes the first by product id, up to its limit.
	for _, step := range []struct {
		limit, want int
		left        string
	}{{2, 2, "[p2 p3 p4]"}, {10, 3, "[]"}, {10, 0, "[]"}} {
		update(t, s, func(tx store.Tx) error {
			n, err := tx.DeleteFeedProducts("marketplace", step.limit)
			if err == nil && n != step.want {
				t.Errorf("DeleteFeedProducts(marketplace, %d) = %d; want %d", step.limit, n, step.want)
			}
			return err
		})
		view(t, s, func(r store.Reader) error {
			if ids := feedProductIDs(t, r, "marketplace", 10); fmt.Sprint(ids) != step.left {
				t.Errorf("marketplace's products after DeleteFeedProducts(%d) = %v; want %s", step.limit, ids, step.left)
			}
			if ids := feedProductIDs(t, r, "shop", 10); fmt.Sprint(ids) != "[p1 p2 p3 p4]" {
				t.Errorf("the shop's products after deleting marketplace's = %v; want [p1 p2 p3 p4]", ids)
			}
			return nil
		})
	}
	err := s.Update(context.Background(), func(tx store.Tx) error {
		_, err := tx.DeleteFeedProducts("shop", 0)
		return err
	})
	if err == nil {
		t.Error("DeleteFeedProducts with limit 0 succeeded; want an error")
	}
}

// BulkFeedProducts is more feed products than the embedded store deletes
// in one transaction (Badger's ErrTxnTooBig comes at about 26,000 with
// its 16 MiB memtable; badgerstore's tests check it does).
const BulkFeedProducts = 30_000

// testFeedBulkDelete: a target with more products than one transaction
// holds loses them all to DeleteFeedProducts called in one transaction
// after another, store.MaxFeedProductsPerTx at a time, leaving another
// target's products alone.
func testFeedBulkDelete(t *testing.T, s store.Store) {
	PutBulkFeedProducts(t, s, "bulk", BulkFeedProducts)
	putFeedProducts(t, s, feedProduct("bulk-other", "p1"))
	total, txs := 0, 0
	for {
		var n int
		update(t, s, func(tx store.Tx) (err error) {
			n, err = tx.DeleteFeedProducts("bulk", store.MaxFeedProductsPerTx)
			return err
		})
		txs++
		if n > store.MaxFeedProductsPerTx {
			t.Fatalf("DeleteFeedProducts(bulk, %d) deleted %d", store.MaxFeedProductsPerTx, n)
		}
		if total += n; n == 0 || txs > BulkFeedProducts/store.MaxFeedProductsPerTx+1 {
			break
		}
	}
	if total != BulkFeedProducts || txs != BulkFeedProducts/store.MaxFeedProductsPerTx+1 {
		t.Errorf("deleted %d products in %d transactions; want %d in %d", total, txs, BulkFeedProducts, BulkFeedProducts/store.MaxFeedProductsPerTx+1)
	}
	view(t, s, func(r store.Reader) error {
		if got, err := r.FeedProducts("bulk", "", 10); err != nil || len(got) != 0 {
			t.Errorf("products left after the bulk delete: %d, %v", len(got), err)
		}
		if ids := feedProductIDs(t, r, "bulk-other", 10); fmt.Sprint(ids) != "[p1]" {
			t.Errorf("the other target's products = %v; want [p1]", ids)
		}
		return nil
	})
}

// PutBulkFeedProducts stores n products of the target,
// store.MaxFeedProductsPerTx to a transaction.
func PutBulkFeedProducts(t *testing.T, s store.Store, target string, n int) {
	t.Helper()
	for first := 0; first < n; first += store.MaxFeedProductsPerTx {
		var batch []*model.FeedProduct
		for i := first; i < min(n, first+store.MaxFeedProductsPerTx); i++ {
			batch = append(batch, feedProduct(target, fmt.Sprintf("p%06d", i)))
		}
		putFeedProducts(t, s, batch...)
	}
}

// testFeedKeys: target names and product ids may hold any bytes, the
// separator of a store's keys included (a product id is not empty: an
// empty after means the first); no target's products show under
// another, each is listed with its own bytes, and paging lists each
// product once.
func testFeedKeys(t *testing.T, s store.Store) {
	// Each pair would share a key were the target and the product id
	// simply joined with a separator.
	products := []*model.FeedProduct{
		feedProduct("a", "x/p"), feedProduct("a/x", "p"),
		feedProduct("a", "x\x00p"), feedProduct("a\x00x", "p"),
		feedProduct("a", "1:a/p"), feedProduct("1:a", "p"),
		feedProduct("a", "/p"), feedProduct("a/", "p"),
		feedProduct("", "a"),
		feedProduct("odd\xff", "\xfe\x00"), feedProduct("odd\xff", "\x01mark"), feedProduct("odd\xff", "plain"),
	}
	putFeedProducts(t, s, products...)
	update(t, s, func(tx store.Tx) error {
		for _, name := range []string{"a", "a/x", "a\x00x", "odd\xff"} {
			if err := tx.PutFeedTarget(&model.FeedTarget{Name: name, UpdatedAt: base}); err != nil {
				return err
			}
		}
		return nil
	})
	want := map[string][]string{}
	for _, p := range products {
		want[p.Target] = append(want[p.Target], p.ProductID)
	}
	view(t, s, func(r store.Reader) error {
		for target, ids := range want {
			got := feedProductIDs(t, r, target, 1)
			if len(got) != len(ids) {
				t.Errorf("products of %q paged one at a time = %q; want %q", target, got, ids)
				continue
			}
			p, err := r.FeedProducts(target, "", 100)
			if err != nil {
				return err
			}
			for _, id := range ids {
				found := 0
				for _, x := range p {
					if x.ProductID == id {
						found++
						same(t, fmt.Sprintf("product %q of %q", id, target), x, feedProduct(target, id), record.EncodeFeedProduct)
					}
				}
				if found != 1 {
					t.Errorf("product %q of %q listed %d times; want once", id, target, found)
				}
			}
		}
		var names []string
		for _, name := range []string{"a", "a/x", "a\x00x", "odd\xff"} {
			if got, err := r.FeedTarget(name); err != nil || got.Name != name {
				t.Errorf("FeedTarget(%q) = %v, %v", name, got, err)
			}
			names = append(names, name)
		}
		targets, err := r.FeedTargets()
		if err != nil {
			return err
		}
		var listed []string
		for _, ft := range targets {
			listed = append(listed, ft.Name)
		}
		slices.Sort(listed)
		slices.Sort(names)
		if fmt.Sprintf("%q", listed) != fmt.Sprintf("%q", names) {
			t.Errorf("FeedTargets = %q; want %q", listed, names)
		}
		if _, err := r.FeedTarget("a\x00"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FeedTarget of a name never stored = %v; want ErrNotFound", err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteFeedProduct("a", "x/p") })
	view(t, s, func(r store.Reader) error {
		if got := feedProductIDs(t, r, "a/x", 10); len(got) != 1 || got[0] != "p" {
			t.Errorf("products of a/x after deleting a's x/p = %q; want [p]", got)
		}
		return nil
	})
}

// testFeedFencing: a PutFeedProduct in an Update whose lease check fails
// (the lease was taken over) commits nothing; under the current holder's
// lease it commits.
func testFeedFencing(t *testing.T, s store.Store) {
	ctx := context.Background()
	ls := s.Leases()
	old, _, ok, err := ls.TryAcquire(ctx, "feed/shop", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := ls.Release(ctx, old); err != nil {
		t.Fatal(err)
	}
	cur, _, ok, err := ls.TryAcquire(ctx, "feed/shop", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	late := feedProduct("shop", "p1")
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutFeedProduct(late); err != nil {
			return err
		}
		if err := tx.PutFeedTarget(feedTarget("shop")); err != nil {
			return err
		}
		return tx.HoldsLease(old)
	})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a commit under a lost lease = %v; want ErrLeaseLost", err)
	}
	view(t, s, func(r store.Reader) error {
		if got, err := r.FeedProducts("shop", "", 10); err != nil || len(got) != 0 {
			t.Errorf("the fenced commit stored products: %v, %v", got, err)
		}
		if _, err := r.FeedTarget("shop"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the fenced commit stored the target: %v", err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.HoldsLease(cur); err != nil {
			return err
		}
		return tx.PutFeedProduct(late)
	})
	view(t, s, func(r store.Reader) error {
		if got, err := r.FeedProducts("shop", "", 10); err != nil || len(got) != 1 {
			t.Errorf("products after the holder's commit = %v, %v; want p1", got, err)
		}
		return nil
	})
	if err := ls.Release(ctx, cur); err != nil {
		t.Fatal(err)
	}
}
