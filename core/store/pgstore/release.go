package pgstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// releaseHub wakes the Acquire calls of this process waiting for a name
// when any process sharing the database releases its lease: Release
// notifies the store's lease channel with the name, and one connection
// per process listens on it, from the first Acquire that has to wait
// until Close. Acquire also polls, so that a notification lost while the
// listener reconnects only delays it.
type releaseHub struct {
	mu      sync.Mutex
	waiters map[string]map[chan struct{}]struct{}

	start sync.Once
	stop  context.CancelFunc
	done  chan struct{}
}

func newReleaseHub() *releaseHub {
	return &releaseHub{waiters: map[string]map[chan struct{}]struct{}{}}
}

// subscribe returns a channel that receives when name's lease is
// released, and the function that ends the subscription.
func (h *releaseHub) subscribe(name string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.waiters[name] == nil {
		h.waiters[name] = map[chan struct{}]struct{}{}
	}
	h.waiters[name][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.waiters[name], ch)
		if len(h.waiters[name]) == 0 {
			delete(h.waiters, name)
		}
		h.mu.Unlock()
	}
}

// wake signals the waiters of name, or of every name when all.
func (h *releaseHub) wake(name string, all bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for n, set := range h.waiters {
		if !all && n != name {
			continue
		}
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// listenReleases starts the process's listener on the lease channel
// unless it runs already.
func (s *Store) listenReleases() {
	s.releases.start.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.releases.stop = cancel
		s.releases.done = make(chan struct{})
		go func() {
			defer close(s.releases.done)
			for ctx.Err() == nil {
				err := s.listenOnce(ctx, s.leaseChannel, func(payload string) { s.releases.wake(payload, false) })
				if ctx.Err() != nil {
					return
				}
				s.logger.Warn("lease release notifications interrupted; listening again in a second", "error", err.Error())
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				// A release may have been missed: every waiter tries again.
				s.releases.wake("", true)
			}
		}()
	})
}

// stopReleases ends the listener, if it was started, and waits for it.
func (s *Store) stopReleases() {
	s.releases.start.Do(func() {}) // no listener starts after this
	if s.releases.stop != nil {
		s.releases.stop()
		<-s.releases.done
	}
}

// listenOnce holds one connection of its own (outside the pool, so that
// listening never takes a connection the transactions need) listening on
// channel, calling notify with each notification's payload, until it
// fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, channel string, notify func(payload string)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect to listen: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen on %s: %w", channel, err)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notifications on %s: %w", channel, err)
		}
		notify(n.Payload)
	}
}
