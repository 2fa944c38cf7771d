package model

import (
	"strconv"
	"time"
)

// FailedOrder is a payment attempt that did not end in an order the
// seller keeps (the order system refused it, was unreachable past the
// placement deadline, or the capture failed after it accepted the order),
// and what happened to its money. It is what `acp orders list --failed`
// and the merchant API list; one per session and attempt.
type FailedOrder struct {
	// SessionID is the checkout session of the attempt.
	SessionID string `json:"session_id"`
	// Attempt is the session's payment attempt.
	Attempt int `json:"attempt"`
	// Agent is the agent that made the attempt.
	Agent string `json:"agent"`
	// OrderID is the order the order system accepted and that was then
	// canceled; empty when no order was accepted.
	OrderID string `json:"order_id,omitempty"`
	// HandlerID is the payment handler of the attempt.
	HandlerID string `json:"handler_id"`
	// PaymentID is the processor's reference for the payment, when it
	// reported one.
	PaymentID string `json:"payment_id,omitempty"`
	// Amount is the attempt's amount in minor units of Currency.
	Amount int64 `json:"amount"`
	// Currency is the session's currency.
	Currency string `json:"currency"`
	// Reason says why no order was kept: one of the FailureReason values.
	Reason FailureReason `json:"reason"`
	// Money is where the attempt's money ended: voided, refunded,
	// capture_failed (nothing was taken), or authorized/captured while a
	// void or refund the processor refused is raised to the seller.
	Money PaymentState `json:"money"`
	// Detail is a human-readable account, without personal data.
	Detail string `json:"detail,omitempty"`
	// CreatedAt is when the failure was recorded.
	CreatedAt time.Time `json:"created_at"`
}

// FailureReason says why a paid attempt did not end in a kept order.
type FailureReason string

// Failure reasons.
const (
	// FailureOrderRefused: the order system definitively refused the order.
	FailureOrderRefused FailureReason = "order_refused"
	// FailurePlacementDeadline: the order system could not be reached (or
	// its answer was unknown) until orders.placement_deadline passed.
	FailurePlacementDeadline FailureReason = "placement_deadline"
	// FailureCaptureRefused: the order was accepted, the processor refused
	// the capture, and the order was canceled.
	FailureCaptureRefused FailureReason = "capture_refused"
)

// Key identifies the failed order among all others: its session and
// attempt.
func (f *FailedOrder) Key() string {
	return f.SessionID + "/" + strconv.Itoa(f.Attempt)
}
