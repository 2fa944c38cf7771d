package pgstore

import (
	"context"
	"os"
	"testing"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/storetest"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// open opens a migrated store on a fresh database.
func open(t *testing.T, opts Options) *Store {
	t.Helper()
	if opts.DSN == "" {
		opts.DSN = pgtest.DSN(t)
	}
	opts.MigrateOnStart = true
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestContract runs the store contract suite on PostgreSQL.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, Options{}) })
}
