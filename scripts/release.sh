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
# from the commit's time. With GNU tar the archives are reproducible as
# well (entries sorted, dated at the commit, owned by 0:0, gzip without a
# name or time), so two runs on one commit give the same checksums;
# elsewhere the script says they are not.
#
# Each archive holds acp, the plugins under plugins/, the README, the
# docs/ pages it links, and examples/acp.example.yaml with its plugin
# commands pointing at the archive's plugins/.
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
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  reproducible=(--sort=name --mtime="$date" --owner=0 --group=0 --numeric-owner)
else
  reproducible=()
  echo "release.sh: not GNU tar: the archives will not be byte-for-byte reproducible" >&2
fi

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
  mkdir -p "$stage/docs" "$stage/examples"
  cp docs/*.md docs/*.yaml "$stage/docs/"
  # In the repository the example runs plugins built into bin/; in the
  # archive they are in plugins/.
  sed 's#command: \.\./bin/#command: ../plugins/#' examples/acp.example.yaml > "$stage/examples/acp.example.yaml"
  for cmd in $(sed -n 's/^ *command: *//p' "$stage/examples/acp.example.yaml"); do
    if [ ! -x "$stage/examples/$cmd" ]; then
      echo "release.sh: acp.example.yaml names $cmd, which the archive does not hold" >&2
      exit 1
    fi
  done
  tar -C "$out" ${reproducible[@]+"${reproducible[@]}"} -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"
  rm -rf "$stage"
  archives+=("$name.tar.gz")
done
(cd "$out" && sha256 "${archives[@]}" > SHA256SUMS)
echo "== $out"
cat "$out/SHA256SUMS"
