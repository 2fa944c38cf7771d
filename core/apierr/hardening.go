package apierr

// Error codes of refusals below the checkout API: connection limits,
// replayed signatures and malformed HTTP.
const (
	// CodeTooManyConnections refuses a connection over the server's or
	// the client's connection cap.
	CodeTooManyConnections = "too_many_connections"
	// CodeRequestReplayed refuses a signed request without an
	// Idempotency-Key whose signature was already used.
	CodeRequestReplayed = "request_replayed"
	// CodeRequestTimeout refuses a request not read within the time
	// allowed.
	CodeRequestTimeout = "request_timeout"
	// CodeHeadersTooLarge refuses request headers over the server's
	// buffer.
	CodeHeadersTooLarge = "headers_too_large"
)
