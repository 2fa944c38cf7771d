package acpplugin

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/acp-sidecar/acp/sdk/catalog"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
	pb "github.com/acp-sidecar/acp/sdk/internal/pb/acp/plugin/v1"
	"github.com/acp-sidecar/acp/sdk/shipping"
	"github.com/acp-sidecar/acp/sdk/tax"
)

// stub implements every capability interface.
type stub struct{}

func (stub) ResolveItems(context.Context, *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	return nil, nil
}

func (stub) PlaceOrder(context.Context, *fulfillment.PlaceOrderRequest) (*fulfillment.PlaceOrderResponse, error) {
	return nil, nil
}

func (stub) CancelOrder(context.Context, *fulfillment.CancelOrderRequest) error { return nil }

func (stub) Evaluate(context.Context, *catalog.DiscountRequest) (*catalog.DiscountResponse, error) {
	return &catalog.DiscountResponse{}, nil
}

func (stub) Reserve(context.Context, *catalog.ReserveRequest) (*catalog.ReserveResponse, error) {
	return &catalog.ReserveResponse{}, nil
}

func (stub) Commit(context.Context, string) error { return nil }

func (stub) Release(context.Context, string) error { return nil }

func (stub) ListProducts(context.Context, *catalog.ListProductsRequest) (*catalog.ListProductsResponse, error) {
	return &catalog.ListProductsResponse{}, nil
}

type quoteStub struct{}

func (quoteStub) Quote(context.Context, *tax.QuoteRequest) (*tax.QuoteResponse, error) {
	return nil, nil
}

type shippingStub struct{}

func (shippingStub) Quote(context.Context, *shipping.QuoteRequest) (*shipping.QuoteResponse, error) {
	return nil, nil
}

func TestServeOpts(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		opts             ServeOpts
		wantCapabilities []string
		wantErr          string
	}{
		"no name":       {opts: ServeOpts{Catalog: stub{}}, wantCapabilities: []string{"catalog"}, wantErr: "ServeOpts.Name is empty"},
		"no capability": {opts: ServeOpts{Name: "csv"}, wantErr: `plugin "csv" serves no capability`},
		"catalog":       {opts: ServeOpts{Name: "csv", Catalog: stub{}}, wantCapabilities: []string{"catalog"}},
		"tax":           {opts: ServeOpts{Name: "t", Tax: quoteStub{}}, wantCapabilities: []string{"tax"}},
		"shipping":      {opts: ServeOpts{Name: "s", Shipping: shippingStub{}}, wantCapabilities: []string{"shipping"}},
		"fulfillment":   {opts: ServeOpts{Name: "f", Fulfillment: stub{}}, wantCapabilities: []string{"fulfillment"}},
		"fixed order": {
			opts: ServeOpts{Name: "all", Fulfillment: stub{}, Shipping: shippingStub{}, Tax: quoteStub{}, Listing: stub{},
				Discounts: stub{}, StockReservations: stub{}, Catalog: stub{}},
			wantCapabilities: []string{"catalog", "catalog.stock_reservations", "catalog.discounts", "catalog.listing", "tax", "shipping", "fulfillment"},
		},
		"discounts extend the catalog": {
			opts:             ServeOpts{Name: "promos", Catalog: stub{}, Discounts: stub{}, Tax: quoteStub{}},
			wantCapabilities: []string{"catalog", "catalog.discounts", "tax"},
		},
		"discounts without a catalog": {
			opts:             ServeOpts{Name: "promos", Discounts: stub{}, Tax: quoteStub{}},
			wantCapabilities: []string{"tax"},
			wantErr:          "Discounts extends the catalog capability",
		},
		"listing extends the catalog": {
			opts:             ServeOpts{Name: "feed", Catalog: stub{}, Listing: stub{}, Tax: quoteStub{}},
			wantCapabilities: []string{"catalog", "catalog.listing", "tax"},
		},
		"listing without a catalog": {
			opts:             ServeOpts{Name: "feed", Listing: stub{}, Tax: quoteStub{}},
			wantCapabilities: []string{"tax"},
			wantErr:          "Listing extends the catalog capability",
		},
		"gaps keep the order": {
			opts:             ServeOpts{Name: "some", Fulfillment: stub{}, Tax: quoteStub{}},
			wantCapabilities: []string{"tax", "fulfillment"},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.wantCapabilities, tc.opts.Capabilities()); diff != "" {
				t.Errorf("Capabilities() mismatch (-want +got):\n%s", diff)
			}
			err := tc.opts.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tc.wantErr)
			}
			if _, perr := tc.opts.provider(); (perr == nil) != (err == nil) {
				t.Errorf("provider() = %v, Validate() = %v", perr, err)
			}
		})
	}
}

func TestProvider(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	p, err := ServeOpts{
		Name: "csv", Version: "1.2.3", ConfigSchema: `{"type":"object"}`,
		Catalog: stub{}, Fulfillment: stub{}, Logger: newLogger(&logs, slog.LevelDebug),
	}.provider()
	if err != nil {
		t.Fatal(err)
	}
	want := &pb.GetInfoResponse{
		Name: "csv", Version: "1.2.3", SdkVersion: SDKVersion, ProtocolMinor: ProtocolMinor,
		Capabilities: []string{"catalog", "fulfillment"}, ConfigSchema: `{"type":"object"}`,
	}
	if diff := cmp.Diff(want, p.Info, protocmp.Transform()); diff != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", diff)
	}
	if p.Catalog == nil || p.Fulfillment == nil || p.Tax != nil || p.Shipping != nil {
		t.Errorf("provider capabilities = %+v", p)
	}
	p.OnPanic("/acp.plugin.v1.CatalogService/ResolveItems", "boom", []byte("stack"))
	line := decodeLine(t, logs.Bytes())
	delete(line, "@timestamp")
	wantLine := map[string]any{"@message": "handler panicked", "@level": "error",
		"method": "/acp.plugin.v1.CatalogService/ResolveItems", "panic": "boom", "stack": "stack"}
	if diff := cmp.Diff(wantLine, line); diff != "" {
		t.Errorf("panic log mismatch (-want +got):\n%s", diff)
	}
}

// TestHostGone: the plugin notices its host is gone when its parent
// changes, and also when the host (EnvHostPID) died before the plugin
// first looked at its parent; a live host that is not the parent (a
// wrapper script started the plugin) keeps it running.
func TestHostGone(t *testing.T) {
	t.Parallel()
	running := func(pids ...int) func(int) bool {
		return func(pid int) bool { return slices.Contains(pids, pid) }
	}
	for name, tc := range map[string]struct {
		first, now, host int
		runs             func(int) bool
		want             bool
	}{
		"the host is the parent":                     {first: 100, now: 100, host: 100, runs: running(100), want: false},
		"the parent changed":                         {first: 100, now: 1, host: 100, runs: running(), want: true},
		"the host died before the parent was read":   {first: 1, now: 1, host: 100, runs: running(), want: true},
		"reparented to a subreaper before the check": {first: 50, now: 50, host: 100, runs: running(50), want: true},
		"a wrapper started it; the host runs":        {first: 50, now: 50, host: 100, runs: running(50, 100), want: false},
		"no host pid and init is the parent":         {first: 1, now: 1, host: 0, runs: running(), want: false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := hostGone(tc.first, tc.now, tc.host, tc.runs); got != tc.want {
				t.Errorf("hostGone(%d, %d, %d) = %v, want %v", tc.first, tc.now, tc.host, got, tc.want)
			}
		})
	}
}

// TestProcessRuns: a process that ran and was reaped does not run; this
// one does.
func TestProcessRuns(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Log("signal 0 is a Unix check")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if processRuns(cmd.Process.Pid) {
		t.Errorf("processRuns(%d) of a finished process = true", cmd.Process.Pid)
	}
	if !processRuns(os.Getpid()) {
		t.Error("processRuns(own pid) = false")
	}
}
