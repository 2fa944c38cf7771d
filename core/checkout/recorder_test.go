package checkout_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/store"
)

// statusRecorder notes the status of each session it is asked to record,
// and fails with err when err is set.
type statusRecorder struct {
	statuses []model.Status
	ids      []string
	err      error
}

func (r *statusRecorder) Record(_ store.Tx, sess *model.Session) error {
	r.statuses = append(r.statuses, sess.Status)
	r.ids = append(r.ids, sess.ID)
	return r.err
}

// TestRecorderCommitsWithTheOutcome: every state-changing operation hands
// its recorder the request's final session, once, inside the transaction
// that stores it (never an intermediate state such as
// complete_in_progress); when recording fails, the final state is not
// stored either.
func TestRecorderCommitsWithTheOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ready := checkout.CreateInput{Currency: "usd", Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}}
	tests := []struct {
		name string
		run  func(f *fixture, id string, rec checkout.Recorder) (*model.Session, error)
		want model.Status
		// unchanged checks the stored session after a failed recording.
		unchanged func(*model.Session) bool
	}{
		{
			name: "update",
			run: func(f *fixture, id string, rec checkout.Recorder) (*model.Session, error) {
				return f.svc.Update(ctx, "agent", id, checkout.UpdateInput{OrderNotes: optional.Of("ring twice")}, rec)
			},
			want:      model.StatusReadyForPayment,
			unchanged: func(s *model.Session) bool { return s.OrderNotes == "" },
		},
		{
			name: "complete",
			run: func(f *fixture, id string, rec checkout.Recorder) (*model.Session, error) {
				return f.svc.Complete(ctx, "agent", id, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, rec)
			},
			want: model.StatusCompleted,
			// The attempt stays open, to be resumed with the same key.
			unchanged: func(s *model.Session) bool { return s.Status == model.StatusCompleteInProgress && s.Order == nil },
		},
		{
			name: "cancel",
			run: func(f *fixture, id string, rec checkout.Recorder) (*model.Session, error) {
				return f.svc.Cancel(ctx, "agent", id, checkout.CancelInput{}, rec)
			},
			want:      model.StatusCanceled,
			unchanged: func(s *model.Session) bool { return s.Status == model.StatusReadyForPayment },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			sess := f.create(t, ready)
			rec := &statusRecorder{}
			got, err := tt.run(f, sess.ID, rec)
			if err != nil || got.Status != tt.want {
				t.Fatalf("%s = %v, %v; want status %s", tt.name, got, err, tt.want)
			}
			if want := []model.Status{tt.want}; !slices.Equal(rec.statuses, want) {
				t.Errorf("recorded %v, want %v", rec.statuses, want)
			}

			other := f.create(t, ready)
			failing := &statusRecorder{err: errors.New("disk full")}
			if _, err := tt.run(f, other.ID, failing); !errors.Is(err, failing.err) {
				t.Fatalf("%s with a failing recorder: error = %v, want %v", tt.name, err, failing.err)
			}
			stored, err := f.svc.Get(ctx, "agent", other.ID)
			if err != nil || !tt.unchanged(stored) {
				t.Errorf("after a failed recording the session is stored as %s (%v), want its final state not stored", stored.Status, err)
			}
		})
	}

	t.Run("create", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		rec := &statusRecorder{}
		got, err := f.svc.Create(ctx, "agent", "2026-04-17", ready, rec)
		if err != nil || !slices.Equal(rec.statuses, []model.Status{got.Status}) {
			t.Fatalf("Create() = %v, %v; recorded %v, want its status once", got, err, rec.statuses)
		}
		failing := &statusRecorder{err: errors.New("disk full")}
		if _, err := f.svc.Create(ctx, "agent", "2026-04-17", ready, failing); !errors.Is(err, failing.err) || len(failing.ids) != 1 {
			t.Fatalf("Create() with a failing recorder: error = %v, recorded %v; want %v after one recording", err, failing.ids, failing.err)
		}
		if stored, err := f.svc.Get(ctx, "agent", failing.ids[0]); err == nil {
			t.Errorf("after a failed recording the new session %s is stored as %s, want it not stored", stored.ID, stored.Status)
		}
	})
}

// keyedRecorder is a statusRecorder of a request with an idempotency key.
type keyedRecorder struct {
	statusRecorder
	key string
}

func (r *keyedRecorder) RequestKey() string { return r.key }

// TestRetryAfterSettledAttempt: a complete that ended without an answer
// (503) whose attempt the reconciler settled afterwards is answered, when
// retried with the same key, with the session as the attempt left it,
// never refused as completed nor started again; another key gets the
// usual answer.
func TestRetryAfterSettledAttempt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		wrap       func(payment.Handler) payment.Handler
		down       bool // the order system is down until the deadline
		resumes    int  // completes with other keys that resume the attempt first
		wantStatus model.Status
	}{
		{"completed by the reconciler", func(h payment.Handler) payment.Handler { return &failingCapture{Handler: h, failures: 1} }, false, 0, model.StatusCompleted},
		{"resumed, then completed", func(h payment.Handler) payment.Handler { return &failingCapture{Handler: h, failures: 2} }, false, 1, model.StatusCompleted},
		{"released at the deadline", func(h payment.Handler) payment.Handler { return h }, true, 0, model.StatusReadyForPayment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newMoneyFixture(t, payment.CaptureManual, tc.wrap)
			if tc.down {
				f.system.setAnswer(outage)
			}
			sess := f.session(t)
			pay := checkout.CompleteInput{Payment: cardPayment("spt_ok")}
			first := &keyedRecorder{key: "k1"}
			if _, err := f.svc.Complete(ctx, "agent", sess.ID, pay, first); err == nil {
				t.Fatal("the first complete succeeded; want it unanswered (503)")
			}
			keys := []*keyedRecorder{first}
			for i := range tc.resumes {
				r := &keyedRecorder{key: "resume-" + strconv.Itoa(i)}
				if _, err := f.svc.Complete(ctx, "agent", sess.ID, pay, r); err == nil {
					t.Fatal("a resuming complete succeeded; want it unanswered")
				}
				keys = append(keys, r)
			}
			f.system.setAnswer(nil)
			if tc.down {
				f.system.setAnswer(outage)
				f.clock.Advance(2 * testDeadline)
			}
			if n, err := f.svc.ReconcileStale(ctx, 0, 10); err != nil || n != 1 {
				t.Fatalf("ReconcileStale() = %d, %v", n, err)
			}
			for _, r := range keys {
				got, err := f.svc.Complete(ctx, "agent", sess.ID, pay, r)
				if err != nil || got.Status != tc.wantStatus {
					t.Fatalf("the retry with key %s = %v, %v; want the session %s", r.key, got, err, tc.wantStatus)
				}
				if !slices.Equal(r.statuses, []model.Status{tc.wantStatus}) {
					t.Errorf("key %s recorded %v, want the settled state once", r.key, r.statuses)
				}
			}
			if steps := f.sandbox.Steps(key(sess, "2")); len(steps) != 0 {
				t.Errorf("a retry started a second attempt: %v", steps)
			}
			f.system.setAnswer(nil)
			other := &keyedRecorder{key: "k-new"}
			_, err := f.svc.Complete(ctx, "agent", sess.ID, pay, other)
			if tc.wantStatus == model.StatusCompleted {
				wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionCompleted, "")
			} else if err != nil {
				t.Errorf("a new complete with a new key after the release: %v", err)
			}
		})
	}
}
