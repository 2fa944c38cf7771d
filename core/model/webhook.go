package model

import "time"

// States of a webhook event in the outbox.
const (
	// EventPending events are waiting for delivery or for a retry.
	EventPending = "pending"
	// EventDead events exhausted their attempts or were refused for good;
	// they stay until an operator re-queues them.
	EventDead = "dead"
)

// WebhookEvent is one order event for one webhook target, kept in the
// outbox from the transaction that caused it until it is delivered.
type WebhookEvent struct {
	// ID is stable across attempts and sent as the Request-Id header.
	ID string `json:"id"`
	// Seq orders the outbox. It is assigned by the store when the event is
	// first written and again when a dead event is re-queued.
	Seq uint64 `json:"seq"`
	// Agent and Target name the webhook target: for an ACP target, one
	// of the agent's webhooks in acp.yaml; for a UCP target (Protocol
	// "ucp"), TargetUCP.
	Agent  string `json:"agent"`
	Target string `json:"target"`
	// Protocol is the target's protocol: "" for ACP (an HMAC-signed POST
	// to the configured URL), ProtocolUCP for a UCP platform's order
	// webhook (an RFC 9421-signed POST to URL).
	Protocol string `json:"protocol,omitempty"`
	// URL is the receiver of a UCP event: the platform's order webhook
	// URL when the order was placed. Empty for ACP events, whose URL is
	// the configured target's.
	URL string `json:"url,omitempty"`
	// OrderID is the order the event is about; one target's events of one
	// order are delivered in Seq order.
	OrderID string `json:"order_id"`
	// Type is order_create or order_update.
	Type string `json:"type"`
	// APIVersion is the shape of Payload.
	APIVersion string `json:"api_version"`
	// Payload is the exact body to send.
	Payload   []byte    `json:"payload"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	// Attempts counts delivery attempts so far.
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// LastError describes the last failed attempt, without secrets.
	LastError string `json:"last_error,omitempty"`
	// LastStatus is the HTTP status of the last attempt, 0 when none came.
	LastStatus int `json:"last_status,omitempty"`
}

// ProtocolUCP is WebhookEvent.Protocol for a UCP platform's order
// webhook.
const ProtocolUCP = "ucp"

// TargetUCP is WebhookEvent.Target for a UCP platform's order webhook:
// each agent has one, whose URL each event carries.
const TargetUCP = "ucp"

// QueueKey identifies the sequence one event belongs to: a target's
// events of one order, which are delivered one after the other.
func (e *WebhookEvent) QueueKey() string {
	return e.Agent + "\x00" + e.Target + "\x00" + e.OrderID
}
