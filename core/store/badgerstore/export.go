package badgerstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/record"
)

// Export walks every record of the store in one read-only snapshot and
// hands each to w: sessions, orders, idempotency records (those not
// expired), stock levels, reservations, failed orders, feed targets, feed
// products, then the pending and the dead webhook events, each state in
// Seq order.
func (s *Store) Export(ctx context.Context, w store.Walker) error {
	return s.View(ctx, func(r store.Reader) error {
		t := r.(*tx)
		steps := []func() error{
			func() error {
				return walk(ctx, t, sessionPrefix, record.DecodeSession, func(_ string, v *model.Session) error { return w.Session(v) })
			},
			func() error {
				return walk(ctx, t, orderPrefix, record.DecodeOrder, func(_ string, v *model.Order) error { return w.Order(v) })
			},
			func() error {
				return walkValues(ctx, t, idempotencyPrefix, decodeIdempotency, w.IdempotencyRecord)
			},
			func() error {
				return walk(ctx, t, stockPrefix, record.DecodeStockLevel, func(_ string, v *model.StockLevel) error { return w.StockLevel(v) })
			},
			func() error {
				return walk(ctx, t, reservationPrefix, record.DecodeReservation, func(_ string, v *model.Reservation) error { return w.Reservation(v) })
			},
			func() error {
				return walk(ctx, t, failedPrefix, record.DecodeFailedOrder, func(_ string, v *model.FailedOrder) error { return w.FailedOrder(v) })
			},
			// A feed record's name or product id is its key's bytes, as
			// the store reads it back (feed.go).
			func() error {
				return walk(ctx, t, feedTargetPrefix, record.DecodeFeedTarget, func(name string, v *model.FeedTarget) error {
					v.Name = name
					return w.FeedTarget(v)
				})
			},
			func() error {
				return walk(ctx, t, feedProductPrefix, record.DecodeFeedProduct, func(key string, v *model.FeedProduct) error {
					target, id, err := splitFeedProductKey(key)
					if err != nil {
						return err
					}
					v.Target, v.ProductID = target, id
					return w.FeedProduct(v)
				})
			},
		}
		for _, state := range []string{model.EventPending, model.EventDead} {
			steps = append(steps, func() error {
				// Keys hold the Seq in fixed-width hex: key order is Seq order.
				return walk(ctx, t, webhookPrefix+state+"/", record.DecodeWebhookEvent, func(_ string, v *model.WebhookEvent) error { return w.WebhookEvent(v) })
			})
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
}

// walk calls fn with the key (without prefix) and the decoded record of
// every record under prefix, in key order.
func walk[T any](ctx context.Context, t *tx, prefix string, decode func(format int, data []byte) (*T, error), fn func(key string, v *T) error) error {
	return walkValues(ctx, t, prefix, func(val []byte) (*T, error) { return decodeValue(val, decode) }, fn)
}

// walkValues is walk with a decoder of the whole value.
func walkValues[T any](ctx context.Context, t *tx, prefix string, decode func(val []byte) (*T, error), fn func(key string, v *T) error) error {
	return iterate(t, prefix, "", decode, func(key string, v *T) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		return true, fn(key, v)
	})
}

// iterate decodes the values under prefix in key order, starting after
// the key prefix+after when after is set, and calls fn with each until
// fn reports false or fails.
func iterate[T any](t *tx, prefix, after string, decode func(val []byte) (*T, error), fn func(key string, v *T) (bool, error)) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(prefix)
	it := t.txn.NewIterator(opts)
	defer it.Close()
	it.Rewind()
	if after != "" {
		it.Seek([]byte(prefix + after + "\x00"))
	}
	for ; it.Valid(); it.Next() {
		key := strings.TrimPrefix(string(it.Item().Key()), prefix)
		var v *T
		err := it.Item().Value(func(val []byte) (err error) {
			v, err = decode(val)
			return err
		})
		if err != nil {
			return fmt.Errorf("decode %s%s: %w", prefix, key, err)
		}
		more, err := fn(key, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
