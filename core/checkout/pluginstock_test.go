package checkout_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// pluginStock stands for a catalog plugin's stock reservations: it holds
// up to available units of "ebook" (every other SKU is not counted) and
// records every call as "<method> <key>". down makes every call fail as
// an unreachable plugin would.
type pluginStock struct {
	mu        sync.Mutex
	available int64
	held      map[string]int64
	calls     []string
	down      bool
}

func newPluginStock(available int64) *pluginStock {
	return &pluginStock{available: available, held: map[string]int64{}}
}

func (p *pluginStock) Reserve(_ context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, "reserve "+req.Key)
	if p.down {
		return nil, acp.Retryable(errors.New("plugin down"))
	}
	if _, ok := p.held[req.Key]; ok {
		return &catalog.ReserveResponse{Held: true}, nil
	}
	var want int64
	for _, l := range req.Lines {
		if l.SKU == "ebook" {
			want += l.Quantity
		}
	}
	if want > p.available {
		return &catalog.ReserveResponse{Shortfalls: []catalog.Shortfall{{SKU: "ebook", Available: p.available}}}, nil
	}
	p.available -= want
	p.held[req.Key] = want
	return &catalog.ReserveResponse{Held: true}, nil
}

func (p *pluginStock) Commit(_ context.Context, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, "commit "+key)
	if p.down {
		return acp.Retryable(errors.New("plugin down"))
	}
	delete(p.held, key)
	return nil
}

func (p *pluginStock) Release(_ context.Context, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, "release "+key)
	if p.down {
		return acp.Retryable(errors.New("plugin down"))
	}
	p.available += p.held[key]
	delete(p.held, key)
	return nil
}

func (p *pluginStock) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

func (p *pluginStock) callLog() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// newPluginStockFixture is the fixture with its stock held by p.
func newPluginStockFixture(t *testing.T, p *pluginStock) *fixture {
	t.Helper()
	return newFixtureWith(t, func(o *checkout.Options) { o.PluginStock, o.PluginStockProvider = p, "catalog" })
}

// holds returns the store's holds.
func (f *fixture) holds(t *testing.T) []*model.Reservation {
	t.Helper()
	var out []*model.Reservation
	if err := f.store.View(context.Background(), func(r store.Reader) (err error) { out, err = r.Reservations("", 100); return err }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPluginHoldLifecycle: every way an attempt ends calls the plugin as
// it must (reserve before the charge; commit on an order; release
// otherwise) and leaves no hold in the store.
func TestPluginHoldLifecycle(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		available   int64
		token       string
		cancel      bool // cancel the session after the complete
		wantStatus  model.Status
		wantCharges int
		wantCalls   []string // of attempt 1's key
		wantCode    string   // an error message of the answer
	}{
		"completed":                      {available: 1, token: "spt_ok", wantStatus: model.StatusCompleted, wantCharges: 1, wantCalls: []string{"reserve", "commit"}},
		"declined":                       {available: 1, token: "spt" + "_decline", wantStatus: model.StatusReadyForPayment, wantCalls: []string{"reserve", "release"}},
		"canceled while waiting for 3DS": {available: 1, token: "spt" + "_3ds", cancel: true, wantStatus: model.StatusCanceled, wantCalls: []string{"reserve", "release"}},
		"out of stock":                   {available: 0, token: "spt_ok", wantStatus: model.StatusNotReadyForPayment, wantCalls: []string{"reserve", "release"}, wantCode: acp.CodeOutOfStock},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPluginStock(tc.available)
			f := newPluginStockFixture(t, p)
			ctx := context.Background()
			sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
			got, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment(tc.token)}, nil)
			if err != nil {
				t.Fatalf("Complete() error = %v", err)
			}
			if tc.cancel {
				if got, err = f.svc.Cancel(ctx, "agent", sess.ID, checkout.CancelInput{}, nil); err != nil {
					t.Fatalf("Cancel() error = %v", err)
				}
			}
			if got.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s", got.Status, tc.wantStatus)
			}
			if tc.wantCode != "" && !slices.ContainsFunc(got.Messages, func(m acp.Message) bool { return m.Code == tc.wantCode }) {
				t.Errorf("messages %+v, want one %s", got.Messages, tc.wantCode)
			}
			if n := f.sandbox.Charges(); n != tc.wantCharges {
				t.Errorf("charges = %d, want %d", n, tc.wantCharges)
			}
			var want []string
			for _, c := range tc.wantCalls {
				want = append(want, c+" "+sess.ID+":attempt:1")
			}
			if calls := p.callLog(); !slices.Equal(calls, want) {
				t.Errorf("plugin calls = %v, want %v", calls, want)
			}
			if h := f.holds(t); len(h) != 0 {
				t.Errorf("holds left in the store: %+v", h[0])
			}
		})
	}
}

// TestPluginDownChargesNothing: a plugin that does not answer Reserve
// fails the complete with nothing charged and the hold in doubt; the next
// complete reserves again with the same key and completes. A commit that
// fails leaves the hold committing until the resolver commits it.
func TestPluginDownChargesNothing(t *testing.T) {
	t.Parallel()
	p := newPluginStock(1)
	f := newPluginStockFixture(t, p)
	ctx := context.Background()
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	p.setDown(true)
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err == nil {
		t.Fatal("Complete() with the plugin down succeeded")
	}
	if n := f.sandbox.Charges(); n != 0 {
		t.Fatalf("charges with the plugin down = %d", n)
	}
	if h := f.holds(t); len(h) != 1 || h[0].State != model.HoldInDoubt || h[0].Provider != "catalog" || h[0].Owner != f.store.Leases().Owner() {
		t.Fatalf("holds = %+v, want one in doubt, owned here", h)
	}
	p.setDown(false)
	got, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil || got.Status != model.StatusCompleted || f.sandbox.Charges() != 1 {
		t.Fatalf("Complete() again = %v, %v; charges %d", got, err, f.sandbox.Charges())
	}
	key := sess.ID + ":attempt:1"
	if calls := p.callLog(); !slices.Equal(calls, []string{"reserve " + key, "reserve " + key, "commit " + key}) {
		t.Fatalf("plugin calls = %v", calls)
	}

	// Another store whose plugin fails the commit: the order stands, and
	// the hold stays committing until the resolver commits it.
	failCommit := &commitFails{pluginStock: newPluginStock(1)}
	f2 := newFixtureWith(t, func(o *checkout.Options) { o.PluginStock, o.PluginStockProvider = failCommit, "catalog" })
	other := f2.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	if got, err := f2.svc.Complete(ctx, "agent", other.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err != nil || got.Status != model.StatusCompleted {
		t.Fatalf("Complete() with the commit failing = %v, %v; want completed (the order stands)", got, err)
	}
	if h := f2.holds(t); len(h) != 1 || h[0].State != model.HoldCommitting {
		t.Fatalf("holds = %+v, want one committing", h)
	}
	if n, err := f2.svc.ResolvePluginHolds(ctx, 10, alwaysAlive); err != nil || n != 1 {
		t.Fatalf("ResolvePluginHolds() = %d, %v; want 1", n, err)
	}
	if h := f2.holds(t); len(h) != 0 {
		t.Fatalf("holds after the resolver = %+v", h)
	}
}

// commitFails fails its first Commit.
type commitFails struct {
	*pluginStock
	failed bool
}

func (c *commitFails) Commit(ctx context.Context, key string) error {
	if !c.failed {
		c.failed = true
		return acp.Retryable(errors.New("plugin restarting"))
	}
	return c.pluginStock.Commit(ctx, key)
}

func alwaysAlive(context.Context, string) (bool, error) { return true, nil }

// TestInDoubtHoldOfADeadOwner: a hold left in doubt by a process that
// died is released by the resolver, and its session (never charged) goes
// back to ready_for_payment; while its owner lives it is left alone.
func TestInDoubtHoldOfADeadOwner(t *testing.T) {
	t.Parallel()
	p := newPluginStock(1)
	f := newPluginStockFixture(t, p)
	ctx := context.Background()
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	p.setDown(true)
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err == nil {
		t.Fatal("Complete() with the plugin down succeeded")
	}
	p.setDown(false)
	// The hold now belongs to another process.
	if err := f.store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.Reservation(sess.ID)
		if err != nil {
			return err
		}
		r.Owner = "replica-b"
		return tx.PutReservation(r)
	}); err != nil {
		t.Fatal(err)
	}
	var asked []string
	alive := func(live bool) checkout.OwnerAlive {
		return func(_ context.Context, owner string) (bool, error) {
			asked = append(asked, owner)
			return live, nil
		}
	}
	if n, err := f.svc.ResolvePluginHolds(ctx, 10, alive(true)); err != nil || n != 0 {
		t.Fatalf("ResolvePluginHolds() with the owner alive = %d, %v; want 0", n, err)
	}
	if n, err := f.svc.ResolvePluginHolds(ctx, 10, alive(false)); err != nil || n != 1 {
		t.Fatalf("ResolvePluginHolds() with the owner dead = %d, %v; want 1", n, err)
	}
	if !slices.Equal(asked, []string{"replica-b", "replica-b"}) {
		t.Errorf("owners asked about = %v", asked)
	}
	if h := f.holds(t); len(h) != 0 {
		t.Fatalf("holds after the resolver = %+v", h)
	}
	got, err := f.svc.Get(ctx, "agent", sess.ID)
	if err != nil || got.Status != model.StatusReadyForPayment {
		t.Fatalf("session after the resolver = %v, %v; want ready_for_payment", got, err)
	}
	key := sess.ID + ":attempt:1"
	if calls := p.callLog(); !slices.Equal(calls, []string{"reserve " + key, "release " + key}) {
		t.Fatalf("plugin calls = %v", calls)
	}
	// The session completes with a new attempt.
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil || done.Status != model.StatusCompleted || f.sandbox.Charges() != 1 {
		t.Fatalf("Complete() after the resolver = %v, %v; charges %d", done, err, f.sandbox.Charges())
	}
}
