package checkout

import (
	"context"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
)

// Committer writes what must commit atomically with a request's final
// session state, inside the same store transaction: the HTTP layer uses it
// to store the idempotency record with the response it will send, so that
// a crash can never leave a change without its record, or a record without
// its change.
type Committer interface {
	// Commit is called inside the transaction that stores sess as the
	// request's outcome. It may be called more than once if the
	// transaction is retried.
	Commit(tx store.Tx, sess *model.Session) error
}

type committerKey struct{}

// WithCommitter returns a context whose requests commit through c.
func WithCommitter(ctx context.Context, c Committer) context.Context {
	return context.WithValue(ctx, committerKey{}, c)
}

// commitWith stores sess and, when the context carries a Committer, the
// request's outcome, in one transaction. Use it for a request's final
// state only; intermediate states go through checkpoint.
func (s *Service) commitWith(ctx context.Context, sess *model.Session, extra func(store.Tx) error) error {
	c, _ := ctx.Value(committerKey{}).(Committer)
	return s.opts.Store.Update(ctx, func(tx store.Tx) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		if c == nil {
			return nil
		}
		return c.Commit(tx, sess)
	})
}
