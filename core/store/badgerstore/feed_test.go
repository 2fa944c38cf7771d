package badgerstore

import (
	"strings"
	"testing"
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
