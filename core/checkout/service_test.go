package checkout_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/internal/optional"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/sdk/acp"
)

func TestCreateMessages(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		items      []checkout.ItemInput
		addr       *acp.Address
		wantStatus model.Status
		wantCode   string
		wantParam  string
	}{
		"ready with address":    {[]checkout.ItemInput{{ID: "mug", Quantity: 1}}, address("US", "CA"), model.StatusReadyForPayment, "", ""},
		"digital needs nothing": {[]checkout.ItemInput{{ID: "ebook", Quantity: 1}}, nil, model.StatusReadyForPayment, "", ""},
		"missing address":       {[]checkout.ItemInput{{ID: "mug", Quantity: 1}}, nil, model.StatusNotReadyForPayment, acp.CodeMissing, "$.fulfillment_details.address"},
		"unknown sku":           {[]checkout.ItemInput{{ID: "mug", Quantity: 1}, {ID: "nope", Quantity: 1}}, address("US", "CA"), model.StatusNotReadyForPayment, acp.CodeNotFound, "$.line_items[1].item.id"},
		"out of stock":          {[]checkout.ItemInput{{ID: "grinder", Quantity: 1}}, address("US", "CA"), model.StatusNotReadyForPayment, acp.CodeOutOfStock, "$.line_items[0].item.id"},
		"over stock":            {[]checkout.ItemInput{{ID: "tee", Quantity: 6}}, address("US", "CA"), model.StatusNotReadyForPayment, acp.CodeLowStock, "$.line_items[0].quantity"},
		"over per-order limit":  {[]checkout.ItemInput{{ID: "mug", Quantity: 11}}, address("US", "CA"), model.StatusNotReadyForPayment, acp.CodeQuantityExceeded, "$.line_items[0].quantity"},
		"unshippable address":   {[]checkout.ItemInput{{ID: "tee", Quantity: 1}}, address("FR", "75"), model.StatusNotReadyForPayment, acp.CodeRegionRestricted, "$.line_items[0]"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			in := checkout.CreateInput{Items: tc.items}
			if tc.addr != nil {
				in.FulfillmentDetails = &model.FulfillmentDetails{Address: tc.addr}
			}
			sess := f.create(t, in)
			if sess.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s (messages %+v)", sess.Status, tc.wantStatus, sess.Messages)
			}
			if tc.wantCode == "" && len(sess.Messages) != 0 {
				t.Errorf("messages = %+v, want none", sess.Messages)
			}
			if tc.wantCode != "" && len(messagesAt(sess, "", tc.wantCode, tc.wantParam)) == 0 {
				t.Errorf("messages = %+v, want %s at %s", sess.Messages, tc.wantCode, tc.wantParam)
			}
		})
	}
}

func TestCreateRejectsOtherCurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.svc.Create(context.Background(), "agent", "2026-04-17", checkout.CreateInput{Currency: "eur", Items: []checkout.ItemInput{{ID: "mug", Quantity: 1}}}, nil)
	wantAPIError(t, err, http.StatusBadRequest, apierr.CodeUnsupportedCurrency, "$.currency")
}

func TestUpdateSemantics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "mug", Quantity: 2}}, OrderNotes: "ring twice"})

	// Address arrives: ready, with the cheapest shipping option selected.
	sess, err := f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{FulfillmentDetails: optional.Of(&model.FulfillmentDetails{Address: address("US", "CA")})}, nil)
	if err != nil {
		t.Fatalf("Update(address) error = %v", err)
	}
	if sess.Status != model.StatusReadyForPayment || len(sess.Selected) != 1 || sess.Selected[0].OptionID != "standard" {
		t.Fatalf("after address: status %s selected %+v", sess.Status, sess.Selected)
	}
	if sess.OrderNotes != "ring twice" {
		t.Errorf("absent order_notes changed them to %q", sess.OrderNotes)
	}

	// Explicit choice by item id (the spec's examples use item ids).
	sess, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{Selections: optional.Of([]checkout.SelectionInput{{Type: "shipping", OptionID: "express", ItemIDs: []string{"mug"}}})}, nil)
	if err != nil {
		t.Fatalf("Update(select) error = %v", err)
	}
	if sess.Selected[0].OptionID != "express" || sess.Totals.Fulfillment != 1700 {
		t.Fatalf("after select: %+v fulfillment %d, want express 1700", sess.Selected, sess.Totals.Fulfillment)
	}

	// Replacing the lines keeps the choice (stable line ids).
	sess, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{Items: optional.Of([]checkout.ItemInput{{ID: "mug", Quantity: 1}})}, nil)
	if err != nil {
		t.Fatalf("Update(lines) error = %v", err)
	}
	if len(sess.Lines) != 1 || sess.Lines[0].Quantity != 1 || sess.Selected[0].OptionID != "express" {
		t.Fatalf("after lines: lines %+v selected %+v", sess.Lines, sess.Selected)
	}

	// An unknown option is a request error and changes nothing.
	_, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{Selections: optional.Of([]checkout.SelectionInput{{OptionID: "teleport"}})}, nil)
	wantAPIError(t, err, http.StatusBadRequest, apierr.CodeInvalid, "$.selected_fulfillment_options[0].option_id")
	_, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{Selections: optional.Of([]checkout.SelectionInput{{OptionID: "express", ItemIDs: []string{"nope"}}})}, nil)
	wantAPIError(t, err, http.StatusBadRequest, apierr.CodeInvalid, "$.selected_fulfillment_options[0].item_ids[0]")
	got, err := f.svc.Get(ctx, "agent", sess.ID)
	if err != nil || got.Selected[0].OptionID != "express" || got.UpdatedAt != sess.UpdatedAt {
		t.Fatalf("a rejected update changed the session: %+v %v", got.Selected, err)
	}

	// null clears: the address goes, so the session is not ready again.
	sess, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{FulfillmentDetails: optional.Value[*model.FulfillmentDetails]{Set: true, Null: true}, OrderNotes: optional.Value[string]{Set: true, Null: true}}, nil)
	if err != nil {
		t.Fatalf("Update(null) error = %v", err)
	}
	if sess.FulfillmentDetails != nil || sess.OrderNotes != "" || sess.Status != model.StatusNotReadyForPayment {
		t.Fatalf("after null: details %+v notes %q status %s", sess.FulfillmentDetails, sess.OrderNotes, sess.Status)
	}
}

func TestOtherAgentCannotSeeSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	_, err := f.svc.Get(context.Background(), "intruder", sess.ID)
	wantAPIError(t, err, http.StatusNotFound, apierr.CodeNotFound, "")
}

func TestCompleteFlows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ready := checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 2}}}

	t.Run("success creates an order and charges once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sess := f.create(t, ready)
		done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
		if err != nil {
			t.Fatalf("Complete() error = %v", err)
		}
		if done.Status != model.StatusCompleted || done.Order == nil || done.Order.Total != sess.Totals.Total || done.Payment.Token != "" {
			t.Fatalf("completed session = %+v order %+v", done.Status, done.Order)
		}
		if done.Order.PermalinkURL != "https://shop.test/orders/"+done.Order.ID {
			t.Errorf("permalink = %s", done.Order.PermalinkURL)
		}
		_, err = f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
		wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionCompleted, "")
		_, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{}, nil)
		wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionCompleted, "")
		_, err = f.svc.Cancel(ctx, "agent", sess.ID, checkout.CancelInput{}, nil)
		wantAPIError(t, err, http.StatusMethodNotAllowed, apierr.CodeSessionCompleted, "")
		if got := f.sandbox.Charges(); got != 1 {
			t.Errorf("charges = %d, want 1", got)
		}
	})

	t.Run("decline leaves the session payable", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sess := f.create(t, ready)
		declined, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_decline")}, nil)
		if err != nil {
			t.Fatalf("Complete(decline) error = %v", err)
		}
		if declined.Status != model.StatusReadyForPayment || declined.Order != nil || len(messagesAt(declined, "", acp.CodePaymentDeclined, "$.payment_data")) == 0 {
			t.Fatalf("declined session: %s %+v", declined.Status, declined.Messages)
		}
		if declined.Messages[len(declined.Messages)-1].Resolution != acp.ResolutionRecoverable {
			t.Errorf("decline resolution = %q", declined.Messages[len(declined.Messages)-1].Resolution)
		}
		done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
		if err != nil || done.Status != model.StatusCompleted || done.Payment.Attempt != 2 {
			t.Fatalf("retry after decline: %v %+v", err, done)
		}
	})

	t.Run("3ds asks for authentication then charges", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		in := ready
		in.AgentInterventions = []string{"3ds"}
		sess := f.create(t, in)
		pending, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_3ds")}, nil)
		if err != nil || pending.Status != model.StatusAuthenticationRequired || pending.AuthenticationMetadata == nil {
			t.Fatalf("first complete: %v %+v", err, pending)
		}
		_, err = f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_3ds")}, nil)
		wantAPIError(t, err, http.StatusBadRequest, apierr.CodeRequires3DS, "$.authentication_result")
		done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_3ds"), Authentication: &checkout.AuthenticationInput{Outcome: "authenticated"}}, nil)
		if err != nil || done.Status != model.StatusCompleted || done.AuthenticationMetadata != nil {
			t.Fatalf("authenticated complete: %v %+v", err, done)
		}
		if f.sandbox.Charges() != 1 {
			t.Errorf("charges = %d, want 1", f.sandbox.Charges())
		}
	})

	t.Run("denied 3ds declines", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		in := ready
		in.AgentInterventions = []string{"3ds"}
		sess := f.create(t, in)
		if _, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_3ds")}, nil); err != nil {
			t.Fatal(err)
		}
		denied, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Authentication: &checkout.AuthenticationInput{Outcome: "denied"}}, nil)
		if err != nil || denied.Status != model.StatusReadyForPayment || len(messagesAt(denied, "", acp.CodePaymentDeclined, "$.payment_data")) == 0 {
			t.Fatalf("denied: %v %+v", err, denied)
		}
	})

	t.Run("not ready is refused", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "mug", Quantity: 1}}})
		_, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
		wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionNotReady, "$.fulfillment_details.address")
	})

	t.Run("unknown handler is refused", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		sess := f.create(t, ready)
		_, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "bitcoin", Token: "x"}}, nil)
		wantAPIError(t, err, http.StatusBadRequest, apierr.CodeUnknownHandler, "$.payment_data.handler_id")
	})
}

// TestConcurrentCompletesChargeOnce fires many completes at one session:
// exactly one charge and one order, whatever the interleaving.
func TestConcurrentCompletesChargeOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	completed, refused := 0, 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.svc.Complete(context.Background(), "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && got.Status == model.StatusCompleted:
				completed++
			case err != nil:
				refused++
			}
		}()
	}
	wg.Wait()
	if completed != 1 || refused != 15 || f.sandbox.Charges() != 1 {
		t.Fatalf("completed=%d refused=%d charges=%d, want 1, 15, 1", completed, refused, f.sandbox.Charges())
	}
}

// TestUnknownOutcomeResumesSameAttempt: when the processor cannot be
// reached the attempt stays open, cancel and update are refused, and the
// next complete resumes it with the same key: one charge in all.
func TestUnknownOutcomeResumesSameAttempt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.flaky.failures = 2
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	pay := checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"}
	_, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: pay}, nil)
	wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodePaymentUnavailable, "")
	got, _ := f.svc.Get(ctx, "agent", sess.ID)
	if got.Status != model.StatusCompleteInProgress {
		t.Fatalf("status after unknown outcome = %s", got.Status)
	}
	_, err = f.svc.Cancel(ctx, "agent", sess.ID, checkout.CancelInput{}, nil)
	wantAPIError(t, err, http.StatusConflict, apierr.CodeSessionInProgress, "")
	_, err = f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: pay}, nil)
	wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodePaymentUnavailable, "")
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "flaky", Token: "spt_other"}}, nil)
	if err != nil || done.Status != model.StatusCompleted || done.Payment.Attempt != 1 {
		t.Fatalf("resumed complete: %v %+v", err, done)
	}
}

func TestPriceChangeIsReportedNotCharged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	f.catalog.setPrice("ebook", 1299)
	got, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil {
		t.Fatalf("Complete() error = %v", err)
	}
	if got.Status != model.StatusReadyForPayment || got.Order != nil || len(messagesAt(got, "", acp.CodePriceChange, "$.totals")) == 0 {
		t.Fatalf("complete after a price change = %s %+v, want an unpaid session with a price_change warning", got.Status, got.Messages)
	}
	if m := got.Messages[len(got.Messages)-1]; m.Content != "The total changed from 10.71 USD to 13.93 USD since the session was last returned; review it and complete again." {
		t.Errorf("price change warning %q, want the totals as amounts", m.Content)
	}
	if got.Totals.Total <= sess.Totals.Total || f.sandbox.Charges() != 0 {
		t.Fatalf("total %d (was %d), charges %d", got.Totals.Total, sess.Totals.Total, f.sandbox.Charges())
	}
	// Completing again at the new, reported price charges it.
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	if err != nil || done.Status != model.StatusCompleted || done.Order.Total != got.Totals.Total {
		t.Fatalf("second complete: %v %+v", err, done)
	}
}

func TestExpiredSessionRefusesChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "mug", Quantity: 1}}, FulfillmentDetails: &model.FulfillmentDetails{Address: address("US", "CA")}})
	f.clock.Advance(6*time.Hour + time.Second)
	_, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionExpired, "")
	got, err := f.svc.Get(ctx, "agent", sess.ID)
	if err != nil || got.Status != model.StatusExpired {
		t.Fatalf("expired session reads as %v %v", got.Status, err)
	}
	_, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{}, nil)
	wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionExpired, "")
	if f.sandbox.Charges() != 0 {
		t.Errorf("charges = %d, want 0", f.sandbox.Charges())
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	canceled, err := f.svc.Cancel(ctx, "agent", sess.ID, checkout.CancelInput{IntentTrace: []byte(`{"reason_code":"shipping_cost"}`)}, nil)
	if err != nil || canceled.Status != model.StatusCanceled || string(canceled.WriteOnly.IntentTrace) != `{"reason_code":"shipping_cost"}` {
		t.Fatalf("Cancel() = %+v, %v", canceled, err)
	}
	_, err = f.svc.Cancel(ctx, "agent", sess.ID, checkout.CancelInput{}, nil)
	wantAPIError(t, err, http.StatusMethodNotAllowed, apierr.CodeSessionCanceled, "")
	_, err = f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: cardPayment("spt_ok")}, nil)
	wantAPIError(t, err, http.StatusBadRequest, apierr.CodeSessionCanceled, "")
}

// TestUnknownOutcomeOf3DSConfirmationResumes: the confirmation after 3DS
// is recorded before the handler is called, so when its outcome is unknown
// the session is complete_in_progress (update and cancel refused) and the
// next complete resumes the same attempt with the same authentication
// result: one charge in all.
func TestUnknownOutcomeOf3DSConfirmationResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, AgentInterventions: []string{"3ds"}})
	pay := checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_x_3ds"}
	pending, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: pay}, nil)
	if err != nil || pending.Status != model.StatusAuthenticationRequired {
		t.Fatalf("first complete: %v %+v", err, pending)
	}
	f.flaky.failures = 1
	auth := &checkout.AuthenticationInput{Outcome: "authenticated"}
	_, err = f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: pay, Authentication: auth}, nil)
	wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodePaymentUnavailable, "")
	_, err = f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{}, nil)
	wantAPIError(t, err, http.StatusConflict, apierr.CodeSessionInProgress, "")
	_, err = f.svc.Cancel(ctx, "agent", sess.ID, checkout.CancelInput{}, nil)
	wantAPIError(t, err, http.StatusConflict, apierr.CodeSessionInProgress, "")
	done, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{}, nil)
	if err != nil || done.Status != model.StatusCompleted || done.Payment.Attempt != 1 {
		t.Fatalf("resumed confirmation: %v %+v", err, done)
	}
	if got := f.flaky.Handler.(*sandbox.Handler).Charges(); got != 1 {
		t.Fatalf("charges = %d, want 1", got)
	}
}

// TestReconcileStale: a payment whose outcome stayed unknown is settled by
// the background reconciliation once it is old enough, with the same
// attempt: one charge, and nothing younger is touched.
func TestReconcileStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.flaky.failures = 1
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}})
	_, err := f.svc.Complete(ctx, "agent", sess.ID, checkout.CompleteInput{Payment: checkout.PaymentInput{HandlerID: "flaky", InstrumentType: "card", Token: "spt_ok"}}, nil)
	wantAPIError(t, err, http.StatusServiceUnavailable, apierr.CodePaymentUnavailable, "")

	if n, err := f.svc.ReconcileStale(ctx, time.Minute, 10); err != nil || n != 0 {
		t.Fatalf("ReconcileStale() on a fresh attempt = %d, %v; want 0", n, err)
	}
	f.clock.Advance(2 * time.Minute)
	if n, err := f.svc.ReconcileStale(ctx, time.Minute, 10); err != nil || n != 1 {
		t.Fatalf("ReconcileStale() = %d, %v; want 1", n, err)
	}
	got, err := f.svc.Get(ctx, "agent", sess.ID)
	if err != nil || got.Status != model.StatusCompleted || got.Payment.Attempt != 1 {
		t.Fatalf("after reconciliation: %v %+v", err, got)
	}
	if n, _ := f.svc.ReconcileStale(ctx, time.Minute, 10); n != 0 {
		t.Fatalf("a settled session was reconciled again")
	}
	if c := f.flaky.Handler.(*sandbox.Handler).Charges(); c != 1 {
		t.Fatalf("charges = %d, want 1", c)
	}
}
