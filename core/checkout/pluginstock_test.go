package checkout_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/builtin"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
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
	// commitErr, when set, answers Commit instead.
	commitErr error
	// expiries records each Reserve's ExpiresAt, by key.
	expiries map[string][]time.Time
}

func newPluginStock(available int64) *pluginStock {
	return &pluginStock{available: available, held: map[string]int64{}}
}

func (p *pluginStock) Reserve(_ context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, "reserve "+req.Key)
	if p.expiries == nil {
		p.expiries = map[string][]time.Time{}
	}
	p.expiries[req.Key] = append(p.expiries[req.Key], req.ExpiresAt)
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
	if p.commitErr != nil {
		return p.commitErr
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

func (p *pluginStock) setCommitErr(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.commitErr = err
}

// attentions records the engine's StockAttention reports as
// "<provider> <cause>".
type attentions struct {
	mu  sync.Mutex
	got []string
}

func (a *attentions) report(provider, cause string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, provider+" "+cause)
}

func (a *attentions) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.got)
}

// TestRefusedCommitIsKept: a commit the plugin refuses (not retryable,
// as a plain plugin error arrives) is never dropped: the record stays
// committing, is asked again by the resolver and raised; only a definite
// answer (no such hold, or a lapsed hold whose units are gone) ends it,
// raised too.
func TestRefusedCommitIsKept(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		final error
		cause string
	}{
		"then committed":    {cause: ""},
		"then no such hold": {final: catalog.ErrNoSuchHold, cause: checkout.AttentionNoSuchHold},
		"then hold lapsed":  {final: catalog.ErrHoldLapsed, cause: checkout.AttentionHoldLapsed},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPluginStock(1)
			att := &attentions{}
			f := newFixtureWith(t, func(o *checkout.Options) {
				o.PluginStock, o.PluginStockProvider, o.StockAttention = p, "catalog", att.report
			})
			ctx := context.Background()
			sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
			// A state file the plugin could not read, as it arrives over
			// the plugin protocol: a plugin failure, not retryable.
			p.setCommitErr(acp.AsError(errors.New("stock state: input/output error")))
			got, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
			if err != nil || got.Status != model.StatusCompleted {
				t.Fatalf("Complete() = %v, %v; want completed", got, err)
			}
			for round := range 2 {
				if n, err := f.svc.ResolvePluginHolds(ctx, 10, alwaysAlive); err == nil || n != 0 {
					t.Fatalf("round %d: ResolvePluginHolds() = %d, %v; want the refusal reported, nothing finished", round, n, err)
				}
				if h := f.holds(t); len(h) != 1 || h[0].State != model.HoldCommitting {
					t.Fatalf("round %d: holds = %+v, want the committing record kept", round, h)
				}
			}
			if a := att.list(); len(a) != 3 || a[0] != "catalog "+checkout.AttentionCommitRefused {
				t.Fatalf("attention = %v, want commit_refused for each of the 3 refusals", a)
			}
			p.setCommitErr(tc.final)
			if n, err := f.svc.ResolvePluginHolds(ctx, 10, alwaysAlive); err != nil || n != 1 {
				t.Fatalf("ResolvePluginHolds() = %d, %v; want 1", n, err)
			}
			if h := f.holds(t); len(h) != 0 {
				t.Fatalf("holds = %+v, want none", h)
			}
			if a := att.list(); tc.cause != "" && (len(a) != 4 || a[3] != "catalog "+tc.cause) {
				t.Errorf("attention = %v, want %s last", a, tc.cause)
			}
		})
	}
}

// TestPendingPaymentHoldIsRenewed: the hold of a payment whose outcome
// stays unknown past the session's expiry is renewed (reserved again
// with a later expiry, recorded) before the plugin lets it lapse, and
// not before.
func TestPendingPaymentHoldIsRenewed(t *testing.T) {
	t.Parallel()
	p := newPluginStock(1)
	f := newPluginStockFixture(t, p)
	ctx := context.Background()
	f.flaky.failures = 1
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"}}, nil); err == nil {
		t.Fatal("Complete() with the processor unreachable succeeded")
	}
	h := f.holds(t)
	if len(h) != 1 || h[0].State != model.HoldHeld {
		t.Fatalf("holds = %+v, want one held", h)
	}
	first := h[0].ExpiresAt
	key := sess.ID + ":attempt:1"
	// Well before the hold would lapse: nothing is asked.
	f.clock.Advance(first.Sub(f.clock.Now()) - 2*time.Hour)
	if _, err := f.svc.ResolvePluginHolds(ctx, 10, alwaysAlive); err != nil {
		t.Fatal(err)
	}
	if n := len(p.callLog()); n != 1 {
		t.Fatalf("plugin calls = %v, want only the first reserve", p.callLog())
	}
	// Within the renewal window: reserved again, with a later expiry.
	f.clock.Advance(2*time.Hour - 10*time.Minute)
	if _, err := f.svc.ResolvePluginHolds(ctx, 10, alwaysAlive); err != nil {
		t.Fatal(err)
	}
	if calls := p.callLog(); !slices.Equal(calls, []string{"reserve " + key, "reserve " + key}) {
		t.Fatalf("plugin calls = %v, want a second reserve", calls)
	}
	h = f.holds(t)
	if len(h) != 1 || h[0].State != model.HoldHeld || !h[0].ExpiresAt.After(first) {
		t.Fatalf("holds = %+v, want one held past %v", h, first)
	}
	p.mu.Lock()
	renewedTo := p.expiries[key][1]
	p.mu.Unlock()
	if !renewedTo.Equal(h[0].ExpiresAt) || !renewedTo.After(f.clock.Now()) {
		t.Errorf("renewed to %v, recorded %v; want the same, in the future", renewedTo, h[0].ExpiresAt)
	}
}

// TestResolvePluginHoldsPages: every hold is walked, however many pages.
func TestResolvePluginHoldsPages(t *testing.T) {
	t.Parallel()
	p := newPluginStock(0)
	f := newPluginStockFixture(t, p)
	ctx := context.Background()
	const holds = 7
	for i := range holds {
		r := &model.Reservation{SessionID: "cs_gone_" + string(rune('a'+i)), Attempt: 1, Lines: []model.ReservedLine{{SKU: "ebook", Quantity: 1}},
			Provider: "catalog", State: model.HoldReleasing, Owner: "dead-replica", ExpiresAt: f.clock.Now().Add(time.Hour)}
		if err := f.store.Update(ctx, func(tx store.Tx) error { return tx.PutReservation(r) }); err != nil {
			t.Fatal(err)
		}
	}
	dead := func(context.Context, string) (bool, error) { return false, nil }
	if n, err := f.svc.ResolvePluginHolds(ctx, 2, dead); err != nil || n != holds {
		t.Fatalf("ResolvePluginHolds(page 2) = %d, %v; want %d", n, err, holds)
	}
	if h := f.holds(t); len(h) != 0 {
		t.Fatalf("holds left: %d", len(h))
	}
}

// TestStockModeSwitch: a reservation is settled the way it was made,
// whatever the stock mode is after a restart: a plugin's hold is never
// applied to the built-in counts nor dropped while no plugin holds
// stock, and a new attempt never overwrites an unfinished one.
func TestStockModeSwitch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPluginStock(1)
	f := newPluginStockFixture(t, p)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	p.setDown(true)
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err == nil {
		t.Fatal("Complete() with the plugin down succeeded")
	}
	p.setDown(false)
	// "Restart" on the same store with built-in stock and no plugin.
	att := &attentions{}
	restarted := checkout.New(checkout.Options{
		Store: f.store, Capabilities: checkout.Capabilities{Catalog: f.catalog, Tax: builtin.NewTax(testTax), Shipping: builtin.NewShipping(testOptions, f.clock.Now), Fulfillment: builtin.Fulfillment{}},
		Handlers: []payment.Handler{f.sandbox}, Currency: "usd", SessionLifetime: 6 * time.Hour, Now: f.clock.Now,
		Interventions: model.Interventions{Supported: []string{"3ds"}, Enforcement: "conditional"},
		TrackStock:    true, StockAttention: att.report,
	})
	if err := f.store.UpdateStock(ctx, []string{"ebook"}, func(tx store.Tx) error {
		return tx.PutStockLevel(&model.StockLevel{SKU: "ebook", OnHand: 3})
	}); err != nil {
		t.Fatal(err)
	}
	level := func() *model.StockLevel {
		var l *model.StockLevel
		if err := f.store.View(ctx, func(r store.Reader) (err error) { l, err = r.StockLevel("ebook"); return err }); err != nil {
			t.Fatal(err)
		}
		return l
	}
	// The session's in-doubt hold is the plugin's: no charge, no
	// built-in reservation over it.
	if _, err := restarted.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err == nil {
		t.Fatal("Complete() over a plugin hold with no plugin succeeded")
	}
	if n := f.sandbox.Charges(); n != 0 {
		t.Fatalf("charges = %d, want 0", n)
	}
	// The sweepers: the built-in one leaves the plugin's hold alone; the
	// plugin one releases it (its owner is dead) but keeps the record,
	// as no plugin can settle it now, and raises it.
	f.clock.Advance(7 * time.Hour)
	if _, err := restarted.ReleaseLapsedHolds(ctx, 10); err != nil {
		t.Fatal(err)
	}
	dead := func(context.Context, string) (bool, error) { return false, nil }
	if _, err := restarted.ResolvePluginHolds(ctx, 10, dead); err == nil {
		t.Fatal("ResolvePluginHolds() without a plugin reported nothing")
	}
	h := f.holds(t)
	if len(h) != 1 || h[0].Provider != "catalog" || h[0].State != model.HoldReleasing {
		t.Fatalf("holds = %+v, want the plugin's hold kept, releasing", h)
	}
	if l := level(); l.OnHand != 3 || l.Reserved != 0 || l.Sold != 0 {
		t.Fatalf("built-in level = %+v, want untouched", l)
	}
	if a := att.list(); len(a) == 0 || !slices.Contains(a, "catalog "+checkout.AttentionNoPlugin) {
		t.Errorf("attention = %v, want no_plugin", a)
	}
	// The plugin is back: the record is settled through it.
	if _, err := f.svc.ResolvePluginHolds(ctx, 10, dead); err != nil {
		t.Fatal(err)
	}
	if h := f.holds(t); len(h) != 0 {
		t.Fatalf("holds = %+v, want none", h)
	}
	if calls := p.callLog(); calls[len(calls)-1] != "release "+sess.ID+":attempt:1" {
		t.Fatalf("plugin calls = %v, want the release last", calls)
	}
}
