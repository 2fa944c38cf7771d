// Package builtin provides the catalog, tax, shipping and fulfillment
// capabilities from acp.yaml itself, so the demo store (and any small
// seller) runs with no other service. They implement the same SDK
// interfaces that out-of-process plugins implement.
package builtin
