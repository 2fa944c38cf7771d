// Package storetest is the store.Store contract as tests: every store
// implementation runs Run with a constructor of fresh stores, so that the
// embedded and the shared stores are held to the same behaviour, the
// concurrent cases included. Fill and Verify write and read back a store
// holding every record kind (the migration from one store to another is
// tested with them).
//
// Layer: test support of the store. It imports the store interface, its
// record format and the model only.
package storetest
