// Package stripefake is a fake Stripe API for tests: an httptest server
// that the real stripe-go client talks to (point the handler's
// APIBaseURL at Server.URL). It implements only what a seller charging
// shared payment tokens (ACP) and processor-tokenized cards (UCP) uses
// (STRIPE-NOTES §3.4):
//
//   - POST /v1/payment_intents (create and confirm with a granted token
//     or a test PaymentMethod; capture_method=manual ends in
//     requires_capture),
//     GET /v1/payment_intents/{id}, POST …/{id}/confirm, POST …/{id}/capture
//     (once), POST …/{id}/cancel (which also releases an authorization);
//   - POST /v1/refunds for a whole PaymentIntent;
//   - GET /v1/shared_payment/granted_tokens/{id};
//   - POST /v1/test_helpers/shared_payment/granted_tokens (mint) and
//     …/{id}/revoke.
//
// It checks the bearer secret key, parses and checks form bodies, and is
// stateful like Stripe: an Idempotency-Key replays the first response (a
// different request under the same key gets Stripe's idempotency_error),
// tokens are single use and carry currency, max-amount and expiry limits.
// Requests with the same key are serialized (real Stripe answers 409 to a
// concurrent duplicate, which stripe-go retries).
//
// Behaviour is chosen by the token id's prefix (or, for minted tokens, by
// the test PaymentMethod):
//
//	spt_ok…       succeeds
//	spt_decline…  402 card_error/card_declined (a PaymentIntent is created)
//	spt_3ds…      200 requires_action; a confirm then succeeds
//	spt_expired…  expired: 400 invalid_request_error
//	spt_revoked…  revoked: 400 invalid_request_error
//	spt_used…     already consumed: 400 invalid_request_error
//	spt_5xx…      the first request carrying it gets 500, with nothing
//	              recorded (no PaymentIntent, no idempotent response); then ok
//	spt_timeout…  the first request creates the PaymentIntent and records
//	              the response, then answers only after TimeoutDelay (or
//	              when the client gives up); a retry with the same key
//	              replays the PaymentIntent at once
//	spt_capturefail…  authorizes, but the capture is refused with
//	              charge_expired_for_capture and the PaymentIntent canceled
//
// Any token is single use: a second PaymentIntent with it is refused.
// Unknown tokens get 400 resource_missing, as at Stripe.
//
// A PaymentIntent may instead be paid with a processor-tokenized card:
// payment_method set to one of Stripe's test PaymentMethods
// (PaymentMethodVisa, PaymentMethodDeclined, PaymentMethod3DS, …; any
// other gets 400 resource_missing), optionally with a return_url. A card
// that needs 3-D Secure is then requires_action with next_action
// redirect_to_url pointing at the fake's challenge page (ChallengePath),
// which the buyer's GET passes (or fails with ?outcome=fail) before it
// redirects to the return_url; the PaymentIntent is then requires_capture
// or succeeded (or requires_payment_method), as at Stripe.
//
// Layer: a test fake, used by tests only. It may import core/signature and
// core/internal only.
package stripefake
