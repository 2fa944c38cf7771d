// Package sdk is the root of the ACP sidecar's plugin SDK: the capability
// interfaces (catalog, tax, shipping, fulfillment) and value types that the
// host's built-in providers implement today and out-of-process plugins
// implement over gRPC.
//
// The SDK is its own Go module so that plugin authors depend on it alone,
// without the host's HTTP server, database or payment libraries.
//
// How a capability is announced and asked for, and how the protocol's
// minor version grows, is written down in proto/CAPABILITIES.md.
package sdk
