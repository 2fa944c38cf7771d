package pgstore

import (
	"fmt"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store/record"
)

// The feed records live in feed_targets (by name) and feed_products (by
// target, then product id: migration 00003). The record's JSON holds a
// name or product id as valid UTF-8 only; the key columns hold its bytes
// (through dbKey), and the feed records read give back those, as the
// embedded store does: a caller paging with the last product id listed
// goes on where it left.

// FeedTarget reads the target's row.
func (t *tx) FeedTarget(name string) (*model.FeedTarget, error) {
	ft, err := getOne(t, "feed target "+name, "SELECT format, body FROM feed_targets WHERE name = $1", record.DecodeFeedTarget, name)
	if err != nil {
		return nil, err
	}
	ft.Name = name
	return ft, nil
}

// FeedTargets reads every target's row, by name.
func (t *tx) FeedTargets() ([]*model.FeedTarget, error) {
	return getManyKeyed(t, "feed targets", "SELECT name, format, body FROM feed_targets ORDER BY name", record.DecodeFeedTarget,
		func(name string, ft *model.FeedTarget) { ft.Name = name })
}

// FeedProducts reads the target's product rows past the product id after.
func (t *tx) FeedProducts(target, after string, limit int) ([]*model.FeedProduct, error) {
	return getManyKeyed(t, "feed products of "+target, `SELECT product_id, format, body FROM feed_products WHERE target = $1 AND product_id > $2
		ORDER BY product_id LIMIT $3`, record.DecodeFeedProduct, func(id string, p *model.FeedProduct) { p.Target, p.ProductID = target, id },
		target, after, limitOrAll(limit))
}

// PutFeedTarget writes the target's row.
func (t *tx) PutFeedTarget(ft *model.FeedTarget) error {
	data, err := encode("feed target", ft.Name, ft, record.EncodeFeedTarget)
	if err != nil {
		return err
	}
	return t.exec("store feed target "+ft.Name, `INSERT INTO feed_targets (name, format, body) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET format = EXCLUDED.format, body = EXCLUDED.body`, ft.Name, record.WriteFormat(ft), data)
}

// DeleteFeedTarget deletes the target's row, leaving its products.
func (t *tx) DeleteFeedTarget(name string) error {
	return t.exec("delete feed target "+name, "DELETE FROM feed_targets WHERE name = $1", name)
}

// PutFeedProduct writes the product's row under its target.
func (t *tx) PutFeedProduct(p *model.FeedProduct) error {
	key := p.Target + "/" + p.ProductID
	data, err := encode("feed product", key, p, record.EncodeFeedProduct)
	if err != nil {
		return err
	}
	return t.exec("store feed product "+key, `INSERT INTO feed_products (target, product_id, format, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (target, product_id) DO UPDATE SET format = EXCLUDED.format, body = EXCLUDED.body`,
		p.Target, p.ProductID, record.WriteFormat(p), data)
}

// DeleteFeedProduct deletes the target's product row.
func (t *tx) DeleteFeedProduct(target, productID string) error {
	return t.exec("delete feed product "+target+"/"+productID, "DELETE FROM feed_products WHERE target = $1 AND product_id = $2", target, productID)
}

// DeleteFeedProducts deletes the target's first limit product rows.
func (t *tx) DeleteFeedProducts(target string, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("delete feed products of %s: limit %d is not positive", target, limit)
	}
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM feed_products WHERE target = $1 AND product_id IN
		(SELECT product_id FROM feed_products WHERE target = $1 ORDER BY product_id LIMIT $2)`, dbArgs([]any{target, limit})...)
	if err != nil {
		return 0, fmt.Errorf("delete feed products of %s: %w", target, err)
	}
	return int(tag.RowsAffected()), nil
}
