package badgerstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// TestSessionsInProgressPages: the unresolved payments are listed in id
// order, a page at a time after the last id of the previous page, until
// all were seen; sessions in other statuses are not listed.
func TestSessionsInProgressPages(t *testing.T) {
	t.Parallel()
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var want []string
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	err = s.Update(ctx, func(tx store.Tx) error {
		for i := range 7 {
			status := model.StatusCompleteInProgress
			if i%3 == 2 {
				status = model.StatusReadyForPayment
			} else {
				want = append(want, fmt.Sprintf("cs_%02d", i))
			}
			sess := &model.Session{ID: fmt.Sprintf("cs_%02d", i), Agent: "a", Status: status, Currency: "usd", CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := tx.PutSession(sess); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []int{1, 2, 3, 10} {
		var got []string
		for after := ""; ; {
			var ids []string
			if err := s.View(ctx, func(r store.Reader) (err error) { ids, err = r.SessionsInProgress(after, page); return err }); err != nil {
				t.Fatal(err)
			}
			if len(ids) > page {
				t.Fatalf("page of %d: %d ids", page, len(ids))
			}
			got = append(got, ids...)
			if len(ids) < page {
				break
			}
			after = ids[len(ids)-1]
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of %d: %v, want %v", page, got, want)
		}
	}
}
