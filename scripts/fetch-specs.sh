#!/usr/bin/env bash
# Fetches the ACP and UCP specification repositories at the commits this
# project is tested against, and lays out the files the tests' schema
# checks read (internal/acpschema, internal/ucpschema):
#
#   <dest>/acp-spec/<version>/{openapi,json-schema,openrpc,examples}/  from spec/<version>/ and examples/<version>/
#   <dest>/acp-spec/{LICENSE,NOTICE,SOURCE.txt}
#   <dest>/ucp-spec/2026-04-08/{source,docs/specification,docs/versioning.md}
#   <dest>/ucp-spec/{LICENSE,SOURCE.txt}
#
# <dest> is ../shared beside the repository, where the tests look by
# default. ACP_SPEC_DIR and UCP_SPEC_DIR, when set, name the acp-spec and
# ucp-spec folders themselves (the tests read them too).
#
# Usage: scripts/fetch-specs.sh        (needs git, or curl and tar; network access to github.com)
#
# The files are the spec authors' work (Apache License 2.0), read by the
# tests and never copied into this repository. An existing folder is
# replaced only once the new copy holds every file the tests open (see
# ACP_REQUIRED), and by a rename: the new copy is assembled beside it.
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

# The ACP versions the host serves, and the files of each that the tests
# open (internal/acpschema: the JSON Schema, the two OpenAPI
# documents the webhook check compiles together, the REST examples the
# request decoders replay); 2026-04-17 adds the MCP examples.
ACP_VERSIONS="2025-09-29 2025-12-12 2026-01-16 2026-01-30 2026-04-17"
ACP_REQUIRED="json-schema/schema.agentic_checkout.json openapi/openapi.agentic_checkout.yaml openapi/openapi.agentic_checkout_webhook.yaml examples/examples.agentic_checkout.json"
ACP_REQUIRED_0417="examples/examples.mcp.agentic_checkout.json"

# The UCP files the tests open (internal/ucpschema: the schema its probe
# looks for, the profile schema, the two transport documents, the doc pages
# whose examples they check).
UCP_REQUIRED="source/schemas/shopping/checkout.json source/discovery/profile_schema.json source/services/shopping/rest.openapi.json source/services/shopping/mcp.openrpc.json docs/specification/checkout-rest.md docs/specification/overview.md"

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$(cd "$root/.." && pwd)/shared
acp_dir=${ACP_SPEC_DIR:-$dest/acp-spec}
ucp_dir=${UCP_SPEC_DIR:-$dest/ucp-spec}

work=$(mktemp -d)
staged=()
cleanup() {
  rm -rf "$work"
  [ ${#staged[@]} -eq 0 ] || rm -rf "${staged[@]}"
}
trap cleanup EXIT

# stage DST: prints a new, empty folder beside DST (on its file system,
# so that install's rename is atomic), removed on exit unless installed.
stage() {
  local dst=$1 dir
  mkdir -p "$(dirname "$dst")"
  dir=$(mktemp -d "$(dirname "$dst")/.$(basename "$dst").new.XXXXXX")
  chmod 755 "$dir"
  echo "$dir"
}

# fetch REPO COMMIT DIR: the repository's tree at COMMIT into DIR.
fetch() {
  local repo=$1 commit=$2 dir=$3
  mkdir -p "$dir"
  if command -v git >/dev/null; then
    git -C "$dir" init -q
    if git -C "$dir" fetch -q --depth 1 "$base/$repo.git" "$commit" 2>"$work/git-error"; then
      git -C "$dir" -c advice.detachedHead=false checkout -q FETCH_HEAD
      [ "$(git -C "$dir" rev-parse HEAD)" = "$commit" ] || { echo "fetched the wrong commit of $repo" >&2; exit 1; }
      rm -rf "$dir/.git"
      return
    fi
    rm -rf "$dir/.git"
    echo "git could not fetch $repo at $commit:" >&2
    sed 's/^/    /' "$work/git-error" >&2
    echo "  trying the archive" >&2
  fi
  curl -fsSL "$base/$repo/archive/$commit.tar.gz" | tar -xz -C "$dir" --strip-components=1
}

# install SRC DST: replaces DST with SRC (staged beside it), each by a
# rename.
install() {
  local src=$1 dst=$2
  rm -rf "$dst.old"
  if [ -e "$dst" ]; then mv "$dst" "$dst.old"; fi
  mv "$src" "$dst"
  rm -rf "$dst.old"
}

echo "== ACP: $ACP_REPO at $ACP_COMMIT"
fetch "$ACP_REPO" "$ACP_COMMIT" "$work/acp-src"
acp_new=$(stage "$acp_dir")
staged+=("$acp_new")
for spec in "$work/acp-src/spec"/*/; do
  version=$(basename "$spec")
  # Only the dated releases and unreleased: spec/openapi and
  # spec/json-schema are the repository's older, undated layout.
  case $version in
    unreleased|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
    *) continue ;;
  esac
  cp -R "$spec" "$acp_new/$version"
  if [ -d "$work/acp-src/examples/$version" ]; then
    cp -R "$work/acp-src/examples/$version" "$acp_new/$version/examples"
  fi
done
cp "$work/acp-src/LICENSE" "$acp_new/"
[ -f "$work/acp-src/NOTICE" ] && cp "$work/acp-src/NOTICE" "$acp_new/"
printf 'Agentic Commerce Protocol specification data (OpenAPI, JSON Schema, OpenRPC, examples),\nunchanged, from the public repository %s\nat commit %s, fetched by scripts/fetch-specs.sh.\nApache License 2.0: see LICENSE and NOTICE.\n' "$ACP_REPO" "$ACP_COMMIT" >"$acp_new/SOURCE.txt"
missing=()
for version in $ACP_VERSIONS; do
  files=$ACP_REQUIRED
  [ "$version" != 2026-04-17 ] || files="$files $ACP_REQUIRED_0417"
  for f in $files; do
    [ -f "$acp_new/$version/$f" ] || missing+=("$version/$f")
  done
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ACP at $ACP_COMMIT lacks files the tests open; $acp_dir left as it was:" >&2
  printf '    %s\n' "${missing[@]}" >&2
  exit 1
fi
install "$acp_new" "$acp_dir"
echo "   into $acp_dir"

echo "== UCP: $UCP_REPO at $UCP_COMMIT"
fetch "$UCP_REPO" "$UCP_COMMIT" "$work/ucp-src"
ucp_new=$(stage "$ucp_dir")
staged+=("$ucp_new")
mkdir -p "$ucp_new/$UCP_RELEASE/docs"
cp -R "$work/ucp-src/source" "$ucp_new/$UCP_RELEASE/source"
cp -R "$work/ucp-src/docs/specification" "$ucp_new/$UCP_RELEASE/docs/specification"
cp "$work/ucp-src/docs/versioning.md" "$ucp_new/$UCP_RELEASE/docs/"
cp "$work/ucp-src/LICENSE" "$ucp_new/"
printf 'Universal Commerce Protocol (UCP) specification, release %s.\nRepository: github.com/%s, commit %s, fetched by scripts/fetch-specs.sh.\nApache License 2.0 (LICENSE).\n' "$UCP_RELEASE" "$UCP_REPO" "$UCP_COMMIT" >"$ucp_new/SOURCE.txt"
missing=()
for f in $UCP_REQUIRED; do
  [ -f "$ucp_new/$UCP_RELEASE/$f" ] || missing+=("$UCP_RELEASE/$f")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "UCP at $UCP_COMMIT lacks files the tests open; $ucp_dir left as it was:" >&2
  printf '    %s\n' "${missing[@]}" >&2
  exit 1
fi
install "$ucp_new" "$ucp_dir"
echo "   into $ucp_dir"
