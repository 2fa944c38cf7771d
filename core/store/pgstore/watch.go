package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WatchOutbox listens on the outbox's channel (PutWebhookEvent notifies it
// when its transaction commits) and calls wake for every notification,
// from any process sharing the database, until ctx ends. A lost
// connection is reopened after a pause, with a wake in case a
// notification was missed meanwhile.
func (s *Store) WatchOutbox(ctx context.Context, wake func()) error {
	for {
		err := s.listen(ctx, wake)
		if ctx.Err() != nil {
			return nil
		}
		s.logger.Warn("outbox notifications interrupted; listening again in a second", "error", err.Error())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		wake()
	}
}

// listen holds one connection listening until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, wake func()) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire a connection to listen: %w", err)
	}
	// The connection has been in LISTEN mode: it is not given back.
	defer func() {
		_ = conn.Conn().Close(context.Background())
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen on the outbox: %w", err)
	}
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for outbox notifications: %w", err)
		}
		wake()
	}
}
