// Package discovery builds the /.well-known/acp.json document that tells
// agents what this seller supports (ACP 2026-04-17 DiscoveryResponse). It
// holds only stable facts: no payment handlers (they are negotiated per
// session) and nothing secret.
//
// Layer: part of the checkout API. It imports nothing of this repository.
package discovery
