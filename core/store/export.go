package store

import "github.com/acp-sidecar/acp/core/model"

// Walker receives every record of a store, one call per record, as a
// store's Export walks it: the way records move from one store to
// another (`acp migrate --from-badger`). Webhook events come in Seq order
// within their state.
type Walker interface {
	// Session receives a session.
	Session(s *model.Session) error
	// Order receives an order.
	Order(o *model.Order) error
	// IdempotencyRecord receives an unexpired idempotency record and its key.
	IdempotencyRecord(key string, r *model.IdempotencyRecord) error
	// StockLevel receives a SKU's stock level.
	StockLevel(l *model.StockLevel) error
	// Reservation receives a session's reservation.
	Reservation(r *model.Reservation) error
	// FailedOrder receives a failed order.
	FailedOrder(f *model.FailedOrder) error
	// FeedTarget receives a feed target's publishing state.
	FeedTarget(t *model.FeedTarget) error
	// FeedProduct receives a product a feed target's platform accepted.
	FeedProduct(p *model.FeedProduct) error
	// WebhookEvent receives an outbox event, its Seq set.
	WebhookEvent(e *model.WebhookEvent) error
}
