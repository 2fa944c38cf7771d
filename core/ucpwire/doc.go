// Package ucpwire translates between the JSON shapes of the Universal
// Commerce Protocol (release 2026-04-08) and the checkout engine's one
// internal model.
//
// For the checkout capability (with its fulfillment and discount
// extensions) it decodes create, update, complete and cancel bodies into
// the engine's inputs and encodes a session as the checkout response, with
// the ucp envelope of the capabilities negotiated with the platform
// (ucp.Platform); the mapping of the engine's statuses, messages, totals
// and fulfillment groups onto UCP's is documented in
// docs/ucp-checkout.md. Decode errors are *apierr.Error values (400) whose
// message names the member at fault by its JSONPath; the REST binding
// (core/ucpapi) sends them as UCP protocol errors {code, content}.
//
// For orders it encodes the order entity and its webhook body (order*.go).
//
// Layer: wire formats, beside the APIs (like core/acpwire). It may import
// core/ucp, the model, the engine's decoded inputs (core/checkout),
// payment, apierr, core/internal and the SDK; never an API package,
// core/host, config or cmd.
package ucpwire
