// Package orders owns what happens to an order after checkout: the store's
// fulfillments, refunds and cancellations, the payment processor's refunds
// and disputes, and the order events each change sends to the agent. Every
// change is stored together with its events in one transaction, so an
// event is never lost and never sent for a change that was not stored.
//
// Layer: the engine (orders after checkout). It may import the model, the
// store interface, apierr, core/internal and the SDK; never the wire
// formats, an API package, core/host, config or cmd.
package orders
