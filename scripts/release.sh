#!/usr/bin/env bash
# Cross-builds the acp binary and the first-party plugins for release:
# static binaries (CGO off) for linux and darwin on amd64 and arm64, each
# target packed as acp_<version>_<os>_<arch>.tar.gz, with a SHA256SUMS file
# covering every archive.
#
#   scripts/release.sh [--version V] [--out DIR] [--target OS/ARCH]...
#
#   --version  the release version stamped into `acp version`
#              (default: git describe --tags --always --dirty)
#   --out      where the archives go (default: dist)
#   --target   build only this target; repeat for several
#              (default: linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)
#
# The commit and build date are stamped too: the commit from git, the date
# from the commit's time, so that two builds of one commit are identical.
set -euo pipefail
cd "$(dirname "$0")/.."

version=""
out="dist"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)
fi
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
date=$(git show -s --format=%cI HEAD 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
ldflags="-s -w -X main.version=$version -X main.commit=$commit -X main.date=$date"
archives=()
for target in "${targets[@]}"; do
  os=${target%/*}
  arch=${target#*/}
  case "$target" in
    linux/amd64|linux/arm64|darwin/amd64|darwin/arm64) ;;
    *) echo "release.sh: unsupported target $target" >&2; exit 2 ;;
  esac
  name="acp_${version}_${os}_${arch}"
  stage="$out/$name"
  rm -rf "$stage"
  mkdir -p "$stage/plugins"
  echo "== $target"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "$stage/acp" ./cmd/acp
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "-s -w" -o "$stage/plugins/" ./plugins/...
  cp README.md "$stage/"
  cp examples/acp.example.yaml "$stage/acp.example.yaml"
  tar -C "$out" -czf "$out/$name.tar.gz" "$name"
  rm -rf "$stage"
  archives+=("$name.tar.gz")
done
(cd "$out" && sha256 "${archives[@]}" > SHA256SUMS)
echo "== $out"
cat "$out/SHA256SUMS"
