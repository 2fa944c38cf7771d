// Package ucpwire translates the Universal Commerce Protocol's JSON
// shapes (release 2026-04-08) to and from the engine's model: the order
// entity and its webhook body (order*.go).
//
// Layer: wire formats, beside the APIs. It may import the model, core/ucp,
// core/internal and the SDK; never an API package, core/host, config or
// cmd.
package ucpwire
