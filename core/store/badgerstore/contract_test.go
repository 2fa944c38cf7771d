package badgerstore

import (
	"testing"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/storetest"
)

// TestContract runs the store contract suite on Badger.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
