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
	return s.storeSettled(ctx, sess, storeOutcome(sess, rec, extra))
}

// commitNew is commit for the session Create makes. Its id was just
// minted, so no reservation names it (see neverStored): there is no stock
// to settle, and storeSettled's look for a reservation would read the
// store for nothing.
func (s *Service) commitNew(ctx context.Context, sess *model.Session, rec Recorder) error {
	return s.update(ctx, storeOutcome(sess, rec, nil))
}

// storeOutcome is the write of commit: extra, when set, then sess, then
// rec's record, when set.
func storeOutcome(sess *model.Session, rec Recorder, extra func(store.Tx) error) func(store.Tx) error {
	return func(tx store.Tx) error {
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
	}
}

// KeyedRecorder is the Recorder of a request that carries an
// idempotency key. Complete keeps the key, with the fingerprint of the
// request's body, with the payment attempt the request begins or resumes
// (model.Payment.RequestKeys), so that a retry of a request that ended
// without a stored answer (a 5xx, a crash) is answered with the state the
// attempt reached meanwhile, by whichever request, webhook or
// reconciliation settled it; the same key with another body is refused
// with the recorder's Conflict.
type KeyedRecorder interface {
	Recorder
	// RequestKey is the request's idempotency key, as scoped and stored
	// by the caller (never the raw header).
	RequestKey() string
	// RequestFingerprint identifies the request's body, as the caller's
	// idempotency records do.
	RequestFingerprint() string
	// Conflict is the error answering a request whose key was used
	// before with another body: ACP's idempotency conflict.
	Conflict() error
}

// maxRequestKeys bounds the keys kept per attempt: the key that began
// the attempt, and the latest others.
const maxRequestKeys = 8

// requestKey is rec's key and body fingerprint, a zero RequestKey when it
// has no key.
func requestKey(rec Recorder) model.RequestKey {
	if k, ok := rec.(KeyedRecorder); ok {
		return model.RequestKey{Key: k.RequestKey(), Fingerprint: k.RequestFingerprint()}
	}
	return model.RequestKey{}
}

// keyIndex is the position of key among the attempt's keys, or -1.
func keyIndex(p *model.Payment, key string) int {
	if p == nil || key == "" {
		return -1
	}
	return slices.IndexFunc(p.RequestKeys, func(k model.RequestKey) bool { return k.Key == key })
}

// addRequestKey keeps k (when it has a key) with the session's attempt
// and reports whether it added it. The key that began the attempt is
// always kept, so that its retry never starts a second attempt; beyond
// maxRequestKeys the oldest of the others go.
func addRequestKey(p *model.Payment, k model.RequestKey) bool {
	if k.Key == "" || keyIndex(p, k.Key) >= 0 {
		return false
	}
	p.RequestKeys = append(p.RequestKeys, k)
	if n := len(p.RequestKeys); n > maxRequestKeys {
		p.RequestKeys = append([]model.RequestKey{p.RequestKeys[0]}, p.RequestKeys[n-maxRequestKeys+1:]...)
	}
	return true
}

// keyConflict is rec's Conflict when rec's key is kept with the session's
// attempt with another body's fingerprint, nil otherwise. A fingerprint
// unknown on either side (a record stored before they were kept)
// matches.
func keyConflict(sess *model.Session, rec Recorder) error {
	k := requestKey(rec)
	i := keyIndex(sess.Payment, k.Key)
	if i < 0 {
		return nil
	}
	kept := sess.Payment.RequestKeys[i].Fingerprint
	if kept == "" || k.Fingerprint == "" || kept == k.Fingerprint {
		return nil
	}
	return rec.(KeyedRecorder).Conflict()
}

// settledRetry reports whether a complete with rec retries a request
// that began or resumed the session's attempt, which has been settled
// since: its answer is the session as the attempt left it.
func settledRetry(sess *model.Session, rec Recorder) bool {
	return sess.Status != model.StatusCompleteInProgress && keyIndex(sess.Payment, requestKey(rec).Key) >= 0
}

// answer records the session, unchanged, as the request's outcome.
func (s *Service) answer(ctx context.Context, sess *model.Session, rec Recorder) error {
	if err := s.update(ctx, func(tx store.Tx) error { return rec.Record(tx, sess) }); err != nil {
		return fmt.Errorf("record the answer for session %s: %w", sess.ID, err)
	}
	return nil
}
