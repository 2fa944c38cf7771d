// Package merchantapi is the store-facing order API: the store (or a
// fulfillment plugin) reports shipments, deliveries, refunds and
// cancellations, operators inspect and re-queue webhook events, and set and
// adjust the built-in catalog's stock (stock.go), and follow and push the
// product feeds (feeds.go). The same operations are served over HTTP
// under /merchant (Routes), called over HTTP (Client), and run directly on
// a store that no server holds open (Local); the acp CLI uses whichever
// applies.
//
// Layer: API, mounted by the host behind its own token. It may import the
// orders service, stock administration, the feed publisher, the model,
// the store interface, the wire formats' decoder, apierr and
// core/internal; never another API package, core/host, config or cmd.
package merchantapi
