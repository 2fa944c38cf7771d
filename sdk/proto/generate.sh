#!/usr/bin/env bash
# Regenerates sdk/internal/pb from the .proto files with pinned tools that
# install from the Go module proxy into a private directory (nothing is
# installed system-wide). Run from anywhere: bash sdk/proto/generate.sh
# Add --check to fail when the committed code is out of date.
set -euo pipefail

BUF_VERSION=v1.75.0
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

here="$(cd "$(dirname "$0")" && pwd)"
bin="${ACP_PROTO_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/acp-proto-tools}/${BUF_VERSION}-${PROTOC_GEN_GO_VERSION}-${PROTOC_GEN_GO_GRPC_VERSION}"
if [[ ! -x "$bin/buf" || ! -x "$bin/protoc-gen-go" || ! -x "$bin/protoc-gen-go-grpc" ]]; then
	mkdir -p "$bin"
	GOBIN="$bin" go install "github.com/bufbuild/buf/cmd/buf@${BUF_VERSION}"
	GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
	GOBIN="$bin" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"
fi
export PATH="$bin:$PATH"

cd "$here"
buf lint
if [[ "${1:-}" == "--check" ]]; then
	# Generate into a scratch copy (buf.gen.yaml writes to ../internal/pb
	# relative to the module) and compare, leaving the tree untouched.
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	cp -r "$here" "$tmp/proto"
	(cd "$tmp/proto" && buf generate)
	diff -r "$tmp/internal/pb" ../internal/pb
	echo "generated code is up to date"
else
	buf generate
fi
