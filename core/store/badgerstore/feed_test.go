package badgerstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/storetest"
)

// TestSplitFeedProductKey: a product's key splits back into the target
// and the product id it was made of, whatever bytes they hold, and a key
// not of that shape is an error.
func TestSplitFeedProductKey(t *testing.T) {
	for _, tc := range []struct{ target, id string }{
		{"shop", "p1"}, {"", "a"}, {"a/x", "p"}, {"a", "x/p"}, {"1:a", "p"}, {"a", "1:a/p"}, {"odd\xff", "\xfe\x00"}, {"a:b", ""},
	} {
		key := strings.TrimPrefix(feedProductKeys(tc.target)+tc.id, feedProductPrefix)
		target, id, err := splitFeedProductKey(key)
		if err != nil || target != tc.target || id != tc.id {
			t.Errorf("splitFeedProductKey(%q) = %q, %q, %v; want %q, %q", key, target, id, err, tc.target, tc.id)
		}
	}
	for _, key := range []string{"", "shop/p1", "x:shop/p1", "-1:shop/p1", "4:shop", "4:shopXp1", "9:shop/p1"} {
		if target, id, err := splitFeedProductKey(key); err == nil {
			t.Errorf("splitFeedProductKey(%q) = %q, %q; want an error", key, target, id)
		}
	}
}

// TestFeedProductsPastOneTx: storetest.BulkFeedProducts is more deletes
// than one Badger transaction holds, so that the contract's bulk delete
// (DeleteFeedProducts across transactions) tests what it says.
func TestFeedProductsPastOneTx(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.PutBulkFeedProducts(t, s, "bulk", storetest.BulkFeedProducts)
	err = s.Update(context.Background(), func(tx store.Tx) error {
		_, err := tx.DeleteFeedProducts("bulk", storetest.BulkFeedProducts)
		return err
	})
	if !errors.Is(err, badger.ErrTxnTooBig) {
		t.Errorf("deleting %d feed products in one transaction = %v; want ErrTxnTooBig", storetest.BulkFeedProducts, err)
	}
}
