package webhook

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/testkit"
)

// TestScanOneSnapshot: an order's two events commit, the lower Seq among
// the first page's, the higher past it, while a scan reads its first page
// of the outbox. The scan reads every page in one snapshot, so that it
// sees neither (and the next scan both) rather than the higher one alone,
// which would be delivered first.
func TestScanOneSnapshot(t *testing.T) {
	st := newStore(t)
	now := time.Now()
	for i := range pageSize + 40 {
		put(t, st, newEvent(fmt.Sprintf("fill%d", i), testTarget, fmt.Sprintf("ord_fill%d", i), now))
	}
	// Free Seq 5, inside the first page, for the order's first event.
	gone := list(t, st, model.EventPending)[4]
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.DeleteWebhookEvent(gone) }); err != nil {
		t.Fatal(err)
	}
	low, high := newEvent("o_low", testTarget, "ord_o", now), newEvent("o_high", testTarget, "ord_o", now)
	low.Seq, high.Seq = gone.Seq, 1_000_000
	hooked := &firstPageHook{Store: st, after: func() { put(t, st, low, high) }}
	rc := &receiver{}
	srv := serve(t, rc)
	start(t, Options{Store: hooked, Targets: []Target{target(srv.URL)}, Workers: 4, PollInterval: time.Hour})
	testkit.Eventually(t, 30*time.Second, "the outbox to drain", func() bool { return len(list(t, st, model.EventPending)) == 0 })
	var ids []string
	for _, r := range rc.requests() {
		ids = append(ids, r.id)
	}
	li, hi := slices.Index(ids, "o_low"), slices.Index(ids, "o_high")
	if li < 0 || hi < 0 || hi < li {
		t.Errorf("o_low delivered as request %d, o_high as request %d; want o_low first", li, hi)
	}
}

// firstPageHook is a store that runs after once, right after the first
// read of the first page of the pending outbox.
type firstPageHook struct {
	store.Store
	once  sync.Once
	after func()
}

func (h *firstPageHook) View(ctx context.Context, fn func(store.Reader) error) error {
	return h.Store.View(ctx, func(r store.Reader) error { return fn(&firstPageReader{Reader: r, h: h}) })
}

type firstPageReader struct {
	store.Reader
	h *firstPageHook
}

func (r *firstPageReader) WebhookEvents(state string, afterSeq uint64, limit int) ([]*model.WebhookEvent, error) {
	page, err := r.Reader.WebhookEvents(state, afterSeq, limit)
	if state == model.EventPending && afterSeq == 0 && limit == pageSize {
		r.h.once.Do(r.h.after)
	}
	return page, err
}
