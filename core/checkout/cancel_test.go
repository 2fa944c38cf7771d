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
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/fulfillment"
)

// stuckAtDeadline completes sess against an order system that stores the
// order but answers too late, then moves the clock past the attempt's
// placement deadline: the next resumption gives the order up and cancels
// it.
func (f *moneyFixture) stuckAtDeadline(t *testing.T, sess *model.Session) {
	t.Helper()
	f.system.setLate(true)
	_, err := f.complete(sess, "spt_ok")
	wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodeUpstreamUnavailable, "")
	f.clock.Advance(2 * testDeadline)
}

// reconcileOnce runs the reconciler once, a minute later.
func (f *moneyFixture) reconcileOnce(t *testing.T) (int, error) {
	t.Helper()
	f.clock.Advance(time.Minute)
	return f.svc.ReconcileStale(context.Background(), 0, 10)
}

// TestCancelRetriesBounded: a cancel that keeps failing in a way that may
// pass is retried for one placement deadline after its first failure, a
// retrying record showing the case to the seller meanwhile; then the
// session leaves complete_in_progress, raised to the seller as an order
// that could not be canceled (the authorization left for the seller, the
// units counted as sold), never voided behind the order system's back.
func TestCancelRetriesBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		start      func(t *testing.T, f *moneyFixture, sess *model.Session)
		wantStatus model.Status
		wantMoney  model.PaymentState
		reason     model.FailureReason
	}{
		{"placement deadline", func(t *testing.T, f *moneyFixture, sess *model.Session) {
			f.stuckAtDeadline(t, sess)
			f.system.setCancelAnswer(outage)
		}, model.StatusCanceled, model.PaymentAuthorized, model.FailurePlacementDeadline},
		{"capture refused", func(t *testing.T, f *moneyFixture, sess *model.Session) {
			f.system.setCancelAnswer(outage)
			_, err := f.complete(sess, "spt"+sandbox.CaptureFailSuffix)
			wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodeUpstreamUnavailable, "")
		}, model.StatusCompleted, model.PaymentCaptureFailed, model.FailureCaptureRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newStockMoneyFixture(t)
			sess := f.session(t)
			tc.start(t, f, sess)
			first := time.Time{}
			for i := 0; ; i++ {
				n, err := f.reconcileOnce(t)
				open, gerr := f.svc.Get(ctx, "agent", sess.ID)
				if gerr != nil {
					t.Fatal(gerr)
				}
				if open.Status != model.StatusCompleteInProgress {
					if n != 1 || err != nil {
						t.Fatalf("ReconcileStale() = %d, %v when it settled the attempt", n, err)
					}
					break
				}
				if err == nil || n != 0 {
					t.Fatalf("ReconcileStale() with the cancel failing = %d, %v; want the failure", n, err)
				}
				rec := wantFailed(t, f.st, sess, tc.reason, tc.wantMoney)
				if first.IsZero() {
					first = rec.CreatedAt
				}
				if !rec.CreatedAt.Equal(first) {
					t.Fatalf("the retrying record was rewritten at %v, first at %v", rec.CreatedAt, first)
				}
				if f.clock.Now().Sub(first) > testDeadline+time.Minute {
					t.Fatalf("still complete_in_progress %v after the first failed cancel; the cancel deadline is %v", f.clock.Now().Sub(first), testDeadline)
				}
				if i > 20 {
					t.Fatal("the cancel is retried without end")
				}
			}
			got, _ := f.svc.Get(ctx, "agent", sess.ID)
			if got.Status != tc.wantStatus || got.Payment.State != tc.wantMoney || got.Payment.OrderCanceled {
				t.Fatalf("session %s, money %s, order canceled %v; want %s, %s, not canceled", got.Status, got.Payment.State, got.Payment.OrderCanceled, tc.wantStatus, tc.wantMoney)
			}
			if steps := f.sandbox.Steps(key(sess, "1")); slices.Contains(steps, "void") || slices.Contains(steps, sandbox.StepCapture) {
				t.Errorf("steps = %v: the money moved although the order may be kept", steps)
			}
			rec := wantFailed(t, f.st, sess, tc.reason, tc.wantMoney)
			if !strings.Contains(rec.Detail, "could not be reached to cancel") || strings.Contains(rec.Detail, "retried") {
				t.Errorf("final detail %q", rec.Detail)
			}
			if tc.wantMoney == model.PaymentAuthorized && !strings.Contains(rec.Detail, "left for the seller to void or capture by hand") {
				t.Errorf("final detail %q does not leave the authorization to the seller", rec.Detail)
			}
			if tc.wantStatus == model.StatusCanceled && !slices.ContainsFunc([]acp.Message(got.Messages), func(m acp.Message) bool {
				return strings.Contains(m.Content, "could not be reached to cancel")
			}) {
				t.Errorf("messages %+v do not tell the agent the cancel could not be made", got.Messages)
			}
			outs := f.reporter.outcomes()
			last := outs[len(outs)-1]
			if last.Retrying || last.Err == nil || last.CancelFailed != checkout.CancelUnreachable || last.State != tc.wantMoney {
				t.Errorf("final outcome = %+v", last)
			}
			for _, o := range outs[:len(outs)-1] {
				if !o.Retrying {
					t.Errorf("outcome before the last = %+v, want retrying", o)
				}
			}
			// The order may still ship: its unit stays counted as sold.
			if l := f.level(t, "ebook"); l.Sold != 1 || l.Reserved != 0 || l.OnHand != 0 {
				t.Errorf("stock = %+v, want the unit sold", l)
			}
		})
	}
}

// TestCancelUnsupportedRaisedAtOnce: an order that cannot be canceled at
// all (a fulfillment capability without cancels, or no order canceler)
// is raised to the seller at the first try, never retried as if it might
// pass.
func TestCancelUnsupportedRaisedAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("placement deadline, no cancel in the capability", func(t *testing.T) {
		t.Parallel()
		f := newMoneyFixture(t, payment.CaptureManual)
		sess := f.session(t)
		f.stuckAtDeadline(t, sess)
		f.system.setCancelAnswer(fulfillment.ErrNotImplemented)
		if n, err := f.reconcileOnce(t); n != 1 || err != nil {
			t.Fatalf("ReconcileStale() = %d, %v; want the attempt settled at once", n, err)
		}
		got, _ := f.svc.Get(ctx, "agent", sess.ID)
		if got.Status != model.StatusCanceled || got.Payment.State != model.PaymentAuthorized {
			t.Fatalf("session %s, money %s", got.Status, got.Payment.State)
		}
		outs := f.reporter.outcomes()
		if len(outs) != 1 || outs[0].Retrying || outs[0].CancelFailed != checkout.CancelUnsupported || outs[0].Err == nil {
			t.Errorf("outcomes = %+v, want one, raised as unsupported", outs)
		}
		if rec := wantFailed(t, f.st, sess, model.FailurePlacementDeadline, model.PaymentAuthorized); !strings.Contains(rec.Detail, "cannot be canceled there automatically") {
			t.Errorf("detail %q", rec.Detail)
		}
	})
	t.Run("capture refused, no order canceler", func(t *testing.T) {
		t.Parallel()
		f := newMoneyFixtureWith(t, payment.CaptureManual, func(o *checkout.Options) { o.OrderCanceler = nil })
		sess := f.session(t)
		got, err := f.complete(sess, "spt"+sandbox.CaptureFailSuffix)
		if err != nil || got.Status != model.StatusCompleted {
			t.Fatalf("Complete() = %v, %v; want the session completed, raised at once", got, err)
		}
		outs := f.reporter.outcomes()
		if len(outs) != 1 || outs[0].Retrying || outs[0].CancelFailed != checkout.CancelUnsupported || outs[0].Err == nil {
			t.Errorf("outcomes = %+v, want one, raised as unsupported", outs)
		}
		if rec := wantFailed(t, f.st, sess, model.FailureCaptureRefused, model.PaymentCaptureFailed); !strings.Contains(rec.Detail, "cancel it by hand") {
			t.Errorf("detail %q", rec.Detail)
		}
	})
}

// TestCancelNotRepeatedAfterCrash: the cancel of an order given up at its
// deadline and the void both succeeded, but the process stopped before
// the outcome was stored (here: its commit failed). The resumed attempt
// does not cancel again, so an order system that refuses to cancel an
// order already canceled cannot turn the voided money into "still
// authorized".
func TestCancelNotRepeatedAfterCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newStockMoneyFixture(t)
	sess := f.session(t)
	f.stuckAtDeadline(t, sess)
	crash := &statusRecorder{err: errors.New("disk full")}
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, crash); err == nil {
		t.Fatal("Complete() with a failing commit succeeded")
	}
	stored, _ := f.svc.Get(ctx, "agent", sess.ID)
	if stored.Status != model.StatusCompleteInProgress || !stored.Payment.OrderCanceled {
		t.Fatalf("after the failed commit: %s, order canceled %v; want the attempt open, its cancel recorded", stored.Status, stored.Payment.OrderCanceled)
	}
	if steps := f.sandbox.Steps(key(sess, "1")); !slices.Equal(steps, []string{sandbox.StepAuthorize, "void"}) {
		t.Fatalf("steps = %v, want authorize, void", steps)
	}
	// The order system now refuses to cancel the canceled order (409).
	f.system.setCancelAnswer(refusal)
	if n, err := f.reconcileOnce(t); n != 1 || err != nil {
		t.Fatalf("ReconcileStale() = %d, %v", n, err)
	}
	got, _ := f.svc.Get(ctx, "agent", sess.ID)
	if got.Status != model.StatusReadyForPayment || got.Payment.State != model.PaymentVoided {
		t.Fatalf("session %s, money %s; want ready_for_payment, voided", got.Status, got.Payment.State)
	}
	if n := len(f.system.stepsAtCancel); n != 1 {
		t.Errorf("%d cancels, want 1", n)
	}
	wantFailed(t, f.st, sess, model.FailurePlacementDeadline, model.PaymentVoided)
	if l := f.level(t, "ebook"); l.Sold != 0 || l.Reserved != 0 || l.OnHand != 1 {
		t.Errorf("stock = %+v, want the unit back", l)
	}
}

// TestCanceledOrderUnitsBack: the units of an attempt go back to stock
// when its order was canceled at the order system, and count as sold
// while the order may be kept.
func TestCanceledOrderUnitsBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		deadline bool  // the order is given up at its placement deadline
		cancel   error // the order system's answer to the cancel
		token    string
		wantSold int64
	}{
		{"capture refused, order canceled", false, nil, "spt" + sandbox.CaptureFailSuffix, 0},
		{"capture refused, cancel refused", false, refusal, "spt" + sandbox.CaptureFailSuffix, 1},
		{"deadline, order canceled", true, nil, "spt_ok", 0},
		{"deadline, cancel refused", true, refusal, "spt_ok", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newStockMoneyFixture(t)
			sess := f.session(t)
			f.system.setCancelAnswer(tc.cancel)
			if tc.deadline {
				f.stuckAtDeadline(t, sess)
				if n, err := f.reconcileOnce(t); n != 1 || err != nil {
					t.Fatalf("ReconcileStale() = %d, %v", n, err)
				}
			} else if _, err := f.complete(sess, tc.token); err != nil {
				t.Fatal(err)
			}
			got, _ := f.svc.Get(context.Background(), "agent", sess.ID)
			if got.Status == model.StatusCompleteInProgress || got.Payment.OrderCanceled != (tc.cancel == nil) {
				t.Fatalf("session %s, order canceled %v", got.Status, got.Payment.OrderCanceled)
			}
			if l := f.level(t, "ebook"); l.Sold != tc.wantSold || l.Reserved != 0 || l.OnHand != 1-tc.wantSold {
				t.Errorf("stock = %+v, want %d sold, nothing reserved", l, tc.wantSold)
			}
		})
	}
}

// newStockMoneyFixture is the money fixture with stock control on and one
// unit of "ebook" on hand.
func newStockMoneyFixture(t *testing.T) *moneyFixture {
	t.Helper()
	f := newMoneyFixtureWith(t, payment.CaptureManual, func(o *checkout.Options) { o.TrackStock = true })
	err := f.st.UpdateStock(context.Background(), []string{"ebook"}, func(tx store.Tx) error {
		return tx.PutStockLevel(&model.StockLevel{SKU: "ebook", OnHand: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *moneyFixture) level(t *testing.T, sku string) *model.StockLevel {
	t.Helper()
	var l *model.StockLevel
	if err := f.st.View(context.Background(), func(r store.Reader) (err error) { l, err = r.StockLevel(sku); return err }); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestCancelDropsWhatAskedToAct: a canceled session no longer asks the
// buyer or the agent to act (its errors and warnings go), while what the
// agent was told about the members it sent stays.
func TestCancelDropsWhatAskedToAct(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	notice := checkout.Notice{Param: "$.locale", Message: "Not translated."}
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "mug", Quantity: 1}}, Notices: []checkout.Notice{notice}})
	if !slices.ContainsFunc(sess.Messages, func(m acp.Message) bool { return m.Type == acp.MessageError }) {
		t.Fatalf("the session without an address has no error: %+v", sess.Messages)
	}
	canceled, err := f.svc.Cancel(context.Background(), "agent", sess.ID, checkout.CancelInput{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := acp.Messages{{Type: acp.MessageInfo, Param: "$.locale", Content: "Not translated."}}
	if !slices.Equal(canceled.Messages, want) {
		t.Errorf("canceled session's messages = %+v, want %+v", canceled.Messages, want)
	}
}
