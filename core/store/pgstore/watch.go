package pgstore

import (
	"context"
	"time"
)

// WatchOutbox listens on the outbox's channel (PutWebhookEvent notifies it
// when its transaction commits) and calls wake for every notification,
// from any process sharing the database, until ctx ends. A lost
// connection is reopened after a pause, with a wake in case a
// notification was missed meanwhile.
func (s *Store) WatchOutbox(ctx context.Context, wake func()) error {
	for {
		err := s.listenOnce(ctx, s.channel, func(string) { wake() })
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
