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
	f := newFixtureWith(t, func(o *checkout.Options) { o.Handlers = append(o.Handlers, sh, sb) })
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
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != challengeReturn {
		t.Fatalf("challenge page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
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
