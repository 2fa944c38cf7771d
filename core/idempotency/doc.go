// Package idempotency implements ACP's idempotency rules (ACP-NOTES §2.4).
// A key is scoped by agent, path and key. A request first takes a lease on
// its key, then looks up the key's record: the same body replays the
// stored response, another body is a conflict. A fresh request's response
// is stored by Finish in the same store transaction as its business change,
// so a crash can leave neither a change without its record nor a record
// without its change. 5xx responses are not stored.
//
// The lease on a key is the store's (store.Leases), so that every replica
// sharing a store honours it: a second request with the key, on any
// replica, gets InFlight while the first runs. The first renews its lease
// while it runs; a process that dies or stalls stops renewing, and a retry
// takes the key over once the lease lapsed (Policy.Lease). The record's
// commit checks that its request still holds the lease (the store's
// fencing check), so that a request taken over cannot answer over the
// one that took it.
//
// Layer: base, beside the store. It may import the model and the store
// interface only.
package idempotency
