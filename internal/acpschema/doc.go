// Package acpschema validates ACP JSON bodies in tests against the official
// JSON Schema of the API version they were served under.
//
// The schemas are not part of this project: they are read from
// ../shared/acp-spec beside the repository (or from $ACP_SPEC_DIR), which
// scripts/fetch-specs.sh fills. Only the schema checks depend on them: where
// they are absent every check is a no-op that is counted, the tests around
// it run in full, and Main prints one line saying how many checks were not
// made. Under CI=true an absent spec fails the test instead.
//
// Layer: leaf helper of the core (core/internal). It may import only the
// standard library, outside modules and other core/internal packages; no
// core layer above it (enforced by internal/importrules).
package acpschema
