// Package record is the stored form of the checkout engine's sessions,
// orders, webhook events and the store's other records (stock, failed
// orders, the feeds' publishing state): structs of the store's own, with
// the JSON tags that make up the stored format, and the conversions from
// and to the engine's model. The model is the engine's to change; a stored
// record changes only here, by a new format version, and every version
// ever written stays readable.
//
// The package is independent of any database: a store keeps each record's
// format version beside its JSON (Badger in a header of the value, a SQL
// database in a column) and hands both back to the Decode functions.
//
// Formats:
//
//   - 0: the JSON of the model structs as the first releases wrote it,
//     with no version stored (a store reads a missing version as 0).
//   - 1: the same JSON, written from this package's structs, with the
//     version stored.
//   - 2: format 1 plus where an attempt's and an order's money is (the
//     payment's capture method and state, its placement deadline, the
//     order system's acceptance, why the money is being given back, and
//     the order's payment state). A record of format 0 or 1 has none of
//     them: its payment was captured at once, as those releases did.
//   - 3: format 2 plus the stock records (stock levels and reservations),
//     the failed-order records, and the idempotency keys of the complete
//     requests of a payment attempt. A store of format 0 to 2 has none:
//     nothing was stock-controlled, no failure was recorded, and no
//     request key was kept.
//   - 4: format 3 plus split fulfillment (a session's fulfillment
//     groups, the group of each option, the destination of an order's
//     fulfillments and whether the host planned them), escalation (a
//     line's escalation and the session's continue URL), what an agent
//     was told about request members the server does not act on,
//     discounts (a session's codes, applied and rejected discounts, a
//     line's categories, the discount totals, an order's discounts), and
//     an order's
//     insights (attribution, marketing consents, risk signals and when
//     they are erased). A record of format 0 to 3 has none of them.
//   - 5: format 4 plus the feed records: each product feed target's
//     publishing state and the products its platform accepted. A store
//     of format 0 to 4 has none: no feed was published.
//   - 6: format 5 plus UCP: a session's and an order's UCP context (the
//     platform's profile, the capabilities negotiated and its order
//     webhook URL), the item id of a UCP order's lines, and a webhook
//     event's protocol and receiver URL. Only the records carrying them
//     are written in format 6 (WriteFormat decides by value: a session
//     or order made over UCP, a UCP order event); those made over ACP
//     stay in format 4, so the previous release keeps reading them and
//     refuses the UCP ones rather than reading them as ACP's. A replica
//     of the previous release that meets a UCP record fails the request
//     or the outbox page that reads it: turn ucp.enabled on only once
//     every replica runs this release.
//
// To change a record: add the new format's structs or fields, bump
// Format, set the changed kinds' write format (CheckoutFormat, FeedFormat
// or UCPFormat) to it, and keep decoding every older format into the
// model. Each record is written in the format that last changed it
// (WriteFormat): a format that adds or changes some kinds of record (or
// records of some values, as UCPFormat) leaves the others' write format
// where it was, so that the previous release reads what it
// knows of this one's records while replicas of both serve side by side.
// The rolling upgrade test (cmd/acp) builds the previous release's reader
// with -ldflags "-X
// github.com/acp-sidecar/acp/core/store/record.readsUpTo=N", Format-1,
// and fails when the checkout's records outrun it.
//
// Layer: the store's record format. It may import the model and the SDK's
// acp types only.
package record
