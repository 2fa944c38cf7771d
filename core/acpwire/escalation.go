package acpwire

import "github.com/acp-sidecar/acp/core/model"

// continueURL is the session's continue_url (2026-01-30 and later): the
// store page of an escalated session, absent otherwise. Earlier versions
// have neither the member nor the requires_escalation status; their
// not_ready_for_payment session names the page in its escalation
// messages, which the engine writes with the URL in their content.
func continueURL(s *model.Session) string {
	if s.Status != model.StatusRequiresEscalation {
		return ""
	}
	return s.ContinueURL
}
