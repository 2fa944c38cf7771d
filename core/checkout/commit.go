package checkout

import (
	"context"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// Recorder writes what must commit atomically with a request's final
// session state, inside the same store transaction. The checkout API
// passes one to every state-changing operation that carries an
// idempotency key: it stores the key's record with the response it will
// send, so that a crash can never leave a change without its record, or a
// record without its change. A nil Recorder records nothing.
type Recorder interface {
	// Record is called inside the transaction that stores sess as the
	// request's outcome. It may be called more than once if the
	// transaction is retried.
	Record(tx store.Tx, sess *model.Session) error
}

// commit stores sess and, when rec is set, the request's outcome, in one
// transaction, which also settles the stock the session held (stock.go).
// Use it for a request's final state only; intermediate states go through
// checkpoint.
func (s *Service) commit(ctx context.Context, sess *model.Session, rec Recorder, extra func(store.Tx) error) error {
	return s.storeSettled(ctx, sess, func(tx store.Tx) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		return rec.Record(tx, sess)
	})
}
