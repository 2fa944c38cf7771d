#!/usr/bin/env bash
# Checks that the tests do not depend on the ACP and UCP spec files beyond
# their schema checks: runs the host module's tests (or the packages given)
# once with the spec files and once with ACP_SPEC_DIR and UCP_SPEC_DIR
# pointing at an empty folder (CI unset), and fails unless the same tests
# ran with the same results, and the run without the files said how many
# schema checks it did not make.
#
# Usage: scripts/check-spec-optional.sh [packages...]   (default ./...)
# Needs the spec files (scripts/fetch-specs.sh) or ACP_SPEC_DIR and
# UCP_SPEC_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

spec=${ACP_SPEC_DIR:-$(cd .. && pwd)/shared/acp-spec}
[ -f "$spec/2026-04-17/json-schema/schema.agentic_checkout.json" ] || {
  echo "no spec files at $spec: run scripts/fetch-specs.sh or set ACP_SPEC_DIR" >&2; exit 1; }
ucp_spec=${UCP_SPEC_DIR:-$(cd .. && pwd)/shared/ucp-spec}
[ -f "$ucp_spec/2026-04-08/source/schemas/shopping/checkout.json" ] || {
  echo "no UCP spec files at $ucp_spec: run scripts/fetch-specs.sh or set UCP_SPEC_DIR" >&2; exit 1; }
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/empty"

# results FILE: one "package test action" line per finished test, sorted.
results() {
  go run ./scripts/testresults <"$1"
}

echo "== with the spec files ($spec, $ucp_spec)"
env -u CI ACP_SPEC_DIR="$spec" UCP_SPEC_DIR="$ucp_spec" go test -count=1 -json "${pkgs[@]}" >"$work/with.json" || true
echo "== without them (ACP_SPEC_DIR=UCP_SPEC_DIR=$work/empty)"
env -u CI ACP_SPEC_DIR="$work/empty" UCP_SPEC_DIR="$work/empty" go test -count=1 -json "${pkgs[@]}" >"$work/without.json" || true

results "$work/with.json" >"$work/with.txt"
results "$work/without.json" >"$work/without.txt"
echo "tests finished: $(wc -l <"$work/with.txt") with the files, $(wc -l <"$work/without.txt") without"
if ! diff -u "$work/with.txt" "$work/without.txt"; then
  echo "FAIL: the tests differ without the spec files" >&2
  exit 1
fi
if grep -q '"Action":"fail"' "$work/with.json"; then
  echo "FAIL: tests failed (see the diffs above)" >&2
  exit 1
fi
notice='[au]cpschema: [^ ]*: [0-9]* [AU]CP schema checks not made'
notices=$(grep -o "$notice" "$work/without.json" | sort -u | wc -l)
if [ "$notices" -eq 0 ]; then
  echo "FAIL: the run without the spec files did not say which schema checks it did not make" >&2
  exit 1
fi
grep -o "$notice" "$work/without.json" | sort -u | sed 's/^/   /'
echo "ok: the same tests ran with the same results; $notices notice(s) of schema checks not made"
