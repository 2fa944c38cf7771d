package checkout_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/stock"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/store/pgstore"
	"github.com/acp-sidecar/acp/internal/pgtest"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/promotion"
)

// limitedCode is the usage-limited code of these tests, as an agent
// types it; its uses are counted under "discount:save10".
const limitedCode = "Save10"

// stores opens each store the engine runs on: Badger in memory and
// PostgreSQL (a fresh database).
var stores = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"badger", func(t *testing.T) store.Store {
		st, err := badgerstore.Open(badgerstore.Options{InMemory: true})
		if err != nil {
			t.Fatalf("open badger: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}},
	{"postgres", func(t *testing.T) store.Store {
		st, err := pgstore.Open(context.Background(), pgstore.Options{DSN: pgtest.DSN(t), MigrateOnStart: true, MaxConns: 20})
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}},
}

// codeFixture is the fixture on st with stock control on, the built-in
// promotions giving limitedCode (100 off, counted in st) and uses uses of
// it left.
func codeFixture(t *testing.T, st store.Store, uses int64) *fixture {
	t.Helper()
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Store, o.TrackStock = st, true
		o.Capabilities.Discounts = promotion.New(save10(uses), stock.UsesLeftIn(st))
	})
	sku := stock.DiscountSKU(limitedCode)
	err := st.UpdateStock(context.Background(), []string{sku}, func(tx store.Tx) error {
		return tx.PutStockLevel(&model.StockLevel{SKU: sku, OnHand: uses})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// save10 is the promotion of limitedCode: 100 off the order, limited to
// uses orders.
func save10(uses int64) []promotion.Promotion {
	return []promotion.Promotion{{ID: "promo_save10", Name: "Save 10", Code: limitedCode, Kind: promotion.KindAmountOff, AmountOff: 100, AppliesTo: promotion.AppliesToOrder, MaxUses: uses}}
}

// sessionWithCode creates a ready session for one "ebook" (a download,
// not stock-controlled) with limitedCode, the discount extension
// negotiated, and checks the code is applied as usage-limited.
func sessionWithCode(t *testing.T, f *fixture, _ store.Store) string {
	t.Helper()
	sess := f.create(t, checkout.CreateInput{
		Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, AgentInterventions: []string{"3ds"},
		Extensions: []string{"discount"}, DiscountCodes: []string{limitedCode},
	})
	if sess.Status != model.StatusReadyForPayment {
		t.Fatalf("session not ready: %s", sess.Status)
	}
	if !hasCode(sess) {
		t.Fatalf("session does not apply %s: %+v", limitedCode, sess.Discounts)
	}
	return sess.ID
}

// codeLevel reads limitedCode's stock level in st.
func codeLevel(t *testing.T, st store.Store) *model.StockLevel {
	t.Helper()
	l, err := stock.Level(context.Background(), st, stock.DiscountSKU(limitedCode))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func wantCodeLevel(t *testing.T, st store.Store, onHand, reserved, sold int64) {
	t.Helper()
	if l := codeLevel(t, st); l.OnHand != onHand || l.Reserved != reserved || l.Sold != sold {
		t.Fatalf("level of %s = on hand %d, reserved %d, sold %d; want %d, %d, %d", l.SKU, l.OnHand, l.Reserved, l.Sold, onHand, reserved, sold)
	}
}

// hasCode reports whether the session's applied discounts use
// limitedCode.
func hasCode(sess *model.Session) bool {
	return sess.Discounts != nil && slices.ContainsFunc(sess.Discounts.Applied, func(d model.AppliedDiscount) bool { return d.Code == limitedCode })
}

// wantSpent checks a complete refused for want of a use: not charged,
// the code rejected as used up with a warning at its place, and a
// price_change warning.
func wantSpent(t *testing.T, sess *model.Session) {
	t.Helper()
	if sess.Status != model.StatusReadyForPayment {
		t.Errorf("refused session: status %s, want ready_for_payment (re-priced)", sess.Status)
	}
	// Refused at the hold (an attempt, never charged, its credential
	// dropped) or by the re-pricing before it (no attempt).
	if sess.Payment != nil && (sess.Payment.State != "" || sess.Payment.Token != "") {
		t.Errorf("refused session: payment %+v, want no charge and the credential dropped", sess.Payment)
	}
	if hasCode(sess) {
		t.Errorf("refused session still applies %s: %+v", limitedCode, sess.Discounts.Applied)
	}
	if sess.Discounts == nil || !slices.ContainsFunc(sess.Discounts.Rejected, func(r model.RejectedDiscount) bool {
		return r.Code == limitedCode && r.Reason == acp.CodeDiscountCodeUsageLimitReached
	}) {
		t.Errorf("refused session does not reject %s as used up: %+v", limitedCode, sess.Discounts)
	}
	if len(messagesAt(sess, acp.MessageWarning, acp.CodeDiscountCodeUsageLimitReached, "$.discounts.codes[0]")) != 1 {
		t.Errorf("refused session: want one usage_limit_reached warning at $.discounts.codes[0]; messages %+v", sess.Messages)
	}
	if len(messagesAt(sess, acp.MessageWarning, acp.CodePriceChange, "$.totals")) != 1 {
		t.Errorf("refused session: want one price_change warning; messages %+v", sess.Messages)
	}
}

// TestDiscountUsesRace: a code limited to 10 uses, 50 concurrent
// completes each on its own session applying it: exactly 10 orders use
// it and are charged; the 40 others are re-priced without it, with a
// price_change warning, and never charged; on both stores.
func TestDiscountUsesRace(t *testing.T) {
	t.Parallel()
	for _, kind := range stores {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			const sessions, uses = 50, 10
			st := kind.open(t)
			f := codeFixture(t, st, uses)
			ids := make([]string, sessions)
			for i := range ids {
				ids[i] = sessionWithCode(t, f, st)
			}
			results := make([]*model.Session, sessions)
			errs := make([]error, sessions)
			var wg sync.WaitGroup
			for i := range ids {
				wg.Go(func() {
					results[i], errs[i] = f.svc.Complete(context.Background(), "agent", ids[i], checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
				})
			}
			wg.Wait()
			completed := 0
			for i, sess := range results {
				if errs[i] != nil {
					t.Fatalf("complete %d: %v", i, errs[i])
				}
				if sess.Status == model.StatusCompleted {
					completed++
					if !hasCode(sess) || sess.Payment.State == "" || sess.Order == nil {
						t.Errorf("completed session %s: discounts %+v, payment %+v", sess.ID, sess.Discounts, sess.Payment)
					}
					continue
				}
				wantSpent(t, sess)
			}
			if completed != uses {
				t.Fatalf("completed %d, want %d", completed, uses)
			}
			if got := f.sandbox.Charges(); got != uses {
				t.Fatalf("charges = %d, want %d (none for a session without a use)", got, uses)
			}
			wantCodeLevel(t, st, 0, 0, uses)
			orders, err := store.Read(context.Background(), st, func(r store.Reader) ([]*model.Order, error) { return r.Orders("", 100) })
			if err != nil || len(orders) != uses {
				t.Fatalf("orders = %d (%v), want %d", len(orders), err, uses)
			}
			if left, limited, err := stock.UsesLeft(context.Background(), st, strings.ToUpper(limitedCode)); err != nil || !limited || left != 0 {
				t.Fatalf("UsesLeft() = %d, %v, %v; want 0, true", left, limited, err)
			}
		})
	}
}

// TestDiscountUseGivenBack: an attempt holds its use while it runs (3DS)
// and gives it back on a decline, a cancel and an expiry; an unknown
// outcome keeps it past the session's expiry and the resolved order
// consumes it.
func TestDiscountUseGivenBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	threeDS := func(t *testing.T, f *fixture, id string) {
		t.Helper()
		sess, err := f.svc.Complete(ctx, "agent", id, checkout.CompleteInput{Payment: cardPayment("spt_card_3ds")}, nil)
		if err != nil || sess.Status != model.StatusAuthenticationRequired {
			t.Fatalf("3ds complete = %v, %v", sess, err)
		}
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, f *fixture, st store.Store, id string)
	}{
		{"decline", func(t *testing.T, f *fixture, st store.Store, id string) {
			sess, err := f.svc.Complete(ctx, "agent", id, checkout.CompleteInput{Payment: cardPayment("spt_card_decline")}, nil)
			if err != nil || sess.Status == model.StatusCompleted {
				t.Fatalf("declined complete = %v, %v", sess, err)
			}
		}},
		{"cancel", func(t *testing.T, f *fixture, st store.Store, id string) {
			threeDS(t, f, id)
			wantCodeLevel(t, st, 1, 1, 0)
			if left, _, _ := stock.UsesLeft(ctx, st, limitedCode); left != 0 {
				t.Fatalf("uses left while held = %d, want 0", left)
			}
			if _, err := f.svc.Cancel(ctx, "agent", id, checkout.CancelInput{}, nil); err != nil {
				t.Fatalf("Cancel() = %v", err)
			}
		}},
		{"expiry", func(t *testing.T, f *fixture, st store.Store, id string) {
			threeDS(t, f, id)
			f.clock.Advance(7 * time.Hour) // past the 6 h lifetime
			if n, err := f.svc.ReleaseLapsedHolds(ctx, 10); err != nil || n != 1 {
				t.Fatalf("ReleaseLapsedHolds() = %d, %v; want 1", n, err)
			}
		}},
	} {
		for _, kind := range stores {
			t.Run(tc.name+"/"+kind.name, func(t *testing.T) {
				t.Parallel()
				st := kind.open(t)
				f := codeFixture(t, st, 1)
				tc.run(t, f, st, sessionWithCode(t, f, st))
				wantCodeLevel(t, st, 1, 0, 0)
				// The use given back is there for the next buyer.
				sess, err := f.svc.Complete(ctx, "agent", sessionWithCode(t, f, st), checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
				if err != nil || sess.Status != model.StatusCompleted {
					t.Fatalf("next complete = %v, %v", sess, err)
				}
				wantCodeLevel(t, st, 0, 0, 1)
			})
		}
	}
	for _, kind := range stores {
		t.Run("unknown outcome/"+kind.name, func(t *testing.T) {
			t.Parallel()
			unknownOutcome(t, kind.open(t))
		})
	}
}

// unknownOutcome: an attempt whose payment outcome is unknown (the
// process may have crashed) keeps its use past the session's expiry; its
// resolution consumes it.
func unknownOutcome(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	f := codeFixture(t, st, 1)
	id := sessionWithCode(t, f, st)
	f.flaky.failures = 1
	pay := checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"}
	if _, err := f.svc.Complete(ctx, "agent", id, checkout.CompleteInput{Payment: pay}, nil); err == nil {
		t.Fatal("Complete() with an unreachable processor succeeded")
	}
	wantCodeLevel(t, st, 1, 1, 0)
	f.clock.Advance(7 * time.Hour)
	if n, err := f.svc.ReleaseLapsedHolds(ctx, 10); err != nil || n != 0 {
		t.Fatalf("ReleaseLapsedHolds() = %d, %v; want 0 (the outcome is unknown)", n, err)
	}
	done, err := f.svc.Reconcile(ctx, id, "")
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Reconcile() = %v, %v", done, err)
	}
	wantCodeLevel(t, st, 0, 0, 1)
}

// pluginCodes stands for a catalog plugin counting its codes' uses: it
// holds one use of each code in ReserveRequest.DiscountCodes (any other
// code is unlimited) and records each Reserve's codes, by key.
type pluginCodes struct {
	mu    sync.Mutex
	left  map[string]int64
	held  map[string][]string
	asked map[string][]string
	// loseAnswer holds the uses, then fails as if the answer were lost
	// (the plugin or the host crashed before the host recorded it).
	loseAnswer bool
}

func (p *pluginCodes) Reserve(_ context.Context, req *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked[req.Key] = req.DiscountCodes
	if _, ok := p.held[req.Key]; ok {
		return &catalog.ReserveResponse{Held: true}, nil
	}
	var short []catalog.Shortfall
	for _, c := range req.DiscountCodes {
		if left, ok := p.left[c]; ok && left == 0 {
			short = append(short, catalog.Shortfall{SKU: "discount:" + c, Available: 0})
		}
	}
	if len(short) > 0 {
		return &catalog.ReserveResponse{Shortfalls: short}, nil
	}
	for _, c := range req.DiscountCodes {
		if _, ok := p.left[c]; ok {
			p.left[c]--
		}
	}
	p.held[req.Key] = req.DiscountCodes
	if p.loseAnswer {
		return nil, acp.Retryable(errors.New("answer lost"))
	}
	return &catalog.ReserveResponse{Held: true}, nil
}

func (p *pluginCodes) Commit(_ context.Context, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.held, key)
	return nil
}

func (p *pluginCodes) Release(_ context.Context, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.held[key] {
		if _, ok := p.left[c]; ok {
			p.left[c]++
		}
	}
	delete(p.held, key)
	return nil
}

func (p *pluginCodes) usesLeft(code string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.left[code]
}

// TestPluginDiscountUses: with a catalog plugin holding the stock, the
// code's use is held on the attempt's Reserve key (DiscountCodes, in
// lower case), given back on a decline and consumed by the order; a code
// with no use left (a "discount:" shortfall) re-prices the session
// without it and nothing is charged. The plugin is an in-process double
// of catalog.StockReservations.
func TestPluginDiscountUses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := &pluginCodes{left: map[string]int64{"save10": 1}, held: map[string][]string{}, asked: map[string][]string{}}
	st := stores[0].open(t)
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Store, o.PluginStock, o.PluginStockProvider = st, p, "catalog"
		o.Capabilities.Discounts = promotion.New(save10(1), nil) // the plugin counts the uses
	})

	declined := sessionWithCode(t, f, st)
	if sess, err := f.svc.Complete(ctx, "agent", declined, checkout.CompleteInput{Payment: cardPayment("spt_card_decline")}, nil); err != nil || sess.Status == model.StatusCompleted {
		t.Fatalf("declined complete = %v, %v", sess, err)
	}
	if got := p.asked[declined+":attempt:1"]; !slices.Equal(got, []string{"save10"}) {
		t.Fatalf("Reserve's DiscountCodes = %q, want [save10]", got)
	}
	if left := p.usesLeft("save10"); left != 1 {
		t.Fatalf("uses left after the decline = %d, want 1", left)
	}

	first := sessionWithCode(t, f, st)
	second := sessionWithCode(t, f, st)
	if sess, err := f.svc.Complete(ctx, "agent", first, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err != nil || sess.Status != model.StatusCompleted || !hasCode(sess) {
		t.Fatalf("first complete = %v, %v", sess, err)
	}
	if left := p.usesLeft("save10"); left != 0 {
		t.Fatalf("uses left after the order = %d, want 0", left)
	}
	sess, err := f.svc.Complete(ctx, "agent", second, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil {
		t.Fatalf("second complete: %v", err)
	}
	wantSpent(t, sess)
	if got := f.sandbox.Charges(); got != 1 {
		t.Fatalf("charges = %d, want 1", got)
	}
	if holds := f.holds(t); len(holds) != 0 {
		t.Fatalf("holds left: %+v", holds)
	}
}

// TestPluginDiscountUseInDoubt: a Reserve whose answer was lost leaves
// the hold in doubt with the use taken at the plugin; once its owner is
// dead the resolver releases the key, and the use comes back.
func TestPluginDiscountUseInDoubt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := &pluginCodes{left: map[string]int64{"save10": 1}, held: map[string][]string{}, asked: map[string][]string{}, loseAnswer: true}
	st := stores[0].open(t)
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Store, o.PluginStock, o.PluginStockProvider = st, p, "catalog"
		o.Capabilities.Discounts = promotion.New(save10(1), nil) // the plugin counts the uses
	})
	id := sessionWithCode(t, f, st)
	if _, err := f.svc.Complete(ctx, "agent", id, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil); err == nil {
		t.Fatal("Complete() with the answer lost succeeded")
	}
	if left := p.usesLeft("save10"); left != 0 {
		t.Fatalf("uses left while in doubt = %d, want 0", left)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		r, err := tx.Reservation(id)
		if err != nil {
			return err
		}
		if r.State != model.HoldInDoubt || !slices.Contains(r.SKUs(), "discount:save10") {
			t.Errorf("hold = %+v, want in doubt with discount:save10", r)
		}
		r.Owner = "replica-dead"
		return tx.PutReservation(r)
	}); err != nil {
		t.Fatal(err)
	}
	dead := func(context.Context, string) (bool, error) { return false, nil }
	if n, err := f.svc.ResolvePluginHolds(ctx, 10, dead); err != nil || n != 1 {
		t.Fatalf("ResolvePluginHolds() = %d, %v; want 1", n, err)
	}
	if left := p.usesLeft("save10"); left != 1 {
		t.Fatalf("uses left after the resolver = %d, want 1", left)
	}
	if got := f.sandbox.Charges(); got != 0 {
		t.Fatalf("charges = %d, want 0", got)
	}
}
