package grpcwire

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// gateCatalog answers ResolveItems once n calls are in its handler at the
// same time, or panics for item "panic".
type gateCatalog struct {
	n       int
	mu      sync.Mutex
	arrived int
	all     chan struct{}
}

func (c *gateCatalog) ResolveItems(ctx context.Context, req *catalog.ResolveItemsRequest) (*catalog.ResolveItemsResponse, error) {
	if len(req.Items) > 0 && req.Items[0].ID == "panic" {
		panic("boom")
	}
	c.mu.Lock()
	c.arrived++
	if c.arrived == c.n {
		close(c.all)
	}
	c.mu.Unlock()
	select {
	case <-c.all:
		return &catalog.ResolveItemsResponse{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// serveProvider serves p with the options a plugin process runs with,
// over real gRPC on loopback, and returns the host's end.
func serveProvider(t *testing.T, p *Provider) *Remote {
	t.Helper()
	return serve(t, p.register, p.ServerOptions(nil)...)
}

// TestCallsBeyondTheWorkers: with every stream worker busy, further calls
// are still handled at once, each in a goroutine of its own (the calls
// here answer only when all of them are in their handlers at the same
// time), and a handler's panic on a worker is recovered as before. Run
// with -race.
func TestCallsBeyondTheWorkers(t *testing.T) {
	t.Parallel()
	testCases := map[string]int{
		"fewer calls than workers": streamWorkers / 2,
		"as many as the workers":   streamWorkers,
		"more than the workers":    2*streamWorkers + 3,
	}
	for name, calls := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			gate := &gateCatalog{n: calls, all: make(chan struct{})}
			var panics sync.Map
			r := serveProvider(t, &Provider{Catalog: gate, OnPanic: func(method string, _ any, _ []byte) { panics.Store(method, true) }})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			errs := make(chan error, calls)
			var wg sync.WaitGroup
			for range calls {
				wg.Go(func() {
					_, err := r.Catalog().ResolveItems(ctx, &catalog.ResolveItemsRequest{Currency: "usd"})
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("ResolveItems with %d calls in flight = %v", calls, err)
				}
			}
			_, err := r.Catalog().ResolveItems(ctx, &catalog.ResolveItemsRequest{Currency: "usd", Items: []catalog.ItemRef{{ID: "panic", Quantity: 1}}})
			if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "plugin panicked") {
				t.Errorf("ResolveItems of a panicking handler = %v, want Internal", err)
			}
			if _, ok := panics.Load("/acp.plugin.v1.CatalogService/ResolveItems"); !ok {
				t.Error("the panic was not reported to OnPanic")
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				t.Error("the calls did not all get handled at once")
			}
		})
	}
}
