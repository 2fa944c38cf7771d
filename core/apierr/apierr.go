package apierr

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error types, as ACP defines them.
const (
	TypeInvalidRequest     = "invalid_request"
	TypeProcessingError    = "processing_error"
	TypeServiceUnavailable = "service_unavailable"
)

// Error codes this server emits. ACP leaves most codes to the
// implementation; the ones the spec names are marked.
const (
	CodeInvalidJSON           = "invalid_json"
	CodeInvalidType           = "invalid_type"    // spec: intent traces and attribution
	CodePIINotAllowed         = "pii_not_allowed" // spec: attribution
	CodeMissing               = "missing"
	CodeInvalid               = "invalid"
	CodeUnsupported           = "unsupported"
	CodeUnsupportedCurrency   = "unsupported_currency"
	CodeRequestTooLarge       = "request_too_large"
	CodeUnsupportedMediaType  = "unsupported_media_type"
	CodeUnauthorized          = "unauthorized" // spec: cart API
	CodeMissingAPIVersion     = "missing_api_version"
	CodeUnsupportedAPIVersion = "unsupported_api_version"
	CodeNotFound              = "not_found"
	CodeMethodNotAllowed      = "method_not_allowed"
	CodeSessionNotReady       = "session_not_ready"
	CodeRequiresEscalation    = "requires_escalation"
	CodeSessionCompleted      = "session_completed"
	CodeSessionCanceled       = "session_canceled"
	CodeSessionExpired        = "session_expired"
	CodeSessionInProgress     = "session_in_progress"
	CodeRequires3DS           = "requires_3ds" // spec
	CodeUnknownHandler        = "unknown_payment_handler"
	CodePaymentUnavailable    = "payment_unavailable"
	CodeUpstreamUnavailable   = "upstream_unavailable"
	CodeInternal              = "internal_error"
	CodeIdempotencyKeyMissing = "idempotency_key_required" // spec
	CodeIdempotencyConflict   = "idempotency_conflict"     // spec
	CodeIdempotencyInFlight   = "idempotency_in_flight"    // spec
	CodeRateLimited           = "rate_limited"             // spec (message code)
	CodeInvalidSignature      = "invalid_signature"        // spec (webhooks)
)

// Error is the flat ACP error body plus the HTTP status it is sent with.
type Error struct {
	// Status is the HTTP status code; it is not part of the body.
	Status int `json:"-"`
	// Type is invalid_request, processing_error or service_unavailable.
	Type string `json:"type"`
	// Code is a machine-readable code.
	Code string `json:"code"`
	// Message is a human-readable explanation.
	Message string `json:"message"`
	// Param is an RFC 9535 JSONPath to the offending request field.
	Param string `json:"param,omitempty"`
	// SupportedVersions lists the API versions served, newest first; only
	// on version errors.
	SupportedVersions []string `json:"supported_versions,omitempty"`
	// RetryAfterSeconds, when positive, is sent as the Retry-After header.
	RetryAfterSeconds int `json:"-"`
	// Cause is the underlying failure, for logs only; never sent.
	Cause error `json:"-"`
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Unavailable returns a 503 service_unavailable error caused by a
// dependency (a capability provider or payment processor) that failed.
func Unavailable(code string, cause error, format string, args ...any) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Type: TypeServiceUnavailable, Code: code, Message: fmt.Sprintf(format, args...), RetryAfterSeconds: 1, Cause: cause}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s (%s): %s [%s]", e.Code, e.Type, e.Message, e.Param)
	}
	return fmt.Sprintf("%s (%s): %s", e.Code, e.Type, e.Message)
}

// Invalid returns a 400 invalid_request error about param.
func Invalid(code, param, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: TypeInvalidRequest, Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// New returns an error with an explicit status and type.
func New(status int, typ, code, format string, args ...any) *Error {
	return &Error{Status: status, Type: typ, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal returns the 500 error sent for unexpected failures. The cause is
// logged by the caller, never sent to the agent.
func Internal() *Error {
	return &Error{Status: http.StatusInternalServerError, Type: TypeProcessingError, Code: CodeInternal, Message: "The server failed to process the request. It is safe to retry."}
}

// JSON returns the error as its flat JSON body.
func (e *Error) JSON() []byte {
	body, _ := json.Marshal(e) // strings, a string slice and an int always marshal
	return body
}
