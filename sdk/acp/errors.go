package acp

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorSource says where a capability failure started: in the plugin
// itself, or in the backend the plugin calls (the store's API, a tax
// service, a carrier). Operators read it in the host's logs and metrics to
// know whom to call.
type ErrorSource string

// Error sources.
const (
	SourcePlugin     ErrorSource = "plugin"
	SourceDownstream ErrorSource = "downstream"
)

// ErrNotOffered is what a call to an optional capability returns when the
// provider does not offer it: the plugin did not announce it in GetInfo, or
// answered its RPC with UNIMPLEMENTED (it was built before the RPC
// existed). It is an answer, not a failure: the caller goes on without the
// capability, and the host never counts it as an outage. A plugin's
// capability method may return it (wrapped or not) to not offer the
// capability for its store; the SDK sends it as UNIMPLEMENTED. See
// sdk/proto/CAPABILITIES.md.
var ErrNotOffered = errors.New("capability not offered")

// Error is a capability failure: the call could not produce an answer.
// Business outcomes (an unknown item, an address that cannot be shipped to)
// are never errors; they are Messages inside a successful response.
//
// A plugin returns any error from a capability method; the SDK carries an
// *Error's Source, Retryable and Reason across the wire, and the host
// receives an *Error again (any other error arrives as an *Error with
// SourcePlugin). The message text reaches the host's logs, never the
// agent.
type Error struct {
	// Source is where the failure started.
	Source ErrorSource
	// Retryable reports that the same call may succeed if made again, as
	// after a timeout or a 503 from the backend. The host retries a
	// retryable failure of an idempotent call once.
	Retryable bool
	// Reason is a short machine-readable cause, such as "backend_timeout".
	Reason string
	// Err is the underlying error.
	Err error
}

// Error renders the failure with its source and reason.
func (e *Error) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Reason != "" {
		return fmt.Sprintf("%s failure (%s): %s", e.Source, e.Reason, msg)
	}
	return fmt.Sprintf("%s failure: %s", e.Source, msg)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Downstream marks err as a failure of the backend the plugin calls. It
// keeps the marks already on err, and returns nil for nil.
func Downstream(err error) error {
	return mark(err, func(e *Error) { e.Source = SourceDownstream })
}

// Retryable marks err as worth one more attempt. It keeps the marks
// already on err, and returns nil for nil.
func Retryable(err error) error {
	return mark(err, func(e *Error) { e.Retryable = true })
}

// WithReason sets a machine-readable reason on err. It keeps the other
// marks already on err, and returns nil for nil.
func WithReason(err error, reason string) error {
	return mark(err, func(e *Error) { e.Reason = reason })
}

// AsError returns err as an *Error: err itself (or the *Error it wraps),
// or a non-retryable plugin failure wrapping err. It returns nil for nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Source: SourcePlugin, Err: err}
}

// IsFinal reports whether err is a failure that repeating cannot change
// (an *Error not marked retryable) with the given reason: how an answer
// such as "no such hold" or "not found" is recognised after it crossed
// the plugin protocol.
func IsFinal(err error, reason string) bool {
	var e *Error
	return errors.As(err, &e) && !e.Retryable && e.Reason == reason
}

// mark returns a new *Error with err's marks changed by set, never
// changing an error value someone else holds. When err wraps an *Error
// in context ("fetch price: %w"), the new error keeps that context in its
// message and its chain.
func mark(err error, set func(*Error)) error {
	if err == nil {
		return nil
	}
	found := AsError(err)
	e := *found
	if wrapped := found.Err != err && error(found) != err; wrapped {
		// err wraps found with context: keep err whole, but without
		// found's prefix, which the new error prints itself.
		e.Err = &contextual{msg: strings.Replace(err.Error(), found.Error(), fmt.Sprint(found.Err), 1), err: err}
	}
	set(&e)
	return &e
}

// contextual is an error chain with its message rewritten.
type contextual struct {
	msg string
	err error
}

func (c *contextual) Error() string { return c.msg }
func (c *contextual) Unwrap() error { return c.err }
