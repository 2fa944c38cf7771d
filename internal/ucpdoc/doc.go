// Package ucpdoc holds the rules a UCP platform profile document must
// follow (release 2026-04-08, source/discovery/profile_schema.json's
// platform branch) and the sanity checks of the JWKs a profile publishes,
// so that `acp check` (config, for profiles written in acp.yaml) and the
// server (core/ucpprofile, for those too and for fetched ones) judge a
// profile alike.
//
// Layer: tool outside the request path (top-level internal/). It may import
// only the standard library, other internal/ packages and the SDK; never
// core, config or cmd (enforced by internal/importrules).
package ucpdoc
