// Package model is the checkout engine's one internal model of a checkout
// session and its order. Every ACP API version is decoded into it and
// encoded from it; the store keeps records of its own (core/store/record).
//
// Layer: base. It may import the SDK's acp types only.
package model
