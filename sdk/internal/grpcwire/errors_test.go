package grpcwire

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// wireError is what the host can see of a plugin's *acp.Error.
type wireError struct {
	Source    acp.ErrorSource
	Retryable bool
	Reason    string
	Message   string
}

func TestStatusRoundTrip(t *testing.T) {
	t.Parallel()
	base := errors.New("connection refused")
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	expired, stop := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer stop()
	testCases := map[string]struct {
		ctx      context.Context // the call's context; nil: a live one
		err      error
		wantCode codes.Code
		want     *wireError // nil: the host gets a status error, not an *acp.Error
	}{
		"plain error is a plugin failure, not retryable": {
			err: base, wantCode: codes.Unknown,
			want: &wireError{Source: acp.SourcePlugin, Message: "plugin failure: connection refused"},
		},
		"downstream": {
			err: acp.Downstream(base), wantCode: codes.Unknown,
			want: &wireError{Source: acp.SourceDownstream, Message: "downstream failure: connection refused"},
		},
		"retryable": {
			err: acp.Retryable(base), wantCode: codes.Unavailable,
			want: &wireError{Source: acp.SourcePlugin, Retryable: true, Message: "plugin failure: connection refused"},
		},
		"retryable downstream with reason": {
			err: acp.WithReason(acp.Retryable(acp.Downstream(base)), "backend_unavailable"), wantCode: codes.Unavailable,
			want: &wireError{Source: acp.SourceDownstream, Retryable: true, Reason: "backend_unavailable",
				Message: "downstream failure (backend_unavailable): connection refused"},
		},
		"reason": {
			err: acp.WithReason(base, "bad_sku"), wantCode: codes.Unknown,
			want: &wireError{Source: acp.SourcePlugin, Reason: "bad_sku", Message: "plugin failure (bad_sku): connection refused"},
		},
		"wrapped plain error": {
			err: fmt.Errorf("resolve: %w", base), wantCode: codes.Unknown,
			want: &wireError{Source: acp.SourcePlugin, Message: "plugin failure: resolve: connection refused"},
		},
		"wrapped marked error keeps its marks": {
			err: fmt.Errorf("resolve: %w", acp.WithReason(acp.Retryable(acp.Downstream(base)), "backend_unavailable")), wantCode: codes.Unavailable,
			want: &wireError{Source: acp.SourceDownstream, Retryable: true, Reason: "backend_unavailable",
				Message: "downstream failure (backend_unavailable): resolve: connection refused"},
		},
		"the call's deadline keeps its code":         {ctx: expired, err: context.DeadlineExceeded, wantCode: codes.DeadlineExceeded},
		"the call's wrapped deadline keeps its code": {ctx: expired, err: fmt.Errorf("fetch: %w", context.DeadlineExceeded), wantCode: codes.DeadlineExceeded},
		"the call's cancellation keeps its code":     {ctx: ended, err: fmt.Errorf("fetch: %w", context.Canceled), wantCode: codes.Canceled},
		"the plugin's own timeout is a failure with its marks": {
			err: acp.Retryable(acp.Downstream(fmt.Errorf("store API: %w", context.DeadlineExceeded))), wantCode: codes.Unavailable,
			want: &wireError{Source: acp.SourceDownstream, Retryable: true, Message: "downstream failure: store API: context deadline exceeded"},
		},
		"the plugin's own unmarked cancellation is a plugin failure": {
			err: fmt.Errorf("shared fetch: %w", context.Canceled), wantCode: codes.Unknown,
			want: &wireError{Source: acp.SourcePlugin, Message: "plugin failure: shared fetch: context canceled"},
		},
		// Read as not offered by the capability stubs only
		// (TestNotOfferedRoundTrip).
		"not offered is UNIMPLEMENTED": {err: fmt.Errorf("no listing: %w", acp.ErrNotOffered), wantCode: codes.Unimplemented},
		"an error without a source is a plugin failure": {
			err: &acp.Error{Err: base}, wantCode: codes.Unknown,
			want: &wireError{Source: acp.SourcePlugin, Message: "plugin failure: connection refused"},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			st := toStatus(ctx, tc.err)
			if got := status.Code(st); got != tc.wantCode {
				t.Errorf("status.Code(toStatus()) = %v, want %v", got, tc.wantCode)
			}
			// The status crosses the wire as its proto form.
			wire := status.FromProto(status.Convert(st).Proto()).Err()
			got := fromStatus(wire)
			if tc.want == nil {
				if _, isACP := errors.AsType[*acp.Error](got); isACP || status.Code(got) != tc.wantCode {
					t.Errorf("fromStatus() = %#v, want a status error with code %v", got, tc.wantCode)
				}
				return
			}
			e, ok := errors.AsType[*acp.Error](got)
			if !ok {
				t.Fatalf("fromStatus() = %#v, want an *acp.Error", got)
			}
			gotWire := &wireError{Source: e.Source, Retryable: e.Retryable, Reason: e.Reason, Message: e.Error()}
			if diff := cmp.Diff(tc.want, gotWire); diff != "" {
				t.Errorf("fromStatus(toStatus()) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMarkedErrorMessage checks that an error marked directly reads the
// same on the host as in the plugin.
func TestMarkedErrorMessage(t *testing.T) {
	t.Parallel()
	testCases := map[string]error{
		"downstream": acp.Downstream(errors.New("store API answered 503")),
		"all marks":  acp.WithReason(acp.Retryable(acp.Downstream(errors.New("store API answered 503"))), "backend_unavailable"),
		"plugin":     acp.WithReason(errors.New("bad row"), "csv"),
	}
	for name, err := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := fromStatus(toStatus(context.Background(), err)); got.Error() != err.Error() {
				t.Errorf("on the host: %q, in the plugin: %q", got, err)
			}
		})
	}
}

func TestFromStatusPassesForeignErrors(t *testing.T) {
	t.Parallel()
	otherDomain, err := status.New(codes.FailedPrecondition, "quota").WithDetails(&errdetails.ErrorInfo{
		Reason: "QUOTA", Domain: "example.com", Metadata: map[string]string{"source": "downstream", "retryable": "true"},
	})
	if err != nil {
		t.Fatal(err)
	}
	testCases := map[string]error{
		"status without details":        status.Error(codes.Unavailable, "connection closed"),
		"internal status from a panic":  status.Error(codes.Internal, "plugin panicked in /acp.plugin.v1.CatalogService/ResolveItems"),
		"status with another domain":    otherDomain.Err(),
		"not a status error":            errors.New("plain"),
		"deadline from the gRPC client": status.Error(codes.DeadlineExceeded, "context deadline exceeded"),
	}
	for name, in := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := fromStatus(in); got != in {
				t.Errorf("fromStatus(%v) = %#v, want it unchanged", in, got)
			}
		})
	}
}

func TestNilError(t *testing.T) {
	t.Parallel()
	if err := toStatus(context.Background(), nil); err != nil {
		t.Errorf("toStatus(context.Background(), nil) = %v", err)
	}
	if err := fromStatus(nil); err != nil {
		t.Errorf("fromStatus(nil) = %v", err)
	}
}
