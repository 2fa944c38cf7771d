// Package capcache keeps the answers of capability plugins that say how
// long they hold, and answers an identical request from them while they
// do, so that a checkout does not cross to a plugin process for what the
// host already knows. A tax or shipping quote carries MaxAge (plugin
// protocol 1.5, sdk/proto/CAPABILITIES.md), as an HTTP response carries
// max-age: zero, the default, is never kept.
//
// The key of an answer is a SHA-256 of the RPC's name and a deterministic,
// unambiguous encoding of every field of the request, so an answer is
// reused only for a request equal to the one it answered. An answer is
// kept for its MaxAge, at most a ceiling (5 minutes by default), with a
// bound on the answers kept per plugin and RPC (the least recently used
// go first). Failures are never kept. Each caller gets its own deep copy,
// so no caller can change what another reads. Forget drops a plugin's
// answers (the host calls it whenever the plugin's process starts), and
// an answer asked for before a Forget is not kept after it.
//
// Concurrent identical misses each ask the plugin: sharing one call would
// tie one caller's answer to another's deadline and cancellation, for a
// saving only while an answer is first asked for.
//
// Layer: capability providers, beside core/pluginmgr. It may import the
// SDK and core/internal only; never config, another core layer or cmd.
package capcache
