package checkout

import (
	"slices"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Notice tells the agent about a request member the server does not act
// on, so that nothing an agent sends is dropped without a word. The
// codecs fill a request's notices from their request-member table.
type Notice struct {
	// Param is the member's JSONPath in the request, such as
	// "$.buyer.tax_exemption".
	Param string
	// Also are the JSONPaths of further members of the same request that
	// this notice covers (they share its message).
	Also []string
	// Message is what the agent reads.
	Message string
}

// notify tells the agent, once per session, about each notice: an info
// message with the notice's param and message, added to the answer of the
// request that carried the member (price, which every change runs,
// recomputes the messages, so the next change no longer shows it). Each
// param is recorded in sess.Notified, so a later request carrying the same
// member adds nothing.
func notify(sess *model.Session, notices []Notice) {
	for _, n := range notices {
		if slices.Contains(sess.Notified, n.Param) {
			continue
		}
		sess.Messages = append(sess.Messages, acp.Message{Type: acp.MessageInfo, Param: n.Param, Content: n.Message})
		sess.Notified = append(sess.Notified, n.Param)
		for _, p := range n.Also {
			if !slices.Contains(sess.Notified, p) {
				sess.Notified = append(sess.Notified, p)
			}
		}
	}
}

// unusedAuthentication is the notice for an authentication_result sent
// with a complete that answers no 3-D Secure challenge (the session is not
// authentication_required): the result is not used, and the agent is
// told, so nothing it sends is dropped without a word.
func unusedAuthentication(in CompleteInput) []Notice {
	if in.Authentication == nil {
		return nil
	}
	return []Notice{{Param: "$.authentication_result",
		Message: "authentication_result answers a session that is authentication_required; this one is not, so it is not used."}}
}

// unappliedOnResume is the notice for the members a complete carries
// beyond payment_data and authentication_result when it finishes a
// payment an earlier complete started (resuming it, or answering 3-D
// Secure): they are not applied, as the payment is the earlier one's.
// One notice covers them all.
func unappliedOnResume(in CompleteInput) []Notice {
	members := []struct {
		param string
		sent  bool
	}{
		{"$.buyer", in.Buyer != nil},
		{"$.order_notes", in.OrderNotes != ""},
		{"$.affiliate_attribution", in.Attribution != nil},
		{"$.marketing_consents", in.MarketingConsents != nil},
		{"$.risk_signals", in.RiskSignals != nil},
	}
	var first string
	var also []string
	for _, m := range members {
		if m.sent && first == "" {
			first = m.param
			continue
		}
		also = append(also, m.param)
	}
	if first == "" {
		return nil
	}
	return []Notice{{Param: first, Also: also,
		Message: "This complete finishes the payment an earlier complete started and does not change it: its buyer, order_notes, affiliate_attribution, marketing_consents and risk_signals are not applied."}}
}
