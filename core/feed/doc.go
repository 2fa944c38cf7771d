// Package feed publishes the catalog to agent platforms through the ACP
// Feed API (docs/feeds.md): a full publish to a new feed, then only what
// changes (a catalog edit, a price, a variant running out of stock or
// coming back), each product sent whole, in batches, retried with
// back-off, and a product no longer sold sent as discontinued rather
// than dropped.
//
// The queue is a difference of states, not a list of events: what each
// target should show (the catalog as its listing gives it, with the
// store's stock levels, in feed form) against what the target's platform
// last accepted (model.FeedProduct, one per product, written only after
// the platform accepted it). Every Delay the publisher reads the catalog
// once and sends each target the products whose feed form differs from
// what its platform accepted: the catalog is sampled once per Delay, so
// that a product is sent at most once per Delay, and a change undone
// before the next sample (a reservation and its release) is not sent at
// all. Nothing is lost to a crash or an
// outage: the difference is recomputed from durable sources, and a
// restart with an unchanged catalog sends nothing.
//
// A product the platform refuses (400, 413 or 422) is split out of its
// batch and set aside until it changes; a batch the platform fails (5xx)
// again and again is split to find a product it fails on alone while it
// takes the others, and that product is retried alone after a back-off
// of its own. A listing that breaks the catalog.listing contract is an
// error, never a partial catalog.
//
// Several processes sharing one store (replicas on one database) each
// run a Publisher: a target is published by the process holding the
// store's lease "feed/<target>", and every write of what a platform
// accepted checks that lease in the same transaction (the fencing check),
// so that each change is sent by one process. A process that takes a
// lease reads what was accepted from the store and publishes from a
// catalog read after it took it, and every request ends before the
// lease could lapse, so that no older state of a product follows a newer
// one.
//
// Layer: an engine beside the webhook deliverer. It may import the
// model, the store interface, the feed wire format and client, and
// core/internal; never an API package, core/host, config or cmd.
package feed
