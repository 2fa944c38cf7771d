// Package signature verifies the request signatures agents send in the
// Signature and Timestamp headers.
//
// ACP says agents SHOULD sign their requests with a Signature header
// (base64url) and a Timestamp header (RFC 3339), but leaves what is signed
// to each seller. This sidecar defines the signing input as six parts
// joined by line feeds ("\n", 0x0A), as docs/configuration.md documents
// (reference_test.go holds the two together):
//
//	<Timestamp header value, verbatim>
//	<HTTP method, upper case>
//	<request path, without the query string>
//	<API-Version header value>
//	<Idempotency-Key header value, empty when absent>
//	<RFC 8785 canonical form of the JSON body>
//
// that is
//
//	timestamp + "\n" + METHOD + "\n" + path + "\n" + api_version + "\n" + idempotency_key + "\n" + canonical(body)
//
// The two headers are covered so that a captured request cannot be sent
// again within the skew window under another idempotency key (which would
// repeat it) or another API version.
//
// The path is the request path as sent on the request line, e.g.
// "/checkout_sessions/cs_123/complete"; anything from a '?' on is dropped.
// (ACP's paths contain only unreserved characters, so their escaped and
// decoded forms are the same.) The canonical form is that of package
// canonicaljson (RFC 8785, JSON Canonicalization Scheme): member order,
// insignificant whitespace and number spelling do not change it. An empty
// body (as for GET) canonicalizes to nothing, so the input then ends with
// the fifth "\n". There is no trailing line feed.
//
// The signature is, depending on the agent's scheme:
//
//   - hmac-sha256: HMAC-SHA256 of the signing input, keyed with the secret
//     shared with the agent (32 bytes of MAC);
//   - ed25519: the Ed25519 signature of the signing input by the agent's
//     private key (64 bytes), checked with its public key;
//
// sent as base64url (RFC 4648 §5), with or without padding.
//
// A request is accepted when both headers are present, the timestamp
// parses as RFC 3339 and lies within the agent's maximum skew of the
// server's clock, in either direction, and the signature matches. MACs are
// compared in constant time, and no error ever contains the expected MAC
// or signature. Verification alone does not prevent a signed request from
// being replayed within the skew window: idempotency keys make a replayed
// write harmless, and for a request without one the HTTP API remembers
// the signature (ReplayKey, ReplayWindow) and refuses it a second time.
//
// Layer: base. It may import core/internal only.
package signature
