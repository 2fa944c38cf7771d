package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// failedRecord reads the FailedOrder record of the session's attempt, nil
// when there is none.
func failedRecord(t *testing.T, st store.Store, sessionID string, attempt int) *model.FailedOrder {
	t.Helper()
	var f *model.FailedOrder
	err := st.View(context.Background(), func(r store.Reader) error {
		var err error
		f, err = r.FailedOrder(sessionID, attempt)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// wantFailed checks the session's FailedOrder record of attempt 1.
func wantFailed(t *testing.T, st store.Store, sess *model.Session, reason model.FailureReason, money model.PaymentState) *model.FailedOrder {
	t.Helper()
	f := failedRecord(t, st, sess.ID, 1)
	if f == nil {
		t.Fatalf("no failed-order record for %s", sess.ID)
	}
	if f.Reason != reason || f.Money != money || f.Agent != "agent" || f.HandlerID != "card" || f.Amount != sess.Totals.Total ||
		f.Currency != "usd" || f.PaymentID == "" || f.Detail == "" || f.CreatedAt.IsZero() {
		t.Errorf("failed order = %+v, want reason %s, money %s", f, reason, money)
	}
	return f
}

// TestDeadlineCancelsStoredOrder: an order system that stored the order
// but answered too late is asked, once the placement deadline passed, to
// cancel the order the placement named, before the money is voided; while
// that cancel fails the money stays held and the session in its attempt,
// and the reconciler tries again. A cancel refused for good leaves the
// money held and raised, the session canceled.
func TestDeadlineCancelsStoredOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		stored     bool  // the order system stored the order before its answer came too late
		cancelFail error // the cancel's answer on the first try after the deadline
		final      error // the cancel's answer afterwards
		wantMoney  model.PaymentState
		wantStatus model.Status
		wantOrder  string // at the order system, in the end
	}{
		{"stored, canceled", true, nil, nil, model.PaymentVoided, model.StatusReadyForPayment, "canceled"},
		{"never stored: not found counts as canceled", false, nil, nil, model.PaymentVoided, model.StatusReadyForPayment, ""},
		{"cancel down, then canceled", true, outage, nil, model.PaymentVoided, model.StatusReadyForPayment, "canceled"},
		{"cancel times out, then canceled", true, context.DeadlineExceeded, nil, model.PaymentVoided, model.StatusReadyForPayment, "canceled"},
		{"cancel refused for good", true, refusal, refusal, model.PaymentAuthorized, model.StatusCanceled, "placed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newMoneyFixture(t, payment.CaptureManual)
			if tc.stored {
				f.system.setLate(true)
			} else {
				f.system.setAnswer(context.DeadlineExceeded)
			}
			sess := f.session(t)
			orderID := "ord_" + strings.TrimPrefix(sess.ID, "cs_")
			_, err := f.complete(sess, "spt_ok")
			wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodeUpstreamUnavailable, "")
			if got := f.system.order(orderID) != ""; got != tc.stored {
				t.Fatalf("order stored at the order system: %v, want %v", got, tc.stored)
			}
			f.clock.Advance(2 * testDeadline)
			if tc.cancelFail != nil {
				f.system.setCancelAnswer(tc.cancelFail)
				for range 2 {
					f.clock.Advance(time.Minute)
					n, err := f.svc.ReconcileStale(ctx, time.Minute, 10)
					if tc.cancelFail == refusal {
						if err != nil || n != 1 {
							t.Fatalf("ReconcileStale() = %d, %v", n, err)
						}
						break
					}
					if err == nil || n != 0 {
						t.Fatalf("ReconcileStale() with the cancel failing = %d, %v; want the failure", n, err)
					}
					open, _ := f.svc.Get(ctx, "agent", sess.ID)
					if open.Status != model.StatusCompleteInProgress || open.Payment.State != model.PaymentAuthorized {
						t.Fatalf("while the cancel fails: %s, money %s; want the attempt open, the money held", open.Status, open.Payment.State)
					}
					if steps := f.sandbox.Steps(key(sess, "1")); !slices.Equal(steps, []string{sandbox.StepAuthorize}) {
						t.Fatalf("steps while the cancel fails = %v, want the authorization only", steps)
					}
					if failedRecord(t, f.st, sess.ID, 1) != nil {
						t.Fatal("a failed-order record while the outcome is open")
					}
				}
				outs := f.reporter.outcomes()
				if tc.cancelFail != refusal && (len(outs) != 2 || !outs[0].Retrying || outs[0].Err == nil || outs[0].Cause != "placement_deadline") {
					t.Fatalf("outcomes while the cancel fails = %+v, want each failure raised as retrying", outs)
				}
				f.system.setCancelAnswer(tc.final)
			}
			if tc.cancelFail != refusal {
				f.clock.Advance(time.Minute)
				if n, err := f.svc.ReconcileStale(ctx, time.Minute, 10); err != nil || n != 1 {
					t.Fatalf("ReconcileStale() = %d, %v", n, err)
				}
			}
			got, err := f.svc.Get(ctx, "agent", sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.wantStatus || got.Payment.State != tc.wantMoney {
				t.Fatalf("session %s, money %s; want %s, %s", got.Status, got.Payment.State, tc.wantStatus, tc.wantMoney)
			}
			if st := f.system.order(orderID); st != tc.wantOrder {
				t.Errorf("order at the order system: %q, want %q", st, tc.wantOrder)
			}
			wantSteps := []string{sandbox.StepAuthorize, "void"}
			if tc.wantMoney == model.PaymentAuthorized {
				wantSteps = wantSteps[:1]
			}
			if steps := f.sandbox.Steps(key(sess, "1")); !slices.Equal(steps, wantSteps) {
				t.Errorf("steps = %v, want %v", steps, wantSteps)
			}
			// Every cancel was asked while the money was still held.
			for _, at := range f.system.stepsAtCancel {
				if !slices.Equal(at, []string{sandbox.StepAuthorize}) {
					t.Errorf("a cancel was asked with the steps %v done; want before the void", at)
				}
			}
			rec := wantFailed(t, f.st, sess, model.FailurePlacementDeadline, tc.wantMoney)
			outs := f.reporter.outcomes()
			last := outs[len(outs)-1]
			if last.Retrying || (last.Err != nil) != (tc.wantMoney == model.PaymentAuthorized) {
				t.Errorf("final outcome = %+v", last)
			}
			if !strings.Contains(rec.Detail, orderID) {
				t.Errorf("detail %q does not name the order", rec.Detail)
			}
		})
	}
}

// TestCaptureRefusedCancelRetried: when the order system cannot cancel the
// order whose capture was refused, the session stays in its attempt and
// the cancel is repeated by the reconciler until it succeeds; a cancel
// refused for good completes the session raised to the seller.
func TestCaptureRefusedCancelRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		answer    error
		wantOrder string
		wantErr   bool
	}{
		{"down, then canceled", outage, "canceled", false},
		{"refused for good", refusal, "placed", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newMoneyFixture(t, payment.CaptureManual)
			f.system.setCancelAnswer(tc.answer)
			sess := f.session(t)
			orderID := "ord_" + strings.TrimPrefix(sess.ID, "cs_")
			got, err := f.complete(sess, "spt"+sandbox.CaptureFailSuffix)
			if !tc.wantErr {
				wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodeUpstreamUnavailable, "")
				open, _ := f.svc.Get(ctx, "agent", sess.ID)
				if open.Status != model.StatusCompleteInProgress || open.Payment.State != model.PaymentCaptureFailed {
					t.Fatalf("after a failed cancel: %s, %s", open.Status, open.Payment.State)
				}
				if rec := wantFailed(t, f.st, sess, model.FailureCaptureRefused, model.PaymentCaptureFailed); rec.OrderID != orderID {
					t.Errorf("record order %q, want %s", rec.OrderID, orderID)
				}
				f.clock.Advance(time.Minute)
				if n, err := f.svc.ReconcileStale(ctx, time.Minute, 10); err == nil || n != 0 {
					t.Fatalf("ReconcileStale() with the cancel failing = %d, %v", n, err)
				}
				f.system.setCancelAnswer(nil)
				f.clock.Advance(time.Minute)
				if n, err := f.svc.ReconcileStale(ctx, time.Minute, 10); err != nil || n != 1 {
					t.Fatalf("ReconcileStale() = %d, %v", n, err)
				}
				if got, err = f.svc.Get(ctx, "agent", sess.ID); err != nil {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got.Status != model.StatusCompleted || got.Order == nil || got.Payment.State != model.PaymentCaptureFailed {
				t.Fatalf("session %s, order %v, money %s", got.Status, got.Order, got.Payment.State)
			}
			if st := f.system.order(orderID); st != tc.wantOrder {
				t.Errorf("order at the order system: %q, want %q", st, tc.wantOrder)
			}
			if f.sandbox.Charges() != 0 {
				t.Errorf("charges = %d", f.sandbox.Charges())
			}
			rec := wantFailed(t, f.st, sess, model.FailureCaptureRefused, model.PaymentCaptureFailed)
			if rec.OrderID != orderID || strings.Contains(rec.Detail, "canceling the order.") {
				t.Errorf("final record = %+v", rec)
			}
			outs := f.reporter.outcomes()
			last := outs[len(outs)-1]
			if last.Retrying || last.Cause != "capture_refused" || (last.Err != nil) != tc.wantErr {
				t.Errorf("outcomes = %+v", outs)
			}
			if !tc.wantErr && (len(outs) != 3 || !outs[0].Retrying || !outs[1].Retrying) {
				t.Errorf("outcomes = %+v, want two retries then the outcome", outs)
			}
			// Settled: nothing left to reconcile.
			if n, _ := f.svc.ReconcileStale(ctx, 0, 10); n != 0 {
				t.Errorf("a settled attempt was reconciled again")
			}
		})
	}
}

// TestFailedOrderRecords: every outcome that ends a paid attempt without
// a kept order stores its record, and a completed order stores none.
func TestFailedOrderRecords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		capture   payment.CaptureMethod
		wrap      bool // the processor refuses voids and refunds
		answer    error
		token     string
		wantMoney model.PaymentState
		reason    model.FailureReason
	}{
		{"completed", payment.CaptureManual, false, nil, "spt_ok", "", ""},
		{"refused, voided", payment.CaptureManual, false, refusal, "spt_ok", model.PaymentVoided, model.FailureOrderRefused},
		{"out of stock, refunded", payment.CaptureImmediate, false, acp.WithReason(refusal, acp.CodeOutOfStock), "spt_ok", model.PaymentRefunded, model.FailureOrderRefused},
		{"void refused", payment.CaptureManual, true, refusal, "spt_ok", model.PaymentAuthorized, model.FailureOrderRefused},
		{"refund refused", payment.CaptureImmediate, true, refusal, "spt_ok", model.PaymentCaptured, model.FailureOrderRefused},
		{"capture refused", payment.CaptureManual, false, nil, "spt" + sandbox.CaptureFailSuffix, model.PaymentCaptureFailed, model.FailureCaptureRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var wrap []func(payment.Handler) payment.Handler
			if tc.wrap {
				wrap = append(wrap, func(h payment.Handler) payment.Handler { return refusingRelease{h} })
			}
			f := newMoneyFixture(t, tc.capture, wrap...)
			f.system.setAnswer(tc.answer)
			sess := f.session(t)
			if _, err := f.complete(sess, tc.token); err != nil {
				t.Fatal(err)
			}
			if tc.reason == "" {
				if rec := failedRecord(t, f.st, sess.ID, 1); rec != nil {
					t.Errorf("a completed order left a failed-order record: %+v", rec)
				}
				return
			}
			rec := wantFailed(t, f.st, sess, tc.reason, tc.wantMoney)
			var list []*model.FailedOrder
			_ = f.st.View(context.Background(), func(r store.Reader) error {
				var err error
				list, err = r.FailedOrders("", 10)
				return err
			})
			if len(list) != 1 || list[0].Key() != rec.Key() {
				t.Errorf("FailedOrders() = %v", list)
			}
		})
	}
}
