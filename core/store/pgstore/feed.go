package pgstore

import (
	"errors"

	"github.com/acp-sidecar/acp/core/model"
)

// errFeedRecords stands in for the feed records until they are stored.
// PLACEHOLDER(feed-store): replaced by the feed records' implementation.
var errFeedRecords = errors.New("feed records are not stored yet")

// FeedTarget is not stored yet.
func (t *tx) FeedTarget(string) (*model.FeedTarget, error) { return nil, errFeedRecords }

// FeedTargets is not stored yet.
func (t *tx) FeedTargets() ([]*model.FeedTarget, error) { return nil, errFeedRecords }

// FeedProducts is not stored yet.
func (t *tx) FeedProducts(string, string, int) ([]*model.FeedProduct, error) {
	return nil, errFeedRecords
}

// PutFeedTarget is not stored yet.
func (t *tx) PutFeedTarget(*model.FeedTarget) error { return errFeedRecords }

// DeleteFeedTarget is not stored yet.
func (t *tx) DeleteFeedTarget(string) error { return errFeedRecords }

// PutFeedProduct is not stored yet.
func (t *tx) PutFeedProduct(*model.FeedProduct) error { return errFeedRecords }

// DeleteFeedProduct is not stored yet.
func (t *tx) DeleteFeedProduct(string, string) error { return errFeedRecords }
