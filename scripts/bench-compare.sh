#!/usr/bin/env bash
# bench-compare.sh: measure a change. Runs the Go benchmarks of another
# revision (checked out into a temporary git worktree) and of the working
# tree, one count of each in turn so that both see the machine in the same
# state, and compares them with benchstat; with -load, also runs a short
# acp-bench in both and prints both sets of figures. See BENCHMARKS.md.
set -euo pipefail

# benchstat, at a pinned version, fetched through the Go module proxy.
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

usage() {
	cat <<'USAGE'
Usage: scripts/bench-compare.sh [flags] BASE

Compares the Go benchmarks (and, with -load, acp-bench's figures) of the
revision BASE (a branch, tag or commit) with the working tree, uncommitted
changes included. Run it from the repository root, on an idle machine.

Flags:
  -count N      benchmark counts of each tree, alternating (default 6)
  -bench REGEX  the benchmarks to run (default .)
  -benchtime T  go test -benchtime (default 3000x)
  -pkg PKGS     the packages, space-separated (default "./core/host ./core/pluginmgr")
  -load         also run acp-bench in each tree (about 3 minutes each; BASE needs
                this acp-bench, from 2026-12-07 on)
  -load-args A  acp-bench's flags for -load (default "-rounds 3 -round 3s -latency-rounds 1 -latency-duration 5s -settle 5s -sessions 20000")
  -out DIR      keep the results in DIR (default: a temporary directory, printed)
USAGE
}

count=6 bench=. benchtime=3000x pkgs="./core/host ./core/pluginmgr" load=0 out=""
load_args="-rounds 3 -round 3s -latency-rounds 1 -latency-duration 5s -settle 5s -sessions 20000"
while [[ $# -gt 0 ]]; do
	case $1 in
	-count) count=$2; shift 2 ;;
	-bench) bench=$2; shift 2 ;;
	-benchtime) benchtime=$2; shift 2 ;;
	-pkg) pkgs=$2; shift 2 ;;
	-load) load=1; shift ;;
	-load-args) load_args=$2; shift 2 ;;
	-out) out=$2; shift 2 ;;
	-h | -help | --help) usage; exit 0 ;;
	-*) echo "bench-compare.sh: unknown flag $1" >&2; usage >&2; exit 2 ;;
	*) break ;;
	esac
done
if [[ $# -ne 1 ]]; then
	usage >&2
	exit 2
fi
base=$1
root=$(git rev-parse --show-toplevel)
cd "$root"
rev=$(git rev-parse --verify --quiet "$base^{commit}") || { echo "bench-compare.sh: no revision $base" >&2; exit 2; }

if [[ -z $out ]]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")
fi
mkdir -p "$out"
tree=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare-base.XXXXXX")
cleanup() { git worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"; }
trap cleanup EXIT
git worktree add --detach "$tree" "$rev" >/dev/null 2>&1

echo "bench-compare.sh: $base ($rev) against the working tree; results in $out" >&2
echo "bench-compare.sh: load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >&2
: >"$out/base.txt"
: >"$out/head.txt"
# Build the test binaries once each, then alternate their runs.
for side in base head; do
	dir=$root
	[[ $side == base ]] && dir=$tree
	mkdir -p "$out/$side.bin"
	for pkg in $pkgs; do
		name=$(echo "$pkg" | tr -c 'a-zA-Z0-9\n' '_')
		(cd "$dir" && go test -c -o "$out/$side.bin/$name.test" "$pkg")
	done
done
for i in $(seq "$count"); do
	echo "bench-compare.sh: count $i of $count" >&2
	for side in base head; do
		dir=$root
		[[ $side == base ]] && dir=$tree
		for pkg in $pkgs; do
			name=$(echo "$pkg" | tr -c 'a-zA-Z0-9\n' '_')
			# A test binary runs in its package's directory, as go test runs it.
			(cd "$dir/$pkg" && "$out/$side.bin/$name.test" -test.run '^$' -test.bench "$bench" -test.benchtime "$benchtime" -test.count 1) >>"$out/$side.txt"
		done
	done
done
go run "$BENCHSTAT" base="$out/base.txt" head="$out/head.txt" | tee "$out/benchstat.txt"

if [[ $load == 1 ]]; then
	for side in base head; do
		dir=$root
		[[ $side == base ]] && dir=$tree
		echo "bench-compare.sh: acp-bench in the $side tree" >&2
		# shellcheck disable=SC2086 # the flags are words on purpose
		(cd "$dir" && go run ./cmd/acp-bench $load_args) >"$out/acp-bench-$side.md"
	done
	echo
	echo "=== acp-bench, $base ==="
	cat "$out/acp-bench-base.md"
	echo
	echo "=== acp-bench, working tree ==="
	cat "$out/acp-bench-head.md"
fi
