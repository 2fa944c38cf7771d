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
