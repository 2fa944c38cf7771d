// Package acpwire translates between ACP's JSON wire shapes and the checkout
// engine's one internal model. Each API version has a Codec; the HTTP layer
// picks one by the API-Version header. Adding a version means adding a
// Codec and registering it in codecs below.
//
// Layer: wire formats, beside the APIs. It may import the model, the
// engine's decoded inputs (core/checkout), payment descriptors, apierr,
// core/internal and the SDK's acp types; never an API package, core/host,
// config or cmd.
package acpwire
