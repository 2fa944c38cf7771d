// Package badgerstore implements store.Store on Badger v4 on local disk.
// Sessions, orders, webhook events, the stock and failed-order records and
// the feed records are stored as the records of package record, behind a
// header naming their format (see sealRecord); idempotency records in a
// binary layout of their own (idempotency.go). A feed product's key holds
// its target's name behind the name's length (feed.go), so that product
// ids of any bytes never make one target's key another's.
// testdata/ holds a store written by each record format, which every
// release must read (fixture_test.go).
//
// Layer: the store's implementation. It may import the store interface,
// its record format, the model and core/internal only.
package badgerstore
