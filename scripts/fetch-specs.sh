#!/usr/bin/env bash
# Fetches the ACP and UCP specification repositories at the commits this
# project is tested against, and lays out the files the tests' schema
# checks read (internal/acpschema):
#
#   <dest>/acp-spec/<version>/{openapi,json-schema,openrpc,examples}/  from spec/<version>/ and examples/<version>/
#   <dest>/acp-spec/{LICENSE,NOTICE,SOURCE.txt}
#   <dest>/ucp-spec/2026-04-08/{source,docs/specification,docs/versioning.md}
#   <dest>/ucp-spec/{LICENSE,SOURCE.txt}
#
# <dest> is ../shared beside the repository, where the tests look by
# default. ACP_SPEC_DIR and UCP_SPEC_DIR, when set, name the acp-spec and
# ucp-spec folders themselves (the tests read ACP_SPEC_DIR too).
#
# Usage: scripts/fetch-specs.sh        (needs git, or curl and tar; network access to github.com)
#
# The files are the spec authors' work (Apache License 2.0), read by the
# tests and never copied into this repository. An existing folder is
# replaced only once the new copy is complete.
set -euo pipefail

# The commits the tests are written against. Changing one is a change to
# the project: rerun the tests with the new files before committing it.
ACP_REPO=agentic-commerce-protocol/agentic-commerce-protocol
ACP_COMMIT=c2afc863b46b6bb64fbc2be969bff25ee6eab652
UCP_REPO=Universal-Commerce-Protocol/ucp
UCP_COMMIT=a2d8bf0b8f5a6fc790f677899c2c7da0684fe33d
UCP_RELEASE=2026-04-08
# SPEC_SOURCE_OVERRIDE=<base URL> <acp commit> <ucp commit> lets the
# script itself be tested against local repositories; never set it to
# fetch the files for the tests.
if [ -n "${SPEC_SOURCE_OVERRIDE:-}" ]; then
  read -r base ACP_COMMIT UCP_COMMIT <<<"$SPEC_SOURCE_OVERRIDE"
else
  base=https://github.com
fi

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$(cd "$root/.." && pwd)/shared
acp_dir=${ACP_SPEC_DIR:-$dest/acp-spec}
ucp_dir=${UCP_SPEC_DIR:-$dest/ucp-spec}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch REPO COMMIT DIR: the repository's tree at COMMIT into DIR.
fetch() {
  local repo=$1 commit=$2 dir=$3
  mkdir -p "$dir"
  if command -v git >/dev/null; then
    git -C "$dir" init -q
    if git -C "$dir" fetch -q --depth 1 "$base/$repo.git" "$commit" 2>/dev/null; then
      git -C "$dir" -c advice.detachedHead=false checkout -q FETCH_HEAD
      [ "$(git -C "$dir" rev-parse HEAD)" = "$commit" ] || { echo "fetched the wrong commit of $repo" >&2; exit 1; }
      rm -rf "$dir/.git"
      return
    fi
    rm -rf "$dir/.git"
    echo "git could not fetch $repo at $commit; trying the archive" >&2
  fi
  curl -fsSL "$base/$repo/archive/$commit.tar.gz" | tar -xz -C "$dir" --strip-components=1
}

# install SRC DST: replaces DST with SRC once SRC is complete.
install() {
  local src=$1 dst=$2
  mkdir -p "$(dirname "$dst")"
  rm -rf "$dst.old"
  if [ -e "$dst" ]; then mv "$dst" "$dst.old"; fi
  mv "$src" "$dst"
  rm -rf "$dst.old"
}

echo "== ACP: $ACP_REPO at $ACP_COMMIT"
fetch "$ACP_REPO" "$ACP_COMMIT" "$work/acp-src"
mkdir -p "$work/acp"
for spec in "$work/acp-src/spec"/*/; do
  version=$(basename "$spec")
  # Only the dated releases and unreleased: spec/openapi and
  # spec/json-schema are the repository's older, undated layout.
  case $version in
    unreleased|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
    *) continue ;;
  esac
  cp -R "$spec" "$work/acp/$version"
  if [ -d "$work/acp-src/examples/$version" ]; then
    cp -R "$work/acp-src/examples/$version" "$work/acp/$version/examples"
  fi
done
cp "$work/acp-src/LICENSE" "$work/acp/"
[ -f "$work/acp-src/NOTICE" ] && cp "$work/acp-src/NOTICE" "$work/acp/"
printf 'Agentic Commerce Protocol specification data (OpenAPI, JSON Schema, OpenRPC, examples),\nunchanged, from the public repository %s\nat commit %s, fetched by scripts/fetch-specs.sh.\nApache License 2.0: see LICENSE and NOTICE.\n' "$ACP_REPO" "$ACP_COMMIT" >"$work/acp/SOURCE.txt"
[ -f "$work/acp/2026-04-17/json-schema/schema.agentic_checkout.json" ] || { echo "ACP: no 2026-04-17 checkout schema at $ACP_COMMIT" >&2; exit 1; }
install "$work/acp" "$acp_dir"
echo "   into $acp_dir"

echo "== UCP: $UCP_REPO at $UCP_COMMIT"
fetch "$UCP_REPO" "$UCP_COMMIT" "$work/ucp-src"
mkdir -p "$work/ucp/$UCP_RELEASE/docs"
cp -R "$work/ucp-src/source" "$work/ucp/$UCP_RELEASE/source"
cp -R "$work/ucp-src/docs/specification" "$work/ucp/$UCP_RELEASE/docs/specification"
cp "$work/ucp-src/docs/versioning.md" "$work/ucp/$UCP_RELEASE/docs/"
cp "$work/ucp-src/LICENSE" "$work/ucp/"
printf 'Universal Commerce Protocol (UCP) specification, release %s.\nRepository: github.com/%s, commit %s, fetched by scripts/fetch-specs.sh.\nApache License 2.0 (LICENSE).\n' "$UCP_RELEASE" "$UCP_REPO" "$UCP_COMMIT" >"$work/ucp/SOURCE.txt"
install "$work/ucp" "$ucp_dir"
echo "   into $ucp_dir"
