// Package host wires the gateway together from a validated config: the
// Badger store, the built-in capability providers, the payment handlers,
// the checkout engine, the checkout API and the APIs it mounts on it (MCP,
// the merchant API, Stripe's webhook, metrics); and runs it until its
// context ends, then shuts down gracefully. Its files follow New's steps:
// secrets.go, payments.go, plugins.go and builtin.go (capabilities),
// admin.go (orders and their webhooks), api.go (the HTTP APIs) and
// serving.go (listening, background work, shutdown).
//
// Layer: the top of core/. It may import every core package and config (it
// is the only core package that reads acp.yaml's types, which it converts
// for the layers below); only cmd imports it.
package host
