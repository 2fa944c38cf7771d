// Package badgerstore implements store.Store on Badger v4 on local disk.
//
// Layer: the store's implementation. It may import the store interface, the
// model and core/internal only.
package badgerstore
