// Package loadgen plays simulated agents against any ACP server and
// measures it: the library behind "acp load".
//
// Run starts Config.Concurrency agents. Each runs flows picked at random
// by Config.Mix, one request at a time, with the headers a real agent
// sends (Authorization, API-Version, Content-Type, a fresh Request-Id,
// and a fresh Idempotency-Key on every POST):
//
//   - full: create, update (fulfillment details with an address, and an
//     option when Config.OptionID names one), complete;
//   - cancel: create, cancel;
//   - retry: create, then the same create with the same key, which must
//     replay the same status and body;
//   - read: a GET of a session the agent created on its first read;
//   - create: a create alone, to compare with the baseline.
//
// Requests are recorded under the endpoint labels create, update,
// complete, cancel, create_replay and get: counts, throughput, exact
// latency percentiles, errors by HTTP status and by ACP error code, and
// transport errors by kind (see Report).
//
// In closed loop (Config.Rate 0) each agent sends its next request as
// soon as it has the last answer. At a fixed rate the run is open loop:
// request i is due at start + i/Rate on one schedule the agents share,
// and its latency runs from when it was due, not from when an agent got
// round to sending it, so that a server that stalls cannot hide the
// requests it held back (coordinated omission). Report.Schedule says when
// the agents could not keep the rate.
//
// Every run is bounded: at most MaxRequests measured requests (which also
// bounds the memory of the exact percentiles) and MaxDuration of measured
// window, whatever is asked, each request bounded by Config.Timeout. The
// client reaches Config.Target only: no proxy, no redirect followed,
// session ids path-escaped.
//
// The generator shares the CPU with the server it measures, so it does as
// little as it can per request: each agent speaks HTTP/1.1 itself over
// one keep-alive connection, writes a prepared request with the fresh
// keys written in, and reads of an answer only the status and, where a
// flow needs them, the session's top-level id and status; a create-alone
// answer is checked beyond its status once in sampleEvery. It never sends
// a request twice (net/http would retry some on a reused connection), so
// its counts are the server's. Measured against wrk on the baseline by
// cmd/acp-bench.
//
// BaselineApp is the bare Fiber handler every benchmark figure is divided
// by; see its documentation for why.
//
// Layer: tool outside the request path (top-level internal/). It may import
// only other internal/ packages and the SDK; never core, config or cmd
// (enforced by internal/importrules).
package loadgen
