package acp

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestMessages(t *testing.T) {
	t.Parallel()
	var m Messages
	if m.HasErrors() {
		t.Fatal("empty messages have errors")
	}
	m.AddWarning(CodePriceChange, "$.totals", "price changed")
	if m.HasErrors() {
		t.Fatal("a warning counts as an error")
	}
	m.AddError(CodeOutOfStock, "$.line_items[0].item.id", "sold out", ResolutionRecoverable)
	if !m.HasErrors() || len(m) != 2 || m[1].Type != MessageError || m[1].Resolution != ResolutionRecoverable {
		t.Fatalf("messages = %+v", m)
	}
}

func TestFulfillmentType(t *testing.T) {
	t.Parallel()
	testCases := map[FulfillmentType]struct{ valid, needsAddress bool }{
		FulfillmentShipping:      {true, true},
		FulfillmentLocalDelivery: {true, true},
		FulfillmentDigital:       {true, false},
		FulfillmentPickup:        {true, false},
		"teleport":               {false, false},
	}
	for typ, want := range testCases {
		if typ.Valid() != want.valid || typ.NeedsAddress() != want.needsAddress {
			t.Errorf("%s: Valid()=%v NeedsAddress()=%v, want %v %v", typ, typ.Valid(), typ.NeedsAddress(), want.valid, want.needsAddress)
		}
	}
}

func TestNormalizeCurrency(t *testing.T) {
	t.Parallel()
	if got := NormalizeCurrency(" USD "); got != "usd" {
		t.Errorf("NormalizeCurrency() = %q", got)
	}
}

func TestErrorMarks(t *testing.T) {
	t.Parallel()
	base := errors.New("connection refused")
	testCases := map[string]struct {
		err           error
		wantSource    ErrorSource
		wantRetryable bool
		wantReason    string
	}{
		"plain error is a plugin failure": {err: base, wantSource: SourcePlugin},
		"downstream":                      {err: Downstream(base), wantSource: SourceDownstream},
		"retryable downstream":            {err: Retryable(Downstream(base)), wantSource: SourceDownstream, wantRetryable: true},
		"downstream keeps retryable":      {err: Downstream(Retryable(base)), wantSource: SourceDownstream, wantRetryable: true},
		"reason":                          {err: WithReason(Downstream(base), "backend_timeout"), wantSource: SourceDownstream, wantReason: "backend_timeout"},
		"wrapped":                         {err: fmt.Errorf("resolve: %w", Retryable(base)), wantSource: SourcePlugin, wantRetryable: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := AsError(tc.err)
			if e.Source != tc.wantSource || e.Retryable != tc.wantRetryable || e.Reason != tc.wantReason {
				t.Errorf("AsError() = %+v, want source %s retryable %v reason %q", e, tc.wantSource, tc.wantRetryable, tc.wantReason)
			}
			if !errors.Is(tc.err, base) {
				t.Errorf("errors.Is(err, base) = false for %v", tc.err)
			}
		})
	}
	marked := Retryable(base)
	_ = Downstream(marked)
	if AsError(marked).Source != SourcePlugin {
		t.Error("Downstream changed the error it was given")
	}
	if AsError(nil) != nil {
		t.Error("AsError(nil) != nil")
	}
}

func TestMarksKeepContext(t *testing.T) {
	t.Parallel()
	errNoStock := errors.New("no stock feed")
	base := errors.New("connection refused")
	testCases := map[string]struct {
		err      error
		wantText string
		wantIs   []error
	}{
		"context around a marked error": {
			err:      Downstream(fmt.Errorf("fetch price of sku 42: %w", Retryable(base))),
			wantText: "downstream failure: fetch price of sku 42: connection refused",
			wantIs:   []error{base},
		},
		"a sentinel in the outer chain": {
			err:      WithReason(fmt.Errorf("%w: %w", errNoStock, Retryable(base)), "stock"),
			wantText: "plugin failure (stock): no stock feed: connection refused",
			wantIs:   []error{base, errNoStock},
		},
		"a plain error": {
			err:      Downstream(fmt.Errorf("fetch: %w", base)),
			wantText: "downstream failure: fetch: connection refused",
			wantIs:   []error{base},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.err.Error() != tc.wantText {
				t.Errorf("Error() = %q, want %q", tc.err, tc.wantText)
			}
			for _, target := range tc.wantIs {
				if !errors.Is(tc.err, target) {
					t.Errorf("errors.Is(%v, %v) = false", tc.err, target)
				}
			}
		})
	}
	for _, f := range []func(error) error{Downstream, Retryable, func(err error) error { return WithReason(err, "r") }} {
		if f(nil) != nil {
			t.Error("a mark turned nil into an error")
		}
	}
	if e := AsError(Downstream(fmt.Errorf("ctx: %w", Retryable(base)))); !e.Retryable || e.Source != SourceDownstream {
		t.Errorf("marks lost: %+v", e)
	}
}

func TestApplyPPM(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct{ amount, ppm, want int64 }{
		"7.25 % of 10.00":               {1000, 72_500, 73},
		"half a cent rounds up":         {100, 5_000, 1},
		"just under half rounds down":   {100, 4_999, 0},
		"zero rate":                     {1000, 0, 0},
		"negative amount":               {-1000, 72_500, 0},
		"largest amount, largest rate":  {math.MaxInt64, PPM - 1, 9223362813482738952},
		"a rate of 100 % gives it back": {12345, PPM, 12345},
		"a rate above 100 % saturates":  {math.MaxInt64, 2 * PPM, math.MaxInt64},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ApplyPPM(tc.amount, tc.ppm); got != tc.want {
				t.Errorf("ApplyPPM(%d, %d) = %d, want %d", tc.amount, tc.ppm, got, tc.want)
			}
		})
	}
}

// TestIsFinal: only a failure not marked retryable, with the reason
// asked for, is final, also when wrapped in context.
func TestIsFinal(t *testing.T) {
	notFound := WithReason(errors.New("no order ord_1"), CodeNotFound)
	for name, tc := range map[string]struct {
		err  error
		want bool
	}{
		"final with the reason": {notFound, true},
		"wrapped in context":    {fmt.Errorf("cancel: %w", notFound), true},
		"retryable":             {Retryable(notFound), false},
		"another reason":        {WithReason(errors.New("x"), "backend_timeout"), false},
		"plain error":           {errors.New("not found"), false},
		"nil":                   {nil, false},
	} {
		if got := IsFinal(tc.err, CodeNotFound); got != tc.want {
			t.Errorf("%s: IsFinal = %v, want %v", name, got, tc.want)
		}
	}
}
