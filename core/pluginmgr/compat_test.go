package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/internal/clocktest"
	"github.com/acp-sidecar/acp/internal/testkit"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestTodaysPluginOnAFutureHost: a plugin built with this SDK, announcing
// only today's capabilities at today's protocol minor, runs against a host
// that knows one optional capability more (sdk/proto/CAPABILITIES.md). The
// future host is simulated by calling the supervisor as that capability's
// wrapper would. The plugin is not called for what it does not announce,
// the caller gets acp.ErrNotOffered, and that is no outage: the circuit,
// which here opens at the first outage, stays closed, nothing restarts,
// and the catalog serves on. (An RPC answered UNIMPLEMENTED:
// TestRPCAnsweredUnimplemented.)
func TestTodaysPluginOnAFutureHost(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.CircuitFailures = 1 })}})
	if info := m.Status()[0].Info; info.ProtocolMinor != acpplugin.ProtocolMinor || !cmp.Equal(info.Capabilities, []string{acpplugin.CapabilityCatalog}) {
		t.Fatalf("the test plugin announces %v at minor %d, want only today's catalog at %d", info.Capabilities, info.ProtocolMinor, acpplugin.ProtocolMinor)
	}
	sv := m.byName["t"]
	ctx := context.Background()
	const future = "catalog.reviews"
	for range 3 {
		err := sv.call(ctx, future, "catalog.ListReviews", true, func(context.Context, *client.Plugin) error {
			t.Error("the host called a capability the plugin does not announce")
			return nil
		})
		if !errors.Is(err, acp.ErrNotOffered) || !strings.Contains(err.Error(), future) {
			t.Fatalf("a capability not announced = %v, want acp.ErrNotOffered naming it", err)
		}
	}
	if _, err := resolve(m, "mug"); err != nil {
		t.Fatalf("the catalog after calls not offered: %v", err)
	}
	if st := m.Status()[0]; st.State != StateRunning || st.Restarts != 0 {
		t.Errorf("status = %s after %d restarts, want running without one", st.State, st.Restarts)
	}
	// Control: one outage does open this circuit.
	if _, err := resolve(m, "fail"); err == nil {
		t.Fatal("the failing item resolved")
	}
	if _, err := resolve(m, "mug"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a call after one outage = %v, want the circuit open", err)
	}
}

// TestNotOfferedLeavesTheCircuitAlone: "not offered" says nothing of the
// plugin's health, so it neither resets the count of outages in a row nor
// closes a half-open circuit as its trial call. A capability the plugin
// does not announce is not offered even while the circuit is open (the
// plugin is not called for it either way), and the RPC of an unmapped
// capability answered UNIMPLEMENTED does reach the plugin.
func TestNotOfferedLeavesTheCircuitAlone(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC))
	m := startManager(t, Options{Now: clock.Now, Plugins: []Spec{spec(func(s *Spec) {
		// The catalog is announced but not mapped: UNIMPLEMENTED for it is
		// "not offered", as for an optional capability.
		s.Capabilities, s.CircuitFailures, s.CircuitCooldown = nil, 2, time.Minute
	})}})
	sv := m.byName["t"]
	notOffered := func(capability string, fn func(context.Context, *client.Plugin) error) {
		t.Helper()
		if err := sv.call(context.Background(), capability, capability+".Call", true, fn); !errors.Is(err, acp.ErrNotOffered) {
			t.Fatalf("a call to %s not offered = %v, want acp.ErrNotOffered", capability, err)
		}
	}
	notAnnounced := func() {
		t.Helper()
		notOffered("catalog.listing", func(context.Context, *client.Plugin) error {
			t.Error("the host called a capability the plugin does not announce")
			return nil
		})
	}
	unimplemented := func() {
		t.Helper()
		notOffered(acpplugin.CapabilityCatalog, func(context.Context, *client.Plugin) error {
			return fmt.Errorf("%w: unknown method Call for service acp.plugin.v1.CatalogService", acp.ErrNotOffered)
		})
	}
	outage := func() {
		t.Helper()
		if _, err := resolve(m, "fail"); err == nil || errors.Is(err, ErrUnavailable) {
			t.Fatalf("failing call = %v, want the plugin's failure", err)
		}
	}
	wantOpen := func(when string) {
		t.Helper()
		if _, err := resolve(m, "mug"); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "circuit open") {
			t.Errorf("a call %s = %v, want the circuit open", when, err)
		}
	}

	outage()
	notAnnounced()
	unimplemented()
	outage()
	wantOpen("after an outage, two calls not offered and an outage")
	notAnnounced()

	clock.Advance(2 * time.Minute)
	unimplemented() // admitted as the half-open circuit's trial call
	outage()        // the next trial call, which fails
	wantOpen("after a failed trial call that followed a call not offered")
}

// TestRPCAnsweredUnimplemented: what the SDK's client returns for an RPC
// answered UNIMPLEMENTED (tested over gRPC in sdk/internal/grpcwire) is an
// answer, never retried, restarted or counted as an outage. For a
// capability acp.yaml does not map to the plugin (an optional one, as
// the host sees it) it is a quiet "not offered". For a mapped one it is
// the plugin's bug: the plugin announces the capability, and the host
// refused to start it otherwise, but does not implement the RPC. That
// fails the call as an error and is logged, once.
func TestRPCAnsweredUnimplemented(t *testing.T) {
	t.Parallel()
	const rpc = "catalog.ResolveItems"
	testCases := map[string]struct {
		mapped         []string
		wantNotOffered bool
		wantOutcome    string
		wantLogged     int
	}{
		"a capability not mapped to the plugin": {wantNotOffered: true, wantOutcome: outcomeNotOffered},
		"a mapped capability":                   {mapped: []string{acpplugin.CapabilityCatalog}, wantOutcome: outcomeError, wantLogged: 1},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs testkit.Buffer
			reg := prometheus.NewRegistry()
			m := startManager(t, Options{
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Registerer: reg,
				Plugins: []Spec{spec(func(s *Spec) { s.Capabilities, s.CircuitFailures = tc.mapped, 1 })},
			})
			sv := m.byName["t"]
			calls := 0
			for range 3 {
				err := sv.call(context.Background(), acpplugin.CapabilityCatalog, rpc, true, func(context.Context, *client.Plugin) error {
					calls++
					return fmt.Errorf("%w: unknown method ResolveItems for service acp.plugin.v1.CatalogService", acp.ErrNotOffered)
				})
				if err == nil || errors.Is(err, acp.ErrNotOffered) != tc.wantNotOffered || errors.Is(err, ErrUnavailable) {
					t.Fatalf("an RPC answered UNIMPLEMENTED = %v, want acp.ErrNotOffered: %v", err, tc.wantNotOffered)
				}
				if msg := err.Error(); !tc.wantNotOffered && (!strings.Contains(msg, "announces catalog but does not implement RPC "+rpc) || strings.Contains(msg, acp.ErrNotOffered.Error())) {
					t.Errorf("the error = %q, want it to say the plugin announces catalog but does not implement %s, not that it is not offered", err, rpc)
				}
			}
			if calls != 3 {
				t.Errorf("3 calls answered UNIMPLEMENTED reached the plugin %d times, want 3 (no retry)", calls)
			}
			if got := callsCounted(t, reg, rpc); !cmp.Equal(got, map[string]float64{tc.wantOutcome: 3}) {
				t.Errorf("acp_plugin_calls_total for %s by outcome = %v, want %s: 3", rpc, got, tc.wantOutcome)
			}
			logged := 0
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) && strings.Contains(line, "does not implement RPC "+rpc) {
					logged++
				}
			}
			if logged != tc.wantLogged {
				t.Errorf("%d error lines about the unimplemented RPC, want %d:\n%s", logged, tc.wantLogged, logs.String())
			}
			if _, err := resolve(m, "mug"); err != nil {
				t.Fatalf("the catalog afterwards (the circuit opens at one outage): %v", err)
			}
			if st := m.Status()[0]; st.State != StateRunning || st.Restarts != 0 {
				t.Errorf("status = %s after %d restarts, want running without one", st.State, st.Restarts)
			}
		})
	}
}

// callsCounted reads acp_plugin_calls_total for rpc, by outcome.
func callsCounted(t *testing.T, reg *prometheus.Registry, rpc string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "acp_plugin_calls_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["rpc"] == rpc {
				got[labels["outcome"]] += m.GetCounter().GetValue()
			}
		}
	}
	return got
}

// TestCatalogWithoutStockReservations: today's test plugin, a catalog that
// does not announce catalog.stock_reservations, is shown with no stock
// control, and its supervised stock reservations answer
// acp.ErrNotOffered without calling it or counting an outage.
func TestCatalogWithoutStockReservations(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.CircuitFailures = 1 })}})
	if got := m.Status()[0].StockControl; got != "no stock control" {
		t.Errorf("StockControl = %q, want %q", got, "no stock control")
	}
	if m.Announces("t", acpplugin.CapabilityStockReservations) {
		t.Error("Announces(stock reservations) = true for a plugin that does not")
	}
	_, err := m.StockReservations("t").Reserve(context.Background(), &catalog.ReserveRequest{Key: "k", ExpiresAt: time.Now().Add(time.Hour)})
	if !errors.Is(err, acp.ErrNotOffered) {
		t.Fatalf("Reserve = %v, want acp.ErrNotOffered", err)
	}
	if _, err := resolve(m, "mug"); err != nil {
		t.Errorf("the catalog after a call not offered: %v", err)
	}
}

// TestCatalogWithoutDiscounts: today's test plugin, a catalog that does
// not announce catalog.discounts (as a plugin of minor 1.2 does not), gets
// acp.ErrNotOffered from its supervised discounts without being called or
// counting an outage, and its catalog serves on.
func TestCatalogWithoutDiscounts(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.CircuitFailures = 1 })}})
	if m.Announces("t", acpplugin.CapabilityDiscounts) {
		t.Error("Announces(discounts) = true for a plugin that does not")
	}
	for range 2 {
		_, err := m.Discounts("t").Evaluate(context.Background(), &catalog.DiscountRequest{Currency: "usd", Codes: []string{"TAKE100"}})
		if !errors.Is(err, acp.ErrNotOffered) {
			t.Fatalf("Evaluate = %v, want acp.ErrNotOffered", err)
		}
	}
	if _, err := resolve(m, "mug"); err != nil {
		t.Errorf("the catalog after calls not offered: %v", err)
	}
}

// TestDiscountsServed: a plugin's discounts reach the caller through the
// supervisor as the plugin answered them.
func TestDiscountsServed(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.Args = []string{"discounts"} })}})
	if !m.Announces("t", acpplugin.CapabilityDiscounts) {
		t.Fatal("the test plugin run with discounts does not announce them")
	}
	req := &catalog.DiscountRequest{Currency: "usd", Codes: []string{"TAKE100", "nope"},
		Lines: []catalog.DiscountLine{{ID: "li_1", ItemID: "mug", Quantity: 1, UnitPrice: 250, Subtotal: 250}}}
	resp, err := m.Discounts("t").Evaluate(context.Background(), req)
	if err != nil || len(resp.Applied) != 1 || resp.Applied[0].Amount != 100 || len(resp.Rejected) != 1 || resp.Rejected[0].Code != "nope" {
		t.Fatalf("Evaluate = %+v, %v; want TAKE100 applied (100) and nope rejected", resp, err)
	}
	if err := catalog.CheckDiscounts(req, resp); err != nil {
		t.Errorf("the answer breaks the rules: %v", err)
	}
}

// TestCatalogWithoutListing: today's test plugin, a catalog that does not
// announce catalog.listing (as a plugin of minor 1.3 does not), gets
// acp.ErrNotOffered from its supervised listing without being called or
// counting an outage (the metric counts it as not offered), and its
// catalog serves on.
func TestCatalogWithoutListing(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := startManager(t, Options{Registerer: reg, Plugins: []Spec{spec(func(s *Spec) { s.CircuitFailures = 1 })}})
	if m.Announces("t", acpplugin.CapabilityListing) {
		t.Error("Announces(listing) = true for a plugin that does not")
	}
	for range 2 {
		_, err := m.Listing("t").ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
		if !errors.Is(err, acp.ErrNotOffered) {
			t.Fatalf("ListProducts = %v, want acp.ErrNotOffered", err)
		}
	}
	if got := callsCounted(t, reg, "catalog.ListProducts"); !cmp.Equal(got, map[string]float64{outcomeNotOffered: 2}) {
		t.Errorf("acp_plugin_calls_total for catalog.ListProducts by outcome = %v, want %s: 2", got, outcomeNotOffered)
	}
	if _, err := resolve(m, "mug"); err != nil {
		t.Errorf("the catalog after calls not offered: %v", err)
	}
	if st := m.Status()[0]; st.State != StateRunning || st.Restarts != 0 {
		t.Errorf("status = %s after %d restarts, want running without one", st.State, st.Restarts)
	}
}

// TestListingServed: a plugin's listing reaches the caller through the
// supervisor as the plugin answered it, change token included.
func TestListingServed(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.Args = []string{"listing"} })}})
	if !m.Announces("t", acpplugin.CapabilityListing) {
		t.Fatal("the test plugin run with listing does not announce it")
	}
	resp, err := m.Listing("t").ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", PageSize: 10})
	if err != nil || len(resp.Products) != 1 || resp.Products[0].ID != "mug" || resp.Products[0].Variants[0].Item.ProductID != "mug" || resp.ChangeToken != "1" {
		t.Fatalf("ListProducts = %+v, %v; want the mug at change token 1", resp, err)
	}
	again, err := m.Listing("t").ListProducts(context.Background(), &catalog.ListProductsRequest{Currency: "usd", PageSize: 10, Since: resp.ChangeToken})
	if err != nil || !again.Changes || len(again.Products) != 0 {
		t.Errorf("ListProducts since the last token = %+v, %v; want no changes", again, err)
	}
}
