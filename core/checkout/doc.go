// Package checkout is the checkout engine: it creates, updates, completes
// and cancels sessions on the one internal model, prices them through the
// catalog, shipping and tax capabilities, charges through payment handlers
// and persists everything through the store. It knows nothing of HTTP
// framing or API versions.
//
// Every call that changes a session holds the session's store lease
// (leases.go), which every process sharing the store honours, so that
// replicas never decide one session twice; every commit made under it
// checks, inside its transaction, that the lease is still held.
//
// Layer: the engine. It may import the model, the store interface, payment,
// apierr, core/internal and the SDK's capability interfaces; never the wire
// formats, an API package, core/host, config or cmd (enforced by
// internal/importrules).
package checkout
