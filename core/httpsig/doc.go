// Package httpsig signs and verifies HTTP messages with RFC 9421 HTTP
// Message Signatures as UCP profiles them (signatures.md of the UCP
// specification), with RFC 9530 Content-Digest binding the raw body.
//
// The signature base (RFC 9421 §2.5) is built here: the derived
// components @method, @target-uri, @authority, @scheme, @request-target,
// @path, @query, @query-param and @status, header fields (lower-cased
// names; each field line's value trimmed of surrounding whitespace,
// obs-fold replaced by a space, several lines joined with ", ") and the
// @signature-params line. The Signature-Input and Signature fields and
// Content-Digest are RFC 8941 dictionaries, parsed and serialized with
// github.com/dunglas/httpsfv. Keys are JWKs (RFC 7517) read with
// github.com/go-jose/go-jose/v4.
//
// Algorithms: ecdsa-p256-sha256 (UCP's ES256, required; the signature is
// r||s, 64 bytes), ecdsa-p384-sha384 (ES384, which UCP makes optional)
// and ed25519. The algorithm is the key's: a JWK's kty and crv choose it,
// and an alg signature parameter, which UCP signers leave out, must name
// it. Anything else is refused with algorithm_unsupported.
//
// A Signer (ParsePrivateJWK) signs requests (@method, @authority, @path,
// @query when there is one, ucp-agent and idempotency-key when present,
// content-digest and content-type when there is a body) and responses
// (@status, content-digest and content-type), adding Content-Digest. A
// Verifier implements ucp.RequestVerifier: it finds the platform's key by
// keyid, insists on the same covered components, checks Content-Digest
// (sha-256, or sha-512) against the body, created against a window around
// the clock and expires against the clock. Replays are not refused here:
// UCP leaves them to idempotency keys. Errors are *ucp.Error with the
// codes of core/ucp.
//
// Layer: base. It may import core/ucp, core/internal, the standard library
// and outside modules.
package httpsig
