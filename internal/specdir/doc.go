// Package specdir finds, for the tests' schema checks, the folder of a
// specification whose files are not part of this project (the ACP and UCP
// specs that scripts/fetch-specs.sh lays out in ../shared beside the
// repository, or a folder named by an environment variable), and says how
// the checks behave when it is absent: under CI=true the test fails,
// elsewhere the caller counts the checks it does not make and reports them
// with Spec.Report from its TestMain.
//
// Layer: leaf helper of internal/ for tests (internal/acpschema,
// internal/ucpschema). It may import only the standard library and
// internal/testkit (enforced by internal/importrules).
package specdir
