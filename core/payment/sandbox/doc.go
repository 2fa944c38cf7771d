// Package sandbox is a payment handler that charges nothing. Its outcomes
// are chosen by the token, so the demo store and tests can pay without a
// payment processor:
//
//   - a token ending in "_decline" is declined;
//   - a token ending in "_3ds" asks for 3DS authentication first, when the
//     agent negotiated the 3ds intervention (and is declined otherwise); the
//     follow-up charge succeeds when the authentication outcome is
//     "authenticated" or "attempt_acknowledged" and is declined otherwise;
//   - over UCP (a session that can send the buyer to a challenge page),
//     a token ending in "_3ds" sends the buyer to the configured page
//     (UCPConfig.ChallengeReturnURL; declined without one), and the next
//     complete of the attempt succeeds;
//   - a token ending in "_capturefail" is authorized, but its capture is
//     refused (as when an authorization lapsed);
//   - any other non-empty token succeeds.
//
// With payment.CaptureManual a success is an authorization that Capture
// takes and Void releases; with payment.CaptureImmediate it is a charge
// that Refund gives back. The sandbox keeps a ledger by idempotency key,
// so a retried attempt returns the first outcome without charging again,
// and records each attempt's steps (Steps) for tests.
//
// Layer: a payment handler. It may import core/payment and core/internal
// only.
package sandbox
