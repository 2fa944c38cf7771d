// Package pluginmgr runs the out-of-process plugins that acp.yaml names
// and hands their capabilities to the checkout engine as the SDK's
// interfaces. Each plugin has a supervisor that:
//
//   - starts it with go-plugin, with only its allowlisted environment and,
//     when pinned, after checking its binary's sha256;
//   - checks that it serves the capabilities it is mapped to and sends it
//     its configuration, validated against the schema it declares;
//   - puts a deadline on every call (Fiber's request context never ends);
//   - restarts it when it crashes, one restart at a time, with exponential
//     back-off and jitter, and retries an idempotent call once;
//   - opens a circuit after repeated failures, so that while a capability
//     is down its requests fail at once with ErrUnavailable instead of
//     waiting for a timeout;
//   - treats a capability the plugin does not announce, and an RPC of an
//     unmapped capability it answers UNIMPLEMENTED, as not offered
//     (acp.ErrNotOffered), neither an outage nor a success; an RPC of a
//     mapped capability answered UNIMPLEMENTED is an error, logged once
//     (sdk/proto/CAPABILITIES.md);
//   - polls its health for /readyz.
//
// Layer: capability providers. It may import the SDK (including its plugin
// client) only; never config, another core layer or cmd.
package pluginmgr
