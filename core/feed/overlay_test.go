package feed

// TEMPORARY: the feed records are not stored yet on this branch's base;
// this overlay keeps them in memory over a real store until they land.

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

type overlay struct {
	store.Store
	mu       *sync.Mutex
	targets  map[string]model.FeedTarget
	products map[string]map[string]model.FeedProduct
}

func newOverlay(st store.Store) *overlay {
	return &overlay{Store: st, mu: &sync.Mutex{}, targets: map[string]model.FeedTarget{}, products: map[string]map[string]model.FeedProduct{}}
}

func (o *overlay) View(ctx context.Context, fn func(store.Reader) error) error {
	return o.Store.View(ctx, func(r store.Reader) error { return fn(&oreader{Reader: r, o: o}) })
}

func (o *overlay) Update(ctx context.Context, fn func(store.Tx) error) error {
	return o.Store.Update(ctx, func(tx store.Tx) error { return fn(&otx{Tx: tx, o: o}) })
}

type oreader struct {
	store.Reader
	o *overlay
}

type otx struct {
	store.Tx
	o *overlay
}

func (o *overlay) target(name string) (*model.FeedTarget, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.targets[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &t, nil
}

func (o *overlay) all() ([]*model.FeedTarget, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*model.FeedTarget
	for _, n := range slices.Sorted(maps.Keys(o.targets)) {
		t := o.targets[n]
		out = append(out, &t)
	}
	return out, nil
}

func (o *overlay) list(target, after string, limit int) ([]*model.FeedProduct, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*model.FeedProduct
	for _, id := range slices.Sorted(maps.Keys(o.products[target])) {
		if id <= after || len(out) == limit {
			continue
		}
		p := o.products[target][id]
		out = append(out, &p)
	}
	return out, nil
}

func (r *oreader) FeedTarget(name string) (*model.FeedTarget, error) { return r.o.target(name) }
func (r *oreader) FeedTargets() ([]*model.FeedTarget, error)         { return r.o.all() }
func (r *oreader) FeedProducts(t, a string, l int) ([]*model.FeedProduct, error) {
	return r.o.list(t, a, l)
}
func (x *otx) FeedTarget(name string) (*model.FeedTarget, error) { return x.o.target(name) }
func (x *otx) FeedTargets() ([]*model.FeedTarget, error)         { return x.o.all() }
func (x *otx) FeedProducts(t, a string, l int) ([]*model.FeedProduct, error) {
	return x.o.list(t, a, l)
}
func (x *otx) PutFeedTarget(t *model.FeedTarget) error {
	x.o.mu.Lock()
	defer x.o.mu.Unlock()
	x.o.targets[t.Name] = *t
	return nil
}
func (x *otx) DeleteFeedTarget(name string) error {
	x.o.mu.Lock()
	defer x.o.mu.Unlock()
	delete(x.o.targets, name)
	return nil
}
func (x *otx) PutFeedProduct(p *model.FeedProduct) error {
	x.o.mu.Lock()
	defer x.o.mu.Unlock()
	if x.o.products[p.Target] == nil {
		x.o.products[p.Target] = map[string]model.FeedProduct{}
	}
	x.o.products[p.Target][p.ProductID] = *p
	return nil
}
func (x *otx) DeleteFeedProduct(t, id string) error {
	x.o.mu.Lock()
	defer x.o.mu.Unlock()
	delete(x.o.products[t], id)
	return nil
}
