// Package stripe is a payment handler that charges Stripe
// SharedPaymentTokens (granted tokens, "spt_…") received in ACP
// payment_data, by creating and confirming one PaymentIntent per payment
// attempt through stripe-go v82 (stripe.NewClient, V1PaymentIntents).
//
// stripe-go v82 has no typed support for shared payment tokens, so the
// token is sent as the extra form parameter TokenParam and the granted
// token is read through the backend with a small hand-written struct.
//
// Idempotency: the PaymentIntent is created with the engine's idempotency
// key, so every retry of an attempt reaches the same PaymentIntent. When
// the issuer asks for 3DS, the confirmation (a Charge with
// req.Authentication set and the same key) replays that create call to
// learn the PaymentIntent id and confirms it under the distinct key
// key+ConfirmKeySuffix.
//
// Capture: with payment.CaptureManual the PaymentIntent is created with
// capture_method=manual and the charge ends in requires_capture (Outcome
// Authorized); Capture, Void (cancellation_reason=abandoned) and Refund
// act on it under key+CaptureKeySuffix, key+VoidKeySuffix and
// key+RefundKeySuffix (STRIPE-NOTES §1.10). A PaymentIntent already in
// the wanted state counts as done, so each is safe to repeat; one that
// can no longer get there is a *payment.Refusal.
//
// UCP: with Config.UCP the handler is also offered over UCP as a processor
// tokenizer (UCPHandler). A charge whose credential type is
// payment.CredentialToken ("token") carries a Stripe PaymentMethod
// ("pm_…") the platform had Stripe tokenize: the PaymentIntent is created
// with payment_method and payment_method_types=[card] instead of
// TokenParam, under the same idempotency keys, metadata, risk signals and
// capture method. When the card needs 3-D Secure and
// UCPConfig.ChallengeReturnURL is set, the PaymentIntent is confirmed with
// it as return_url, and its next_action.redirect_to_url is returned as the
// ChallengeURL; the next charge of the attempt reads the PaymentIntent
// again once the buyer completed the challenge. Otherwise such a charge is
// declined, and the PaymentIntent canceled.
//
// Neither the secret key nor the token is ever logged or put into an
// error or a buyer-facing message.
//
// Layer: a payment handler. It may import core/payment and core/internal
// only.
package stripe
