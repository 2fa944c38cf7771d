package checkout

import (
	"context"
	"fmt"
	"slices"

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

// KeyedRecorder is the Recorder of a request that carries an
// idempotency key. Complete keeps the key with the payment attempt the
// request begins or resumes (model.Payment.RequestKeys), so that a retry
// of a request that ended without a stored answer (a 5xx, a crash) is
// answered with the state the attempt reached meanwhile, by whichever
// request, webhook or reconciliation settled it.
type KeyedRecorder interface {
	Recorder
	// RequestKey is the request's idempotency key, as scoped and stored
	// by the caller (never the raw header).
	RequestKey() string
}

// maxRequestKeys bounds the keys kept per attempt; the oldest go first.
const maxRequestKeys = 8

// requestKey is rec's key, "" when it has none.
func requestKey(rec Recorder) string {
	if k, ok := rec.(KeyedRecorder); ok {
		return k.RequestKey()
	}
	return ""
}

// addRequestKey keeps key (when set) with the session's attempt.
func addRequestKey(p *model.Payment, key string) {
	if key == "" || slices.Contains(p.RequestKeys, key) {
		return
	}
	p.RequestKeys = append(p.RequestKeys, key)
	if n := len(p.RequestKeys); n > maxRequestKeys {
		p.RequestKeys = slices.Clone(p.RequestKeys[n-maxRequestKeys:])
	}
}

// settledRetry reports whether a complete with rec retries a request
// that began or resumed the session's attempt, which has been settled
// since: its answer is the session as the attempt left it.
func settledRetry(sess *model.Session, rec Recorder) bool {
	key := requestKey(rec)
	return key != "" && sess.Payment != nil && sess.Status != model.StatusCompleteInProgress &&
		slices.Contains(sess.Payment.RequestKeys, key)
}

// answer records the session, unchanged, as the request's outcome.
func (s *Service) answer(ctx context.Context, sess *model.Session, rec Recorder) error {
	if err := s.update(ctx, func(tx store.Tx) error { return rec.Record(tx, sess) }); err != nil {
		return fmt.Errorf("record the answer for session %s: %w", sess.ID, err)
	}
	return nil
}
