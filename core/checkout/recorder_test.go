package checkout_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
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
