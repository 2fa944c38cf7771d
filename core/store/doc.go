// Package store persists checkout sessions and orders. The Store interface
// is what the checkout engine needs; Badger (package badgerstore) is the
// embedded implementation, PostgreSQL (package pgstore) the one several
// replicas share, and package storetest the contract both are tested
// against. What a store writes is the store's:
// package record turns the engine's model into versioned records and reads
// every version back, whatever the database.
//
// Layer: base. It may import the model only; its record format and its
// implementations live in subpackages.
package store
