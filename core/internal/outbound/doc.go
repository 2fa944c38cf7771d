// Package outbound holds what every client of a remote party's HTTP API
// shares (webhook receivers, product feed platforms): an HTTP client that
// keeps away from internal networks, the reading of an answer's
// Retry-After and ACP error code without quoting anything that could
// carry a secret or a payload, and which answers are worth retrying.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules, other core/internal packages and
// top-level internal/; no core layer above it (enforced by
// internal/importrules).
package outbound
