// Package feedwire is the wire format of the ACP Feed API (openapi.feed.yaml,
// schema.feed.json of ACP 2026-04-17): its JSON bodies, and the one
// conversion from a catalog's product (catalog.Product), with its
// variants' availability and the store's currency, to the feed Product an
// agent platform is sent. A product is encoded in one canonical form
// (RFC 8785), so that the same product always has the same bytes and the
// same content hash, which is how the publisher tells what changed.
//
// Layer: a wire format. It may import the SDK and core/internal; never
// the model, the store, an engine or an API package.
package feedwire
