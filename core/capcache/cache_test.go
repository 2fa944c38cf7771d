package capcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// fakeTax is a tax plugin that counts its calls and answers what answer
// says, 10 % of each line, with the MaxAge maxAge gives.
type fakeTax struct {
	calls  atomic.Int64
	maxAge time.Duration
	fail   atomic.Bool
	during func() // called inside each call, when set
}

func (f *fakeTax) Quote(_ context.Context, req *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	f.calls.Add(1)
	if f.during != nil {
		f.during()
	}
	if f.fail.Load() {
		return nil, errors.New("tax backend down")
	}
	resp := &tax.QuoteResponse{MaxAge: f.maxAge, Fulfillment: req.Fulfillment / 10,
		Breakdown: []tax.Jurisdiction{{Name: "US-CA", Rate: 0.1}}, Messages: acp.Messages{{Type: acp.MessageInfo, Content: "taxed"}}}
	for _, l := range req.Lines {
		resp.Lines = append(resp.Lines, tax.LineTax{ID: l.ID, Amount: l.Amount / 10})
		resp.Breakdown[0].Amount += l.Amount / 10
	}
	return resp, nil
}

func taxRequest(amount int64) *tax.QuoteRequest {
	return &tax.QuoteRequest{Currency: "usd", Destination: &acp.Address{Country: "US", State: "CA"}, Fulfillment: 500,
		Lines: []tax.Line{{ID: "li_1", Amount: amount}}}
}

// kept returns how many answers of plugin c keeps, expired ones included
// until they are looked up or pushed out.
func kept(c *Cache, plugin string) int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, a := range c.pluginLocked(plugin).rpcs {
		n += a.order.Len()
	}
	return n
}

// countOf reads acp_plugin_cache_requests_total for the labels.
func countOf(t *testing.T, reg *prometheus.Registry, plugin, capability, outcome string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "acp_plugin_cache_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["plugin"] == plugin && labels["capability"] == capability && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestKeep: what is kept, for how long, and what the metric counts. Each
// step asks for a request (by its amount) after the clock moved, and says
// whether the plugin was called.
func TestKeep(t *testing.T) {
	t.Parallel()
	type step struct {
		advance time.Duration
		amount  int64
		fail    bool
		called  bool
	}
	tests := []struct {
		name   string
		maxAge time.Duration
		steps  []step
		// hits, misses, uncacheable are the metric's counts at the end.
		hits, misses, uncacheable float64
	}{
		{name: "kept for its MaxAge", maxAge: time.Minute, steps: []step{
			{amount: 1000, called: true}, {advance: 59 * time.Second, amount: 1000}, {advance: time.Second, amount: 1000, called: true},
		}, hits: 1, misses: 2},
		{name: "a different request is asked", maxAge: time.Minute, steps: []step{
			{amount: 1000, called: true}, {amount: 1001, called: true}, {amount: 1000}, {amount: 1001},
		}, hits: 2, misses: 2},
		{name: "capped at the ceiling", maxAge: 24 * time.Hour, steps: []step{
			{amount: 1000, called: true}, {advance: DefaultCeiling - time.Nanosecond, amount: 1000}, {advance: time.Nanosecond, amount: 1000, called: true},
		}, hits: 1, misses: 2},
		{name: "no MaxAge is never kept", maxAge: 0, steps: []step{
			{amount: 1000, called: true}, {amount: 1000, called: true},
		}, uncacheable: 2},
		{name: "a negative MaxAge is never kept", maxAge: -time.Minute, steps: []step{
			{amount: 1000, called: true}, {amount: 1000, called: true},
		}, uncacheable: 2},
		{name: "a failure is never kept", maxAge: time.Minute, steps: []step{
			{amount: 1000, fail: true, called: true}, {amount: 1000, called: true}, {amount: 1000},
		}, hits: 1, misses: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := clocktest.New(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
			reg := prometheus.NewRegistry()
			c := New(Options{Now: clock.Now, Registerer: reg})
			plugin := &fakeTax{maxAge: tc.maxAge}
			cached := c.Tax("tax", plugin)
			for i, s := range tc.steps {
				clock.Advance(s.advance)
				plugin.fail.Store(s.fail)
				before := plugin.calls.Load()
				resp, err := cached.Quote(context.Background(), taxRequest(s.amount))
				if called := plugin.calls.Load() > before; called != s.called {
					t.Errorf("step %d: plugin called = %v, want %v", i, called, s.called)
				}
				if s.fail {
					if err == nil {
						t.Errorf("step %d: a failing plugin's error was not returned", i)
					}
					continue
				}
				want, _ := (&fakeTax{maxAge: tc.maxAge}).Quote(context.Background(), taxRequest(s.amount))
				if err != nil || !cmp.Equal(resp, want) {
					t.Errorf("step %d: Quote = %+v, %v; want %+v", i, resp, err, want)
				}
			}
			for outcome, want := range map[string]float64{outcomeHit: tc.hits, outcomeMiss: tc.misses, outcomeUncacheable: tc.uncacheable} {
				if got := countOf(t, reg, "tax", "tax", outcome); got != want {
					t.Errorf("acp_plugin_cache_requests_total{outcome=%q} = %v, want %v", outcome, got, want)
				}
			}
		})
	}
}

// TestBound: an RPC keeps at most Entries answers, and the least recently
// used goes first.
func TestBound(t *testing.T) {
	t.Parallel()
	c := New(Options{Entries: 3})
	plugin := &fakeTax{maxAge: time.Minute}
	cached := c.Tax("tax", plugin)
	ask := func(amount int64) bool {
		t.Helper()
		before := plugin.calls.Load()
		if _, err := cached.Quote(context.Background(), taxRequest(amount)); err != nil {
			t.Fatal(err)
		}
		return plugin.calls.Load() > before
	}
	for _, a := range []int64{1, 2, 3} {
		ask(a)
	}
	if n := kept(c, "tax"); n != 3 {
		t.Fatalf("Len = %d, want 3", n)
	}
	ask(1) // 1 is now the most recently used; 2 the least
	if !ask(4) {
		t.Fatal("a fourth request was not asked")
	}
	if n := kept(c, "tax"); n != 3 {
		t.Errorf("Len after a fourth answer = %d, want the bound, 3", n)
	}
	for _, tc := range []struct {
		amount int64
		asked  bool
	}{{1, false}, {3, false}, {4, false}, {2, true}} {
		if got := ask(tc.amount); got != tc.asked {
			t.Errorf("request %d asked again = %v, want %v", tc.amount, got, tc.asked)
		}
	}
}

// TestPluginsAndRPCsApart: answers are kept per plugin and per RPC; a
// Forget drops one plugin's only.
func TestPluginsAndRPCsApart(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	a, b := &fakeTax{maxAge: time.Minute}, &fakeTax{maxAge: time.Minute}
	ship := shipping.Func(func(context.Context, *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		return &shipping.QuoteResponse{MaxAge: time.Minute}, nil
	})
	ctx := context.Background()
	for range 2 {
		_, _ = c.Tax("a", a).Quote(ctx, taxRequest(1))
		_, _ = c.Tax("b", b).Quote(ctx, taxRequest(1))
		_, _ = c.Shipping("a", ship).Quote(ctx, &shipping.QuoteRequest{Currency: "usd"})
	}
	if a.calls.Load() != 1 || b.calls.Load() != 1 {
		t.Fatalf("calls a=%d b=%d, want 1 each: a plugin answered for another", a.calls.Load(), b.calls.Load())
	}
	if kept(c, "a") != 2 || kept(c, "b") != 1 {
		t.Fatalf("Len a=%d b=%d, want 2 (tax and shipping) and 1", kept(c, "a"), kept(c, "b"))
	}
	c.Forget("a")
	if kept(c, "a") != 0 || kept(c, "b") != 1 {
		t.Fatalf("after Forget(a): Len a=%d b=%d, want 0 and 1", kept(c, "a"), kept(c, "b"))
	}
	_, _ = c.Tax("a", a).Quote(ctx, taxRequest(1))
	_, _ = c.Tax("b", b).Quote(ctx, taxRequest(1))
	if a.calls.Load() != 2 || b.calls.Load() != 1 {
		t.Errorf("after Forget(a): calls a=%d b=%d, want 2 and 1", a.calls.Load(), b.calls.Load())
	}
}

// TestForgetDuringACall: an answer asked for before a Forget (the plugin
// restarted meanwhile) is not kept.
func TestForgetDuringACall(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	plugin := &fakeTax{maxAge: time.Minute}
	var once sync.Once
	plugin.during = func() { once.Do(func() { c.Forget("tax") }) }
	cached := c.Tax("tax", plugin)
	for range 3 {
		if _, err := cached.Quote(context.Background(), taxRequest(1)); err != nil {
			t.Fatal(err)
		}
	}
	if got := plugin.calls.Load(); got != 2 {
		t.Errorf("plugin called %d times, want 2: the answer of the call the restart overtook is not kept, the next one is", got)
	}
}

// TestCopiesIndependent: what a caller does to its answer changes neither
// the kept answer nor another caller's, and the plugin's own answer is
// not the one kept.
func TestCopiesIndependent(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	var served *shipping.QuoteResponse
	plugin := shipping.Func(func(context.Context, *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
		served = &shipping.QuoteResponse{MaxAge: time.Minute, Options: []shipping.Option{{
			ID: "std", LineIDs: []string{"li_1"}, Amount: 500, EarliestDelivery: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC),
			Pickup: &shipping.PickupLocation{Name: "Shop", Address: acp.Address{Country: "US"}},
		}}, Messages: acp.Messages{{Type: acp.MessageInfo, Content: "fine"}}}
		return served, nil
	})
	want := func() *shipping.QuoteResponse {
		r, _ := plugin.Quote(context.Background(), nil)
		return r
	}()
	cached := c.Shipping("shipping", plugin)
	req := &shipping.QuoteRequest{Currency: "usd"}
	spoil := func(r *shipping.QuoteResponse) {
		r.Options[0].LineIDs[0] = "li_spoiled"
		r.Options[0].Pickup.Name = "spoiled"
		r.Options[0].Amount = -1
		r.Messages[0].Content = "spoiled"
		r.Options = append(r.Options, shipping.Option{ID: "extra"})
	}
	first, err := cached.Quote(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	spoil(first)  // the miss's answer
	spoil(served) // the plugin's own, should it hold on to it
	second, err := cached.Quote(context.Background(), req)
	if err != nil || !cmp.Equal(second, want) {
		t.Fatalf("hit after spoiling the miss = %+v, %v; want %+v", second, err, want)
	}
	spoil(second)
	third, err := cached.Quote(context.Background(), req)
	if err != nil || !cmp.Equal(third, want) {
		t.Errorf("hit after spoiling a hit = %+v, %v; want %+v", third, err, want)
	}
}

// TestConcurrent hits, misses, expiries and Forgets from many goroutines
// at once (run with -race): every caller gets the right answer, and
// changes its own copy freely.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	c := New(Options{Now: clock.Now, Entries: 8})
	plugins := map[string]*fakeTax{"kept": {maxAge: time.Minute}, "never": {maxAge: 0}}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 300 {
				name := "kept"
				if g%4 == 0 {
					name = "never"
				}
				amount := int64(1000 + (g*7+i)%12) // 12 requests, more than the bound
				resp, err := c.Tax(name, plugins[name]).Quote(context.Background(), taxRequest(amount))
				if err != nil {
					t.Error(err)
					return
				}
				if len(resp.Lines) != 1 || resp.Lines[0].Amount != amount/10 || resp.Breakdown[0].Amount != amount/10 {
					t.Errorf("Quote(%d) = %+v: another request's answer", amount, resp)
					return
				}
				resp.Lines[0].Amount = -1 // each caller's own copy
				resp.Breakdown[0].Name = "spoiled"
				switch {
				case i%50 == 0:
					c.Forget(name)
				case i%30 == 0:
					clock.Advance(10 * time.Second)
				}
			}
		})
	}
	wg.Wait()
	if kept, never := plugins["kept"].calls.Load(), plugins["never"].calls.Load(); kept >= 12*300 || never != 4*300 {
		t.Errorf("plugin calls: kept %d (want fewer than the %d requests), never %d (want every one of its %d)", kept, 12*300, never, 4*300)
	}
}

// TestNilCache: a nil cache hands the capability back untouched.
func TestNilCache(t *testing.T) {
	t.Parallel()
	var c *Cache
	plugin := &fakeTax{maxAge: time.Minute}
	if got := c.Tax("tax", plugin); got != tax.Tax(plugin) {
		t.Errorf("nil cache's Tax = %T, want the plugin itself", got)
	}
	c.Forget("tax")
	if kept(c, "tax") != 0 {
		t.Error("a nil cache keeps something")
	}
}
