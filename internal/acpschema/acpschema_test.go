package acpschema

import (
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/acp-sidecar/acp/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestAbsentSpecCountsChecks checks that the validators of an absent spec
// accept anything and count every check they did not make.
func TestAbsentSpecCountsChecks(t *testing.T) {
	t.Parallel()
	var count atomic.Int64
	v := &Validator{version: newestRelease, notMade: &count}
	v.Def(t, "CheckoutSession", []byte(`not json`))
	if err := v.Check("Error", []byte(`{}`)); err != nil {
		t.Errorf("Check() = %v", err)
	}
	v.Response(t, CompletedSession, []byte(`{}`))
	if err := (&WebhookValidator{version: newestRelease, notMade: &count}).Check([]byte(`{}`)); err != nil {
		t.Errorf("webhook Check() = %v", err)
	}
	if got := count.Load(); got != 4 {
		t.Errorf("counted %d checks not made, want 4", got)
	}
}

// TestResponse checks that the schema follows the answer's meaning, and
// the 2025-09-29 rule for completed answers (ACP-NOTES §12 #28).
func TestResponse(t *testing.T) {
	t.Parallel()
	const (
		session = `{"id":"cs_1","status":"completed","currency":"usd","line_items":[],"totals":[],"fulfillment_options":[],"messages":[],"links":[],"payment_provider":{"provider":"stripe","supported_payment_methods":["card"]}}`
		order   = `{"id":"ord_1","checkout_session_id":"cs_1","permalink_url":"https://shop.test/o/1"}`
	)
	withOrder := strings.TrimSuffix(session, "}") + `,"order":` + order + `}`
	testCases := map[string]struct {
		answer   Answer
		body     string
		wantFail bool
	}{
		"a session":                     {answer: AnySession, body: session},
		"a read of a completed session": {answer: AnySession, body: withOrder},
		"completed with its order":      {answer: CompletedSession, body: withOrder},
		"completed without an order":    {answer: CompletedSession, body: session, wantFail: true},
		"completed with a broken order": {answer: CompletedSession, body: strings.Replace(withOrder, `"id":"ord_1",`, "", 1), wantFail: true},
		"a session is no error":         {answer: ErrorAnswer, body: session, wantFail: true},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !Present(t) {
				return // the schemas are the subject
			}
			rec := &testkit.Recorder{TB: t}
			For(t, legacyVersion).Response(rec, tc.answer, []byte(tc.body))
			if rec.Failed() != tc.wantFail {
				t.Errorf("failed = %v, want %v: %s", rec.Failed(), tc.wantFail, rec.Messages())
			}
		})
	}
}
