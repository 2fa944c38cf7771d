package record

import (
	"encoding/json"
	"time"

	"github.com/acp-sidecar/acp/core/model"
)

// feedTarget is a stored model.FeedTarget (since format 5); its fields
// match the model's one for one.
type feedTarget struct {
	Name              string    `json:"name"`
	URL               string    `json:"url"`
	FeedID            string    `json:"feed_id,omitempty"`
	Fingerprint       string    `json:"fingerprint,omitempty"`
	PushRequestedAt   time.Time `json:"push_requested_at,omitzero"`
	LastPublishAt     time.Time `json:"last_publish_at,omitzero"`
	LastFullPublishAt time.Time `json:"last_full_publish_at,omitzero"`
	Pending           int       `json:"pending,omitempty"`
	Failures          int       `json:"failures,omitempty"`
	NextAttemptAt     time.Time `json:"next_attempt_at,omitzero"`
	LastError         string    `json:"last_error,omitempty"`
	LastStatus        int       `json:"last_status,omitempty"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// feedProduct is a stored model.FeedProduct (since format 5); its fields
// match the model's one for one. Body, the feed Product JSON, is kept as
// bytes (base64 in the record), as a webhook event's payload is.
type feedProduct struct {
	Target       string    `json:"target"`
	ProductID    string    `json:"product_id"`
	Body         []byte    `json:"body"`
	Hash         string    `json:"hash"`
	Removed      bool      `json:"removed,omitempty"`
	FeedUpdateID string    `json:"feed_update_id,omitempty"`
	AcceptedAt   time.Time `json:"accepted_at"`
}

// EncodeFeedTarget returns the feed target's record in FeedFormat.
func EncodeFeedTarget(t *model.FeedTarget) ([]byte, error) {
	return json.Marshal((*feedTarget)(t))
}

// DecodeFeedTarget reads a feed target record written in format.
func DecodeFeedTarget(format int, data []byte) (*model.FeedTarget, error) {
	var r feedTarget
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return (*model.FeedTarget)(&r), nil
}

// EncodeFeedProduct returns the feed product's record in FeedFormat.
func EncodeFeedProduct(p *model.FeedProduct) ([]byte, error) {
	return json.Marshal((*feedProduct)(p))
}

// DecodeFeedProduct reads a feed product record written in format.
func DecodeFeedProduct(format int, data []byte) (*model.FeedProduct, error) {
	var r feedProduct
	if err := decode(format, data, &r); err != nil {
		return nil, err
	}
	return (*model.FeedProduct)(&r), nil
}
