package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

// TestWatchOutbox: an event committed by one replica wakes another's
// watcher; the watcher takes no connection of the pool (a pool of one
// still serves transactions).
func TestWatchOutbox(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn, MaxConns: 1})
	b := open(t, Options{DSN: dsn})
	ctx, cancel := context.WithCancel(context.Background())
	woken := make(chan struct{}, 16)
	done := make(chan error)
	go func() { done <- a.WatchOutbox(ctx, func() { woken <- struct{}{} }) }()
	deadline := time.After(30 * time.Second)
	for got := false; !got; {
		// The watcher may not listen yet: commit until it is woken.
		e := &model.WebhookEvent{ID: "evt_1", OrderID: "ord_1", State: model.EventPending}
		if err := b.Update(context.Background(), func(tx store.Tx) error { return tx.PutWebhookEvent(e) }); err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
			got = true
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("the watcher was never woken")
		}
	}
	short, cancelShort := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShort()
	if err := a.Update(short, func(tx store.Tx) error { return tx.PutSession(&model.Session{ID: "cs_1"}) }); err != nil {
		t.Errorf("Update beside the watcher with a pool of one: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("WatchOutbox: %v", err)
	}
}
