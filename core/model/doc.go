// Package model is the checkout engine's one internal model of a checkout
// session and its order. Every ACP API version is decoded into it and
// encoded from it; the store keeps records of its own (core/store/record).
//
// Known follow-up: the merchant API (core/merchantapi) still serialises
// model.Order directly, embedded in its order view, so the JSON tags of
// Order and the types it holds are that API's wire format
// (docs/merchant-api.openapi.yaml) until it gets a view of its own: a
// renamed tag there changes what store integrations read.
//
// Layer: base. It may import the SDK's acp types only.
package model
