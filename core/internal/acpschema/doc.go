// Package acpschema validates ACP JSON bodies in tests against the official
// JSON Schema of the API version they were served under. The schemas are
// not part of this project: they are read from ../shared/acp-spec next to
// the repository (or from $ACP_SPEC_DIR), and tests that need them skip
// with a clear message where they are absent.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package acpschema
