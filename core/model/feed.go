package model

import "time"

// FeedTarget is the publishing state of one product feed target of
// acp.yaml (feeds[]): the platform's feed, what it last accepted as a
// whole, and how the last attempts went. One record per target name.
type FeedTarget struct {
	// Name is the target's name in acp.yaml.
	Name string
	// URL is the platform's Feed API base URL the state belongs to: a
	// target whose URL changes starts afresh (a new feed, everything
	// published again).
	URL string
	// FeedID is the id the platform gave the feed (POST /feeds); empty
	// until it is created.
	FeedID string
	// Fingerprint identifies the whole feed as the platform last accepted
	// it: equal to the catalog's current fingerprint, there is nothing to
	// publish.
	Fingerprint string
	// PushRequestedAt, when set, asks for a full publish: every product
	// is sent again, whatever was accepted before. Cleared when that
	// publish completes.
	PushRequestedAt time.Time
	// LastPublishAt is when the platform last accepted an upsert;
	// LastFullPublishAt when a full publish last completed.
	LastPublishAt, LastFullPublishAt time.Time
	// Pending is the number of products waiting to be sent, as last
	// counted by the publisher.
	Pending int
	// Failures counts the failed attempts since the last success.
	Failures int
	// NextAttemptAt is when the publisher tries again after a failure.
	NextAttemptAt time.Time
	// LastError describes the last failed attempt, without secrets;
	// LastStatus is its HTTP status, 0 when none came.
	LastError  string
	LastStatus int
	// UpdatedAt is when the record last changed.
	UpdatedAt time.Time
}

// FeedProduct is one product as a target's platform last accepted it.
type FeedProduct struct {
	// Target is the target's name; ProductID the product's id.
	Target, ProductID string
	// Body is the feed Product JSON the platform accepted.
	Body []byte
	// Hash identifies Body (hex SHA-256 of it).
	Hash string
	// Removed is true when the product is no longer in the catalog (or
	// no longer passes the target's filter) and Body is the product as
	// sent unavailable.
	Removed bool
	// FeedUpdateID is the platform's feed_update_id for the upsert that
	// carried Body, when it returned one.
	FeedUpdateID string
	// AcceptedAt is when the platform accepted Body.
	AcceptedAt time.Time
}
