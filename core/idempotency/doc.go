// Package idempotency implements ACP's idempotency rules (ACP-NOTES §2.4).
// A key is scoped by agent, path and key. A request first takes a lease on
// its key, then looks up the key's record: the same body replays the
// stored response, another body is a conflict. A fresh request's response
// is stored by Finish in the same store transaction as its business change,
// so a crash can leave neither a change without its record nor a record
// without its change. 5xx responses are not stored.
//
// Leases live in memory (Leases): the Badger store belongs to one process,
// so a process that dies takes its leases with it and a retry after a
// crash is processed at once, while a request that hangs past its lease
// can be taken over by a retry. A store shared by several replicas would
// need its leases in the store instead; Leases is the seam for that.
//
// Layer: base, beside the store. It may import the model and the store
// interface only.
package idempotency
