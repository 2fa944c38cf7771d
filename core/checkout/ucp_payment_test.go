package checkout_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/checkout"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/payment"
	"github.com/acp-sidecar/acp/core/payment/sandbox"
	"github.com/acp-sidecar/acp/core/payment/stripe"
	"github.com/acp-sidecar/acp/core/payment/stripe/stripefake"
	"github.com/acp-sidecar/acp/sdk/acp"
)

const challengeReturn = "https://shop.test/checkout/3ds-done"

// ucpPlatform is the UCP context of a session made over UCP.
var ucpPlatform = &model.UCPContext{Profile: "https://platform.test/profile"}

// ucpFixture is the test engine with two more handlers offered over UCP:
// "stripe_ucp" (stripe-go against the fake Stripe) and "sandbox_ucp",
// both with a challenge return page.
func ucpFixture(t *testing.T) (*fixture, *stripefake.Server, *sandbox.Handler) {
	t.Helper()
	return ucpFixtureWith(t, nil)
}

// ucpFixtureWith is ucpFixture with its engine options adjusted by adjust
// (when set).
func ucpFixtureWith(t *testing.T, adjust func(*checkout.Options)) (*fixture, *stripefake.Server, *sandbox.Handler) {
	t.Helper()
	fake := stripefake.Start(t, stripefake.Options{})
	zero := int64(0)
	sh, err := stripe.New(stripe.Config{
		ID: "stripe_ucp", MerchantID: "acct_123", AcceptedBrands: []string{"visa"}, SecretKey: stripefake.SecretKey,
		APIBaseURL: fake.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second}, MaxNetworkRetries: &zero,
		UCP: &stripe.UCPConfig{ChallengeReturnURL: challengeReturn},
	})
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.Config{ID: "sandbox_ucp", MerchantID: "acct_test", AcceptedBrands: []string{"visa"},
		UCP: &sandbox.UCPConfig{ChallengeReturnURL: challengeReturn}})
	f := newFixtureWith(t, func(o *checkout.Options) {
		o.Handlers = append(o.Handlers, sh, sb)
		if adjust != nil {
			adjust(o)
		}
	})
	return f, fake, sb
}

// tokenPayment is a UCP card instrument with a token credential.
func tokenPayment(handler, token string) checkout.PaymentInput {
	return checkout.PaymentInput{HandlerID: handler, InstrumentType: "card", CredentialType: payment.CredentialToken, Token: token}
}

// openChallenge is the buyer's browser on the fake Stripe's challenge
// page, which passes the challenge and sends the buyer back.
func openChallenge(t *testing.T, page string) {
	t.Helper()
	status, location, err := stripefake.OpenChallenge(page)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusFound || location != challengeReturn {
		t.Fatalf("challenge page: %d to %q", status, location)
	}
}

// TestUCPChallengeResumes: a UCP complete whose card needs 3-D Secure
// leaves the session authentication_required with the challenge page as
// its continue_url; completes before the buyer finished ask again; the
// complete after the challenge authorizes, places the order and captures
// once, and a retry of it charges nothing more.
func TestUCPChallengeResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, fake, _ := ucpFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: ucpPlatform})
	pay := checkout.CompleteInput{Payment: tokenPayment("stripe_ucp", stripefake.PaymentMethod3DS)}

	pending, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
	if err != nil {
		t.Fatalf("first complete: %v", err)
	}
	if pending.Status != model.StatusAuthenticationRequired || !strings.HasPrefix(pending.ContinueURL, fake.URL+stripefake.ChallengePath) ||
		pending.AuthenticationMetadata != nil || pending.Order != nil {
		t.Fatalf("first complete: status %s, continue_url %q, metadata %s", pending.Status, pending.ContinueURL, pending.AuthenticationMetadata)
	}
	again, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
	if err != nil {
		t.Fatalf("complete before the challenge: %v", err)
	}
	if again.Status != model.StatusAuthenticationRequired || again.ContinueURL != pending.ContinueURL {
		t.Fatalf("complete before the challenge: %v, %s %q", err, again.Status, again.ContinueURL)
	}
	openChallenge(t, pending.ContinueURL)
	done, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
	if err != nil {
		t.Fatalf("complete after the challenge: %v", err)
	}
	if done.Status != model.StatusCompleted || done.Order == nil || done.ContinueURL != "" || done.Payment.Token != "" {
		t.Fatalf("complete after the challenge: %v, %+v", err, done)
	}
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil); err == nil {
		t.Error("a complete of the completed session was accepted")
	}
	pis := fake.PaymentIntents()
	if len(pis) != 1 || pis[0].Status != "succeeded" || pis[0].Captures != 1 || done.Order.PaymentID != pis[0].ID {
		t.Fatalf("payment intents = %+v, want one captured once for the order", pis)
	}
	if n := fake.RequestCount(http.MethodPost, "/v1/payment_intents"); n != 1 {
		t.Errorf("%d PaymentIntent creates, want 1", n)
	}
}

// TestUCPChallengeOnlyOverUCP: the same card over ACP (no challenge page
// possible) is declined and its PaymentIntent released; an update during
// a UCP challenge drops the page with the attempt.
func TestUCPChallengeOnlyOverUCP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, fake, _ := ucpFixture(t)
	acpSess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, AgentInterventions: []string{"3ds"}})
	declined, err := f.svc.Complete(ctx, "agent", acpSess.ID, checkout.CompleteInput{Payment: tokenPayment("stripe_ucp", stripefake.PaymentMethod3DS)}, nil)
	if err != nil {
		t.Fatalf("ACP complete: %v", err)
	}
	if declined.Status != model.StatusReadyForPayment || declined.ContinueURL != "" ||
		len(messagesAt(declined, "", acp.CodePaymentDeclined, "$.payment_data")) == 0 {
		t.Fatalf("ACP complete: %v, %+v", err, declined)
	}
	if pis := fake.PaymentIntents(); len(pis) != 1 || pis[0].Status != "canceled" || pis[0].ReturnURL != "" {
		t.Fatalf("payment intents = %+v, want one canceled without a return_url", pis)
	}

	ucpSess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: ucpPlatform})
	pending, err := f.svc.Complete(ctx, "agent", ucpSess.ID, checkout.CompleteInput{Payment: tokenPayment("stripe_ucp", stripefake.PaymentMethod3DS)}, nil)
	if err != nil {
		t.Fatalf("UCP complete: %v", err)
	}
	if pending.ContinueURL == "" {
		t.Fatalf("UCP complete: %v, %+v", err, pending)
	}
	updated, err := f.svc.Update(ctx, "agent", ucpSess.ID, checkout.UpdateInput{}, nil)
	if err != nil {
		t.Fatalf("update during the challenge: %v", err)
	}
	if updated.Status != model.StatusReadyForPayment || updated.ContinueURL != "" {
		t.Fatalf("update during the challenge: %v, %s %q", err, updated.Status, updated.ContinueURL)
	}
}

// TestUCPSandboxChallenge: the sandbox sends a UCP buyer whose token asks
// for 3DS to the return page and charges on the next complete, once; a
// sandbox not offering challenges declines such a token.
func TestUCPSandboxChallenge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, _, sb := ucpFixture(t)
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: ucpPlatform})
	pay := checkout.CompleteInput{Payment: tokenPayment("sandbox_ucp", "tok_demo"+sandbox.ThreeDSSuffix)}
	pending, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
	if err != nil {
		t.Fatalf("first complete: %v", err)
	}
	if pending.Status != model.StatusAuthenticationRequired || pending.ContinueURL != challengeReturn {
		t.Fatalf("first complete: %v, %s %q", err, pending.Status, pending.ContinueURL)
	}
	done, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
	if err != nil {
		t.Fatalf("second complete: %v", err)
	}
	if done.Status != model.StatusCompleted || sb.Charges() != 1 {
		t.Fatalf("second complete: %v, %s, %d charges", err, done.Status, sb.Charges())
	}

	// The fixture's own sandbox ("card") is not offered over UCP.
	other := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: ucpPlatform})
	declined, err := f.svc.Complete(ctx, "agent", other.ID, checkout.CompleteInput{Payment: tokenPayment("card", "tok_demo"+sandbox.ThreeDSSuffix)}, nil)
	if err != nil {
		t.Fatalf("complete without challenges: %v", err)
	}
	if declined.Status != model.StatusReadyForPayment || declined.ContinueURL != "" {
		t.Fatalf("complete without challenges: %s %q", declined.Status, declined.ContinueURL)
	}
}

// challengePage is what the buyer's browser gets from a challenge page.
func challengePage(t *testing.T, page string) int {
	t.Helper()
	status, _, err := stripefake.OpenChallenge(page)
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// TestUCPChallengeReleasedWhenAbandoned: an update or a cancel while the
// buyer is on the challenge page voids that attempt's PaymentIntent, so
// the page can no longer authorize (or take) money for it; the next
// attempt pays once. A buyer who passed the challenge before a cancel,
// with the money captured at once, is refunded and the refund reported.
func TestUCPChallengeReleasedWhenAbandoned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rep := &reporter{}
	f, fake, _ := ucpFixtureWith(t, func(o *checkout.Options) {
		o.MoneyReporter = rep
		o.CaptureMethods = map[string]payment.CaptureMethod{"stripe_ucp": payment.CaptureImmediate}
	})
	pay := checkout.CompleteInput{Payment: tokenPayment("stripe_ucp", stripefake.PaymentMethod3DS)}
	challenge := func(t *testing.T, id string) (*model.Session, stripefake.PaymentIntent) {
		t.Helper()
		pending, err := f.svc.Complete(ctx, "agent", id, pay, nil)
		if err != nil || pending.ContinueURL == "" || pending.Payment.PaymentID == "" {
			t.Fatalf("complete: %v, %+v", err, pending)
		}
		pi, ok := fake.PaymentIntent(pending.Payment.PaymentID)
		if !ok || pi.Status != "requires_action" {
			t.Fatalf("payment intent %+v, want requires_action", pi)
		}
		return pending, pi
	}

	t.Run("update", func(t *testing.T) {
		sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: ucpPlatform})
		pending, first := challenge(t, sess.ID)
		if _, err := f.svc.Update(ctx, "agent", sess.ID, checkout.UpdateInput{}, nil); err != nil {
			t.Fatalf("update during the challenge: %v", err)
		}
		if pi, _ := fake.PaymentIntent(first.ID); pi.Status != "canceled" || pi.CancellationReason != "abandoned" {
			t.Fatalf("abandoned payment intent = %+v, want canceled as abandoned", pi)
		}
		if code := challengePage(t, pending.ContinueURL); code != http.StatusNotFound {
			t.Fatalf("the abandoned challenge page answered %d, want 404", code)
		}
		again, second := challenge(t, sess.ID)
		if second.ID == first.ID {
			t.Fatalf("the next attempt reused payment intent %s", first.ID)
		}
		openChallenge(t, again.ContinueURL)
		done, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
		if err != nil || done.Status != model.StatusCompleted {
			t.Fatalf("complete after the second challenge: %v, %+v", err, done)
		}
		paid := 0
		for _, pi := range fake.PaymentIntents() {
			if pi.Metadata[stripe.MetadataSessionID] == sess.ID && pi.Status == "succeeded" {
				paid++
			}
		}
		if paid != 1 {
			t.Fatalf("%d payment intents of the session succeeded, want 1", paid)
		}
	})

	t.Run("cancel after the challenge passed", func(t *testing.T) {
		sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: ucpPlatform})
		pending, first := challenge(t, sess.ID)
		openChallenge(t, pending.ContinueURL) // captured at once; no complete follows
		canceled, err := f.svc.Cancel(ctx, "agent", sess.ID, checkout.CancelInput{}, nil)
		if err != nil || canceled.Status != model.StatusCanceled {
			t.Fatalf("cancel: %v, %+v", err, canceled)
		}
		if pi, _ := fake.PaymentIntent(first.ID); pi.Status != "succeeded" || pi.Refunded != pi.Amount {
			t.Fatalf("payment intent = %+v, want refunded in full", pi)
		}
		var got []checkout.MoneyOutcome
		for _, o := range rep.outcomes() {
			if o.SessionID == sess.ID {
				got = append(got, o)
			}
		}
		if len(got) != 1 || got[0].State != model.PaymentRefunded || got[0].Cause != checkout.ReleaseChallengeAbandoned ||
			got[0].PaymentID != first.ID || got[0].Err != nil {
			t.Fatalf("money outcomes = %+v, want one refund of %s", got, first.ID)
		}
	})
}

// TestUCPChallengeResumeAfterUnknownOutcome: a complete after the
// challenge whose charge ends with an unknown outcome (the processor
// unreachable) leaves the attempt in progress; the next complete reads the
// attempt's PaymentIntent by its id, even while the processor's search
// lags and its idempotent replay would show the PaymentIntent as created
// (still asking for the challenge), so the buyer who passed it is not sent
// back to the page, and nothing is created twice.
func TestUCPChallengeResumeAfterUnknownOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var flaky *flakyHandler
	f, fake, _ := ucpFixtureWith(t, func(o *checkout.Options) {
		for i, h := range o.Handlers {
			if h.Descriptor().ID == "stripe_ucp" {
				flaky = &flakyHandler{Handler: h}
				o.Handlers[i] = flaky
			}
		}
	})
	sess := f.create(t, checkout.CreateInput{Items: []checkout.ItemInput{{ID: "ebook", Quantity: 1}}, UCP: ucpPlatform})
	pay := checkout.CompleteInput{Payment: tokenPayment("stripe_ucp", stripefake.PaymentMethod3DS)}
	pending, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
	if err != nil || pending.ContinueURL == "" {
		t.Fatalf("first complete: %v, %+v", err, pending)
	}
	openChallenge(t, pending.ContinueURL)
	fake.SetSearchLag(true)
	flaky.mu.Lock()
	flaky.failures = 1
	flaky.mu.Unlock()
	if _, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil); err == nil {
		t.Fatal("the complete whose charge failed succeeded")
	}
	done, err := f.svc.Complete(ctx, "agent", sess.ID, pay, nil)
	if err != nil || done.Status != model.StatusCompleted || done.ContinueURL != "" || done.Order == nil {
		t.Fatalf("complete after the unknown outcome: %v, %+v", err, done)
	}
	pis := fake.PaymentIntents()
	if len(pis) != 1 || pis[0].Status != "succeeded" || pis[0].Captures != 1 || done.Order.PaymentID != pis[0].ID {
		t.Fatalf("payment intents = %+v, want one captured once for the order", pis)
	}
}
