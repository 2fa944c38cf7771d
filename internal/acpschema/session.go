package acpschema

import (
	"encoding/json"
	"testing"
)

// legacyVersion is the one release whose CheckoutSessionWithOrder no body
// can satisfy: its closed CheckoutSessionBase has no order member
// (ACP-NOTES §12 #28).
const legacyVersion = "2025-09-29"

// Answer says what a checkout response means, which picks the schema it is
// checked against, for REST and MCP alike.
type Answer int

// Answers.
const (
	// AnySession is any session answer but that of a complete call that
	// completed the session: a CheckoutSession.
	AnySession Answer = iota
	// CompletedSession is the answer of a complete call that completed
	// the session: a CheckoutSessionWithOrder.
	CompletedSession
	// ErrorAnswer is a failed call: the flat Error.
	ErrorAnswer
)

// Response reports a test error when body is not a valid answer of the
// validator's version for what it means. Under 2025-09-29, whose
// CheckoutSessionWithOrder admits no body, a session carrying its order
// (required of a completed answer) is checked as the base session without
// order plus the order against Order.
func (v *Validator) Response(t testing.TB, answer Answer, body []byte) {
	t.Helper()
	switch {
	case answer == ErrorAnswer:
		v.Def(t, "Error", body)
	case v.version == legacyVersion:
		v.legacySession(t, answer, body)
	case answer == CompletedSession:
		v.Def(t, "CheckoutSessionWithOrder", body)
	default:
		v.Def(t, "CheckoutSession", body)
	}
}

// legacySession checks a 2025-09-29 session answer: its order apart.
func (v *Validator) legacySession(t testing.TB, answer Answer, body []byte) {
	t.Helper()
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		t.Errorf("response is not a JSON object: %v\nbody: %s", err, body)
		return
	}
	order, ok := members["order"]
	switch {
	case ok:
		v.Def(t, "Order", order)
		delete(members, "order")
		body, _ = json.Marshal(members)
	case answer == CompletedSession:
		t.Errorf("completed %s session has no order\nbody: %s", v.version, body)
	}
	v.Def(t, "CheckoutSession", body)
}
