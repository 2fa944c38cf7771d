package stripe

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"
)

// chargeError is an unknown-outcome error. Its message is redacted; it
// unwraps only to a context error, never to the SDK error (whose Error()
// is the raw JSON Stripe returned and may name the token).
type chargeError struct {
	msg   string
	cause error
}

func (e *chargeError) Error() string { return e.msg }
func (e *chargeError) Unwrap() error { return e.cause }

// contextCause keeps context.Canceled / DeadlineExceeded reachable with
// errors.Is.
func contextCause(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	return nil
}

// describe summarises a Stripe API error without its raw body.
func describe(se *stripego.Error, red redactor) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d %s", se.HTTPStatusCode, se.Type)
	if se.Code != "" {
		fmt.Fprintf(&b, "/%s", se.Code)
	}
	if msg := red.clean(se.Msg); msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	if se.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", se.RequestID)
	}
	return b.String()
}

// secretPattern matches Stripe secret/restricted keys (also Stripe's own
// masked "sk_test_****abcd") and shared payment tokens of any kind.
var secretPattern = regexp.MustCompile(`\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9*]+|\bspt_[A-Za-z0-9_]+`)

// redactor removes the secret key and the token from text bound for an
// error or a message.
type redactor struct {
	secrets []string
}

func (h *Handler) redactor(token string) redactor {
	return redactor{secrets: []string{h.cfg.SecretKey, token}}
}

func (r redactor) clean(s string) string {
	for _, v := range r.secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return secretPattern.ReplaceAllString(s, "[redacted]")
}

// silentLogger discards stripe-go's logs, which carry request paths (the
// token lookup's path names the token) and Stripe's error messages.
type silentLogger struct{}

func (silentLogger) Debugf(string, ...any) {}
func (silentLogger) Infof(string, ...any)  {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Errorf(string, ...any) {}
