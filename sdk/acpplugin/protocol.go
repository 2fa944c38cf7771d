// Package acpplugin turns a Go program into an ACP plugin: a process that
// the acp host starts and calls over gRPC to serve the catalog, tax,
// shipping or fulfillment capability of a store. A plugin's main function
// builds its capability implementations and calls Serve; everything else
// (the handshake, the protocol, error transport, logging to the host) is
// done here.
package acpplugin

import (
	"github.com/hashicorp/go-plugin"
)

// Protocol versions. The major version is the go-plugin protocol version
// and the suffix of the protobuf package (acp.plugin.v1); hosts and
// plugins agree on the highest major both speak. The minor version grows
// by one with each additive change within a major and is kept equal to the
// number in the first line of sdk/proto/acp/plugin/v1/plugin.proto by a
// test. A host accepts plugins of any minor: what a plugin offers is what
// it announces, never inferred from its minor. sdk/proto/CAPABILITIES.md
// says how a minor is bumped.
const (
	ProtocolMajor = 1
	ProtocolMinor = 5
)

// SDKVersion is the version of this SDK, reported by every plugin built
// with it.
const SDKVersion = "0.6.0"

// Handshake is the go-plugin handshake shared by the host and every plugin.
// The cookie is not a security measure: it only stops a plugin binary run
// by hand from waiting for a host that never comes. It must never change.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolMajor,
	MagicCookieKey:   "ACP_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "6de44a1c88370be0012e2fdae8fe3d50a7d68a2c07d294548d5b0dd4f96e8c4c",
}

// Capability names, as plugins announce them in GetInfo and acp.yaml maps
// them. Optional capabilities, which acp.yaml does not map, get their
// names here too; sdk/proto/CAPABILITIES.md says how a capability is
// announced and asked for.
const (
	CapabilityCatalog     = "catalog"
	CapabilityTax         = "tax"
	CapabilityShipping    = "shipping"
	CapabilityFulfillment = "fulfillment"
	// CapabilityStockReservations is the optional capability a catalog
	// offers when it holds stock for payment attempts
	// (catalog.StockReservations, since protocol 1.1).
	CapabilityStockReservations = "catalog.stock_reservations"
	// CapabilityDiscounts is the optional capability a catalog offers
	// when the store's own promotion engine decides the discounts
	// (catalog.Discounts, since protocol 1.3).
	CapabilityDiscounts = "catalog.discounts"
	// CapabilityListing is the optional capability a catalog offers when
	// it lists its products, with their variants, for product feeds
	// (catalog.Listing, since protocol 1.4).
	CapabilityListing = "catalog.listing"
)
