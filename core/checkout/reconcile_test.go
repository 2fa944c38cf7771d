package checkout_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
)

// TestReconcileStalePagesThroughAll: the reconciler walks every session
// in complete_in_progress, a page at a time, so that sessions it must
// leave alone (here: too recent) never keep the others waiting, whatever
// their ids.
func TestReconcileStalePagesThroughAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMoneyFixture(t, payment.CaptureManual)
	f.system.setAnswer(outage)
	stuck := func() *model.Session {
		sess := f.session(t)
		_, err := f.complete(sess, "spt_ok")
		wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodeUpstreamUnavailable, "")
		return sess
	}
	var old []*model.Session
	for range 3 {
		old = append(old, stuck())
	}
	f.clock.Advance(10 * time.Minute)
	for range 6 {
		stuck()
	}
	f.system.setAnswer(nil)
	// Pages of 2 hold 9 sessions; only the 3 older than 5 minutes are due.
	if n, err := f.svc.ReconcileStale(ctx, 5*time.Minute, 2); err != nil || n != 3 {
		t.Fatalf("ReconcileStale() = %d, %v; want the 3 old attempts settled", n, err)
	}
	for _, sess := range old {
		if got, _ := f.svc.Get(ctx, "agent", sess.ID); got.Status != model.StatusCompleted {
			t.Errorf("session %s: %s, want completed", sess.ID, got.Status)
		}
	}
}
