// Package netguard holds the address rules that keep outgoing requests
// (webhook deliveries) away from internal networks, so that the
// configuration check and the dialer apply the same ones.
//
// Layer: tool outside the request path (top-level internal/). It may import
// only other internal/ packages and the SDK; never core, config or cmd
// (enforced by internal/importrules).
package netguard
