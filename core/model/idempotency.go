package model

import "time"

// IdempotencyRecord is the stored response to one idempotency key (scoped
// by agent, path and key), with the fingerprint of the request body it
// answered.
type IdempotencyRecord struct {
	// Fingerprint is the hex SHA-256 of the body's RFC 8785 canonical form.
	Fingerprint string `json:"fingerprint"`
	// ExpiresAt is when the record is forgotten and the key is new again.
	ExpiresAt time.Time `json:"expires_at"`
	// Status and Body are the response to replay.
	Status int    `json:"status"`
	Body   []byte `json:"body"`
}
