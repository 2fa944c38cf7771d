// Package internal holds, in its subpackages, the small leaf helpers of
// the core layers: RFC 8785 canonical JSON, ids, "absent" versus "null"
// in JSON (optional), per-agent rate limits, string helpers, the guarded
// HTTP client of outgoing calls and their answers (outbound), the
// reading of a catalog's listing and its availability rule (listing), metric
// registration (promreg), and for tests a settable clock.
//
// Layer: leaves of core/. Its packages import only the standard library,
// outside modules, each other and top-level internal/; no core layer above
// them (enforced by internal/importrules). Only packages under core/ may
// import them.
package internal
