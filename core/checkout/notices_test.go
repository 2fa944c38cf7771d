package checkout_test

import (
	"context"
	"reflect"
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
// an info message from the answer to the request that carries a notice on,
// in every later answer, exactly once: a request carrying a member the
// session was told about (its own param or one it covered) adds nothing,
// on create, update and complete alike, and the notices are kept with the
// stored session.
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
		if got := infoParams(updated); !slices.Equal(got, []string{"$.discounts", "$.locale"}) {
			t.Errorf("update with %v told %v, want the two kept notices once each", notices, got)
		}
	}
	stored, err := f.svc.Get(ctx, "agent", sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored.Notices, []checkout.Notice{discounts, locale}) {
		t.Errorf("stored Notices = %+v", stored.Notices)
	}
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok"), Notices: []checkout.Notice{terms, locale}}, nil)
	if err != nil || done.Status != model.StatusCompleted {
		t.Fatalf("Complete() = %v, %v", done, err)
	}
	if got := infoParams(done); !slices.Equal(got, []string{"$.discounts", "$.locale", "$.payment_data.payment_terms"}) {
		t.Errorf("complete told %v", got)
	}
}

// TestUnusedCompleteMembersAreTold checks that what a complete carries
// and the session's state leaves unused is told, on every complete path:
// an authentication_result on a first complete or on a resumed payment,
// the buyer, notes and write-only members of a complete that answers 3-D
// Secure or resumes a payment, and the codec's notices on those paths.
func TestUnusedCompleteMembersAreTold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	terms := checkout.Notice{Param: "$.payment_data.payment_terms", Message: "No payment terms."}
	authenticated := &checkout.AuthenticationInput{Outcome: "authenticated"}
	extra := &model.Buyer{FirstName: "Other", Email: "other@example.com"}
	testCases := map[string]struct {
		// start brings the session to the state of the last complete.
		start func(t *testing.T, f *fixture, id string)
		last  checkout.CompleteInput
		want  []string
	}{
		"authentication on a first complete": {
			last: checkout.CompleteInput{Payment: cardPayment("spt_ok"), Authentication: authenticated},
			want: []string{"$.authentication_result"},
		},
		"nothing unused on a first complete": {
			last: checkout.CompleteInput{Payment: cardPayment("spt_ok"), Buyer: extra, OrderNotes: "ring twice"},
		},
		"answer to 3-D Secure": {
			start: func(t *testing.T, f *fixture, id string) {
				pending, err := f.svc.Complete(ctx, "agent", id, checkout.CompleteInput{Payment: cardPayment("spt_3ds")}, nil)
				if err != nil || pending.Status != model.StatusAuthenticationRequired {
					t.Fatalf("first complete: %v, %v", pending, err)
				}
			},
			last: checkout.CompleteInput{Payment: cardPayment("spt_3ds"), Authentication: authenticated, Buyer: extra, OrderNotes: "ring twice",
				Notices: []checkout.Notice{terms}},
			want: []string{"$.buyer", "$.payment_data.payment_terms"},
		},
		"resumed payment": {
			start: func(t *testing.T, f *fixture, id string) {
				f.flaky.failures = 1
				_, err := f.svc.Complete(ctx, "agent", id, checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"}}, nil)
				if err == nil {
					t.Fatal("the flaky charge succeeded")
				}
			},
			last: checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"},
				Authentication: authenticated, RiskSignals: &model.RiskSignals{IPAddress: "192.0.2.1"}, Notices: []checkout.Notice{terms}},
			want: []string{"$.authentication_result", "$.payment_data.payment_terms", "$.risk_signals"},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, AgentInterventions: []string{"3ds"}})
			if tc.start != nil {
				tc.start(t, f, sess.ID)
			}
			done, err := f.svc.Complete(ctx, "agent", sess.ID, tc.last, nil)
			if err != nil || done.Status != model.StatusCompleted {
				t.Fatalf("Complete() = %v, %v", done, err)
			}
			got := infoParams(done)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("told %v, want %v", got, tc.want)
			}
			applied := tc.start == nil
			if tc.last.Buyer != nil && (done.Buyer != nil && done.Buyer.Email == extra.Email) != applied {
				t.Errorf("buyer = %+v, applied should be %v", done.Buyer, applied)
			}
			if tc.last.OrderNotes != "" && (done.Order.OrderNotes == tc.last.OrderNotes) != applied {
				t.Errorf("order notes = %q, applied should be %v", done.Order.OrderNotes, applied)
			}
		})
	}
}
