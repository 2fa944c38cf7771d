// Package ucpschema validates UCP JSON bodies in tests against the official
// JSON Schemas of UCP release 2026-04-08, read the way the spec reads its
// ucp_request / ucp_response annotations for the body's direction and
// operation (see annotate).
//
// The schemas are not part of this project: they are read from
// ../shared/ucp-spec/2026-04-08 beside the repository (or from
// $UCP_SPEC_DIR/2026-04-08), which scripts/fetch-specs.sh fills. Each file
// under source/ is known by https://ucp.dev/ plus its path there (the $id
// of every schema under source/schemas); nothing is fetched. Only the
// schema checks depend on the files: where they are absent every check is
// a no-op that is counted, the tests around it run in full, and Main
// prints one line saying how many checks were not made. Under CI=true an
// absent spec fails the test instead.
//
// Where the release contradicts itself (found by this package's tests):
//
//   - source/discovery/profile_schema.json has the $id
//     https://ucp.dev/schemas/discovery/profile.json, against which its
//     $ref "../schemas/ucp.json" names https://ucp.dev/schemas/schemas/ucp.json,
//     a file that does not exist; the ref holds only from the file's own
//     place, so the loader drops an $id that names another place than the
//     file's.
//   - docs/specification/checkout-rest.md answers a create_checkout whose
//     items are all unavailable with HTTP 200 (its Error Response example
//     and its Business Outcomes prose), where rest.openapi.json documents
//     only 201 for create_checkout: Operation(t, "create_checkout", 200, …)
//     fails the test as an undocumented status.
//   - The update request examples of checkout-rest.md send "id" (with a
//     "// deprecated" comment, so they are not JSON), which checkout.json
//     annotates "ucp_request": "omit": Request refuses it, where the
//     spec's generator would merely drop id from the update schema and
//     let additionalProperties admit it.
//
// Layer: leaf helper of internal/ for tests. It may import only the
// standard library, outside modules and other internal/ packages; no
// package's non-test code imports it (enforced by internal/importrules).
package ucpschema
