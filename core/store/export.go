package store

import "github.com/acp-sidecar/acp/core/model"

// Walker receives every record of a store, one call per record, as a
// store's Export walks it: the way records move from one store to
// another (`acp migrate --from-badger`). Webhook events come in Seq order
// within their state.
type Walker interface {
	Session(s *model.Session) error
	Order(o *model.Order) error
	IdempotencyRecord(key string, r *model.IdempotencyRecord) error
	StockLevel(l *model.StockLevel) error
	Reservation(r *model.Reservation) error
	FailedOrder(f *model.FailedOrder) error
	WebhookEvent(e *model.WebhookEvent) error
}
