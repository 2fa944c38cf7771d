package checkout

import (
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Notice tells the agent about a request member the server does not act
// on. The codecs fill a request's notices from their request-member table.
type Notice = model.Notice

// notify tells the agent about each notice whose member it has not been
// told about yet in this session: the notice is kept on the session
// (price shows every kept notice as an info message in each answer) and
// added to this answer's messages, which price has already built. A later
// request carrying the same member adds nothing.
func notify(sess *model.Session, notices []Notice) {
	for _, n := range notices {
		if told(sess, n) {
			continue
		}
		sess.Notices = append(sess.Notices, n)
		sess.Messages = append(sess.Messages, noticeMessage(n))
	}
}

// told reports whether the session already holds a notice about one of
// n's members.
func told(sess *model.Session, n Notice) bool {
	for _, kept := range sess.Notices {
		if kept.Covers(n.Param) || slices.ContainsFunc(n.Also, kept.Covers) {
			return true
		}
	}
	return false
}

// noticeMessages are the info messages of the session's notices.
func noticeMessages(sess *model.Session) acp.Messages {
	out := make(acp.Messages, 0, len(sess.Notices))
	for _, n := range sess.Notices {
		out = append(out, noticeMessage(n))
	}
	return out
}

func noticeMessage(n Notice) acp.Message {
	return acp.Message{Type: acp.MessageInfo, Param: n.Param, Content: n.Message}
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
		switch {
		case !m.sent:
		case first == "":
			first = m.param
		default:
			also = append(also, m.param)
		}
	}
	if first == "" {
		return nil
	}
	names := strings.TrimPrefix(first, "$.")
	for _, p := range also {
		names += ", " + strings.TrimPrefix(p, "$.")
	}
	return []Notice{{Param: first, Also: also,
		Message: "This complete finishes the payment an earlier complete started and does not change it: what it sends in " + names + " is not applied."}}
}
