// Package pgstore implements store.Store on PostgreSQL, for several
// replicas of the sidecar sharing one database.
//
// Records are stored as package record encodes them, exactly as the
// embedded store seals them: a format column beside the record's JSON
// (bytea, byte for byte), so that a new record format needs no migration.
// Beside them are the columns each list and the purge job need, indexed:
// orders by creation time and by payment, sessions in progress and by
// purge time, the outbox by state and sequence (from a sequence),
// reservations by session, failed orders by time, a feed target's
// products by product id (migration 00003), idempotency records and
// one-time keys by expiry. Stock counts are columns of their own, which
// ReserveStock changes with one conditional UPDATE (exact under any
// concurrency) and which a CHECK constraint (migration 00002) keeps from
// going below zero; UpdateStock also takes an advisory lock per SKU around its
// transaction, so that racing replicas take turns rather than fail one
// another's transactions (it tries the lock and backs off, holding no
// connection while it waits). A new outbox event locks its order's row
// before drawing its sequence number, so that one order's events commit
// in sequence order.
//
// Transactions are SERIALIZABLE and run again (at most 16 times, after a
// jittered, growing pause) on a serialization failure or deadlock, as the
// embedded store runs a conflicting Update again: fn may run more than
// once. Views are REPEATABLE READ, read-only snapshots. Leases are rows
// (leases.go) taken with one INSERT ... ON CONFLICT DO UPDATE ... WHERE
// expired, with a fencing token from a sequence; Tx.HoldsLease compares it
// inside the transaction; Release notifies the other replicas' waiting
// Acquire calls (release.go). No transaction or lock outlives the SQL.
// The outbox watcher and the release listener each hold a connection of
// their own, beside the pool.
// What the embedded store expires by TTL, Purge deletes in batches.
//
// # Migrations
//
// The schema is made by the SQL files in migrations/, embedded, applied
// by goose (`acp migrate`, or at start with store.postgres.migrate_on_start,
// under an advisory lock so that replicas starting together apply each
// once). Changes follow expand-then-contract, so that replicas can be
// upgraded one at a time:
//
//   - expand: a migration adds (tables, nullable columns, indexes) and
//     removes nothing an older release reads or writes; both releases run
//     on the migrated database.
//   - contract: once no replica runs a release that needs the old shape,
//     a later migration removes it, and records in acp_schema_compat's
//     min_compatible its own version: the oldest migration a release must
//     know to run on the database.
//
// A release refuses a database whose min_compatible is past the newest
// migration it knows (ErrSchemaTooNew: upgrade the binary), and a
// database not yet migrated to OldestSchema, the oldest schema it can run
// on (ErrSchemaTooOld: run `acp migrate`). Between the two it runs.
//
// 00002 (the stock counts' constraint) and 00003 (the feed records'
// tables) expand only: a release that knows 00001 alone still runs on
// them. This release stores the feed records in 00003's tables, so its
// OldestSchema is 3.
//
// A rolling upgrade is tested with two builds of one tree: a build with
// -ldflags "-X github.com/acp-sidecar/acp/core/store/pgstore.knownUpTo=N"
// knows the migrations up to N only, as the previous release did
// (migrate_test.go does the same with Options.Migrations).
//
// Layer: the store's implementation. It may import the store interface,
// its record format, the model and core/internal only.
package pgstore
