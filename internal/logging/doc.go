// Package logging builds the sidecar's logger: JSON lines (log/slog) with
// secrets and personal data redacted before anything is written.
//
// Two rules apply to every attribute, at any depth of groups, and to the
// message:
//
//   - By key: an attribute whose key names a secret or personal field has
//     its whole value, whatever its kind, replaced by "[REDACTED]"; a
//     group with such a key has all its members' values replaced. See
//     SensitiveKey for which keys.
//   - By content: in every string value, Redact replaces bearer tokens,
//     email addresses, payment tokens and card numbers. Errors are
//     logged as their redacted message; other values of kind Any are
//     logged as their redacted JSON form.
//
// Redaction is a safety net, not a licence: code should still not log
// request bodies, headers or payment data on purpose.
//
// Layer: tool outside the request path (top-level internal/). It may import
// only other internal/ packages and the SDK; never core, config or cmd
// (enforced by internal/importrules).
package logging
