module github.com/acp-sidecar/acp/sdk

go 1.26.8
