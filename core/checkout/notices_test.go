package checkout_test

import (
	"context"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// infoParams returns the params of a session's info messages.
func infoParams(s *model.Session) []string {
	var out []string
	for _, m := range s.Messages {
		if m.Type == acp.MessageInfo {
			out = append(out, m.Param)
		}
	}
	return out
}

// TestNoticesAreToldOncePerSession checks the engine's side of notices:
// an info message in the answer to the request that carries a notice,
// none for a notice the session has had (its own param or one it covered),
// on create, update and complete alike, and what it has told kept with
// the stored session.
func TestNoticesAreToldOncePerSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	discounts := checkout.Notice{Param: "$.discounts", Also: []string{"$.coupons"}, Message: "No discounts here."}
	coupons := checkout.Notice{Param: "$.coupons", Also: []string{"$.discounts"}, Message: "No discounts here."}
	locale := checkout.Notice{Param: "$.locale", Message: "Not translated."}
	terms := checkout.Notice{Param: "$.payment_data.payment_terms", Message: "No payment terms."}

	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, Notices: []checkout.Notice{discounts, locale}})
	if got := infoParams(sess); !slices.Equal(got, []string{"$.discounts", "$.locale"}) {
		t.Fatalf("create told %v", got)
	}
	if sess.Messages[len(sess.Messages)-1].Content != "Not translated." {
		t.Errorf("message = %+v", sess.Messages[len(sess.Messages)-1])
	}
	for _, notices := range [][]checkout.Notice{{coupons}, {discounts, locale}, nil} {
		updated, err := f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{Notices: notices}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := infoParams(updated); len(got) != 0 {
			t.Errorf("update with %v told %v again", notices, got)
		}
	}
	stored, err := f.svc.Get(ctx, "agent", sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored.Notified, []string{"$.discounts", "$.coupons", "$.locale"}) {
		t.Errorf("stored Notified = %v", stored.Notified)
	}
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok"), Notices: []checkout.Notice{terms, locale}}, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v", done, err)
	}
	if got := infoParams(done); !slices.Equal(got, []string{"$.payment_data.payment_terms"}) {
		t.Errorf("complete told %v", got)
	}
}
