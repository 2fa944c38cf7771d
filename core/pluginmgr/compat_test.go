package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/core/internal/clocktest"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/acpplugin"
	"github.com/acp-sidecar/acp/sdk/acpplugin/client"
)

// TestTodaysPluginOnAFutureHost: a plugin built with this SDK, announcing
// only today's capabilities at today's protocol minor, runs against a host
// that knows one optional capability more (sdk/proto/CAPABILITIES.md). The
// future host is simulated by calling the supervisor as that capability's
// wrapper would. The plugin is not called for what it does not announce,
// the caller gets acp.ErrNotOffered, and neither that nor an RPC answered
// UNIMPLEMENTED counts as an outage: the circuit, which here opens at the
// first outage, stays closed, nothing restarts, and the catalog serves on.
func TestTodaysPluginOnAFutureHost(t *testing.T) {
	t.Parallel()
	m := startManager(t, Options{Plugins: []Spec{spec(func(s *Spec) { s.CircuitFailures = 1 })}})
	if info := m.Status()[0].Info; info.ProtocolMinor != acpplugin.ProtocolMinor || !cmp.Equal(info.Capabilities, []string{acpplugin.CapabilityCatalog}) {
		t.Fatalf("the test plugin announces %v at minor %d, want only today's catalog at %d", info.Capabilities, info.ProtocolMinor, acpplugin.ProtocolMinor)
	}
	sv := m.byName["t"]
	ctx := context.Background()
	const future = "catalog.listing"
	for range 3 {
		err := sv.call(ctx, future, "catalog.ListItems", true, func(context.Context, *client.Plugin) error {
			t.Error("the host called a capability the plugin does not announce")
			return nil
		})
		if !errors.Is(err, acp.ErrNotOffered) || !strings.Contains(err.Error(), future) {
			t.Fatalf("a capability not announced = %v, want acp.ErrNotOffered naming it", err)
		}
	}
	// What the SDK's client returns for an RPC answered UNIMPLEMENTED
	// (tested over gRPC in sdk/acpplugin/client): an answer, not retried.
	calls := 0
	for range 3 {
		err := sv.call(ctx, acpplugin.CapabilityCatalog, "catalog.ListItems", true, func(context.Context, *client.Plugin) error {
			calls++
			return fmt.Errorf("%w: unknown service acp.plugin.v1.ListingService", acp.ErrNotOffered)
		})
		if !errors.Is(err, acp.ErrNotOffered) {
			t.Fatalf("an RPC answered UNIMPLEMENTED = %v, want acp.ErrNotOffered", err)
		}
	}
	if calls != 3 {
		t.Errorf("3 calls answered UNIMPLEMENTED reached the plugin %d times, want 3 (no retry)", calls)
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
// plugin's health (the plugin was not even called for a capability it does
// not announce), so it neither resets the count of outages in a row nor
// closes a half-open circuit as its trial call.
func TestNotOfferedLeavesTheCircuitAlone(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC))
	m := startManager(t, Options{Now: clock.Now, Plugins: []Spec{spec(func(s *Spec) {
		s.CircuitFailures, s.CircuitCooldown = 2, time.Minute
	})}})
	sv := m.byName["t"]
	notOffered := func() {
		t.Helper()
		err := sv.call(context.Background(), "catalog.listing", "catalog.ListItems", true, func(context.Context, *client.Plugin) error {
			t.Error("the host called a capability the plugin does not announce")
			return nil
		})
		if !errors.Is(err, acp.ErrNotOffered) {
			t.Fatalf("a capability not announced = %v, want acp.ErrNotOffered", err)
		}
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
	notOffered()
	outage()
	wantOpen("after outage, not offered, outage")

	clock.Advance(2 * time.Minute)
	notOffered() // admitted as the half-open circuit's trial call
	outage()     // the real trial call, which fails
	wantOpen("after a failed trial call that followed a call not offered")
}
