// Package store persists checkout sessions and orders. The Store interface
// is what the checkout engine needs; Badger (package badgerstore) is the
// embedded implementation, and a shared database for several replicas can
// implement the same interface later.
//
// Layer: base. It may import the model only; its implementations live in
// subpackages.
package store
