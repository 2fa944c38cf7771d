// Package ucpprofile is UCP discovery and negotiation (overview.md,
// "Discovery, Governance, and Negotiation", "Profile Requirements"): the
// business profile served at /.well-known/ucp, the UCP-Agent header, and
// the Resolver, which reads a platform's profile (written in acp.yaml, or
// fetched only from the hosts acp.yaml allows the agent, under the webhook
// address rules) and negotiates capabilities with it, implementing
// ucp.Negotiator for the REST and MCP bindings.
//
// Layer: a helper of the UCP bindings, beside the wire formats. It may
// import core/ucp, core/payment (for UCPHandler), core/internal, the
// top-level internal/ packages, the standard library and outside modules;
// never config or core/host (enforced by internal/importrules).
package ucpprofile
