// Package stock administers the stock levels the store keeps for the
// built-in catalog's stock-controlled SKUs: it applies acp.yaml's figures
// at start (Sync) and sets, adjusts and shows levels for `acp stock` and
// the merchant API. Counting against the levels (reservations and sales)
// is the checkout engine's, in the same transactions as the sessions.
//
// Layer: the engine (stock administration). It may import the model, the
// store interface and apierr; never the wire formats, an API package,
// core/host, config or cmd.
package stock
