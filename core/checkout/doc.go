// Package checkout is the checkout engine: it creates, updates, completes
// and cancels sessions on the one internal model, prices them through the
// catalog, shipping and tax capabilities, charges through payment handlers
// and persists everything through the store. It knows nothing of HTTP
// framing or API versions.
//
// Layer: the engine. It may import the model, the store interface, payment,
// apierr, core/internal and the SDK's capability interfaces; never the wire
// formats, an API package, core/host, config or cmd (enforced by
// internal/importrules).
package checkout
