// Package canonicaljson puts JSON documents in the canonical form of
// RFC 8785 (JSON Canonicalization Scheme), so that two bodies that mean the
// same thing compare equal byte for byte: member order and number spelling
// (1.0 and 1) do not matter, array order and null-versus-absent do. It is
// what idempotency fingerprints and request signatures are computed over.
// Fingerprint takes a short cut for the simple bodies most requests send
// (simple.go), giving the same fingerprint as the general transform,
// which handles everything else.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package canonicaljson
