// Package internal holds, in its subpackages, the tools and helpers of
// this module that are not part of the server's request path: the load
// generator (loadgen), the redacting logger (logging), the outgoing
// address rules config and the webhook dialer share (netguard), the
// rules of UCP platform profiles and JWKs config and core/ucpprofile
// share (ucpdoc), the import rules test (importrules), and for tests the
// ACP and UCP schema validators (acpschema, ucpschema), where they find
// the spec files (specdir), and an agent platform's Feed API (feedtest).
//
// Layer: leaves beside core/. Its packages import only each other and the
// SDK; never core, config or cmd (enforced by internal/importrules). cmd,
// config and core may import them.
package internal
