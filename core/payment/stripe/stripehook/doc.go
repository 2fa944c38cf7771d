// Package stripehook receives Stripe's webhook events at /stripe/webhooks,
// verified with the endpoint's signing secret (stripe-go's webhook
// package), and applies them to the checkout engine:
//
//   - payment_intent.succeeded, payment_intent.payment_failed,
//     payment_intent.amount_capturable_updated (an authorization, status
//     requires_capture) and payment_intent.canceled settle a session whose
//     payment is still in progress (Reconcile resumes the same attempt,
//     with the same idempotency key: an authorization goes on to the order
//     and its capture, and nothing is authorized or captured twice);
//   - charge.refunded records the charge's refunded amount on the order
//     (one refund adjustment per charge, carrying the cumulative amount,
//     since current API versions no longer embed the refund list);
//   - charge.dispute.created records the dispute on the order.
//
// Other events are acknowledged and ignored.
//
// Layer: API (an endpoint Stripe calls), mounted by the host without a
// bearer token. It may import the engine, the orders service, the model,
// apierr and core/payment/stripe; never the checkout API, core/host, config
// or cmd.
package stripehook
