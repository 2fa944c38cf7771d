// Package feedtest is an agent platform's ACP Feed API for tests: a real
// HTTP server on loopback that creates and reads feeds and upserts their
// products (openapi.feed.yaml of ACP 2026-04-17), checks the credential,
// records every upsert for assertions, and fails on demand (refusing
// connections, unavailable, a status for the next requests, Retry-After,
// refused products).
//
// Every request body it receives is validated against the feed schema
// (internal/acpschema) when the spec files are present, failing the test
// when it is not valid. What it answers depends only on its own
// structural checks, so that tests behave the same with and without the
// spec files.
//
// Layer: tool outside the request path (top-level internal/). It may
// import only other internal/ packages and the SDK; never core, config or
// cmd (enforced by internal/importrules).
package feedtest
