package badgerstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store/record"
)

// Key prefixes of the feed records. A target's key is "<feedTargetPrefix>
// <name>"; a product's is feedProductKeys(target) followed by the product
// id, so that one target's products sort by product id under a prefix of
// their own.
const (
	feedTargetPrefix  = "feed-target/"
	feedProductPrefix = "feed-product/"
)

// feedProductKeys is the prefix of the target's product keys: the
// target's name behind its length, "<feedProductPrefix><len>:<target>/".
// The length says where the name ends whatever bytes the name and the
// product ids hold, so that no key of one target is a key of another.
func feedProductKeys(target string) string {
	return feedProductPrefix + strconv.Itoa(len(target)) + ":" + target + "/"
}

// splitFeedProductKey returns the target and product id of a product's
// key without feedProductPrefix: feedProductKeys reversed.
func splitFeedProductKey(key string) (target, productID string, err error) {
	length, rest, ok := strings.Cut(key, ":")
	n, convErr := strconv.Atoi(length)
	if !ok || convErr != nil || n < 0 || len(rest) <= n || rest[n] != '/' {
		return "", "", fmt.Errorf("feed product key %q: not <length>:<target>/<product id>", feedProductPrefix+key)
	}
	return rest[:n], rest[n+1:], nil
}

// The record's JSON holds a name or product id as valid UTF-8 only; the
// key holds its bytes, and the feed records read give back those: a
// caller paging with the last product id listed goes on where it left.

// FeedTarget reads the target's publishing state.
func (t *tx) FeedTarget(name string) (*model.FeedTarget, error) {
	ft, err := get(t, feedTargetPrefix+name, record.DecodeFeedTarget)
	if err != nil {
		return nil, err
	}
	ft.Name = name
	return ft, nil
}

// FeedTargets walks the target prefix.
func (t *tx) FeedTargets() ([]*model.FeedTarget, error) {
	return listKeyed(t, feedTargetPrefix, "", 0, record.DecodeFeedTarget, func(name string, ft *model.FeedTarget) { ft.Name = name })
}

// FeedProducts walks the target's product keys from the product id after.
func (t *tx) FeedProducts(target, after string, limit int) ([]*model.FeedProduct, error) {
	return listKeyed(t, feedProductKeys(target), after, limit, record.DecodeFeedProduct, func(id string, p *model.FeedProduct) {
		p.Target, p.ProductID = target, id
	})
}

// PutFeedTarget stores the target's publishing state.
func (t *tx) PutFeedTarget(ft *model.FeedTarget) error {
	return put(t, []byte(feedTargetPrefix+ft.Name), "feed target", ft.Name, ft, record.EncodeFeedTarget)
}

// DeleteFeedTarget removes the target's publishing state.
func (t *tx) DeleteFeedTarget(name string) error {
	if err := t.txn.Delete([]byte(feedTargetPrefix + name)); err != nil {
		return fmt.Errorf("delete feed target %s: %w", name, err)
	}
	return nil
}

// PutFeedProduct stores the product under its target.
func (t *tx) PutFeedProduct(p *model.FeedProduct) error {
	return put(t, []byte(feedProductKeys(p.Target)+p.ProductID), "feed product", p.Target+"/"+p.ProductID, p, record.EncodeFeedProduct)
}

// DeleteFeedProduct removes the target's product record.
func (t *tx) DeleteFeedProduct(target, productID string) error {
	if err := t.txn.Delete([]byte(feedProductKeys(target) + productID)); err != nil {
		return fmt.Errorf("delete feed product %s/%s: %w", target, productID, err)
	}
	return nil
}

// DeleteFeedProducts deletes the first limit keys under the target's
// product prefix, read without their values.
func (t *tx) DeleteFeedProducts(target string, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("delete feed products of %s: limit %d is not positive", target, limit)
	}
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = []byte(feedProductKeys(target))
	it := t.txn.NewIterator(opts)
	var keys [][]byte
	for it.Rewind(); it.Valid() && len(keys) < limit; it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, key := range keys {
		if err := t.txn.Delete(key); err != nil {
			return 0, fmt.Errorf("delete feed products of %s: %w", target, err)
		}
	}
	return len(keys), nil
}
