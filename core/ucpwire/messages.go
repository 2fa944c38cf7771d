package ucpwire

import (
	"encoding/json"
	"regexp"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/ucp"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// messageJSON is a message_error, message_warning or message_info.
type messageJSON struct {
	Type     string `json:"type"`
	Code     string `json:"code,omitempty"`
	Path     string `json:"path,omitempty"`
	Content  string `json:"content"`
	Severity string `json:"severity,omitempty"`
}

// The severities of error messages.
const (
	severityRecoverable   = "recoverable"
	severityBuyerInput    = "requires_buyer_input"
	severityBuyerReview   = "requires_buyer_review"
	severityUnrecoverable = "unrecoverable"
)

// messages are the session's messages. An error's severity is its
// resolution, except that only a session in requires_escalation has
// errors requiring the buyer (UCP reads such an error as the reason for
// the escalation): elsewhere they are recoverable, which is what they are
// over UCP, where the platform can send what is missing. A session
// waiting for 3-D Secure adds the requires_3ds error of overview.md's
// Scenario B. Codes are the engine's, but for the standard codes UCP
// names otherwise: payment_failed and address_undeliverable.
func messages(s *model.Session, status string) []messageJSON {
	out := make([]messageJSON, 0, len(s.Messages)+1)
	for _, m := range s.Messages {
		msg := messageJSON{Type: string(m.Type), Code: code(m.Code), Path: Path(m.Param), Content: m.Content}
		switch m.Type {
		case acp.MessageError:
			msg.Severity = severity(m.Resolution, status)
		case acp.MessageWarning:
			if msg.Code == "" {
				msg.Code = "warning"
			}
		}
		if msg.Type == string(acp.MessageError) && msg.Code == "" {
			msg.Code = "invalid"
		}
		out = append(out, msg)
	}
	if s.Status == model.StatusAuthenticationRequired {
		out = append(out, messageJSON{Type: "error", Code: acp.CodeRequires3DS, Path: "$.payment", Severity: severityBuyerInput,
			Content: "The card issuer requires the buyer to verify this payment (3-D Secure) at continue_url; complete the checkout again afterwards."})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func severity(r acp.Resolution, status string) string {
	switch {
	case r == acp.ResolutionBuyerInput && status == "requires_escalation":
		return severityBuyerInput
	case r == acp.ResolutionBuyerReview && status == "requires_escalation":
		return severityBuyerReview
	}
	return severityRecoverable
}

// escalates reports whether msgs hold an error requiring the buyer, which
// a requires_escalation response must.
func escalates(msgs []messageJSON) bool {
	for _, m := range msgs {
		if m.Type == "error" && (m.Severity == severityBuyerInput || m.Severity == severityBuyerReview) {
			return true
		}
	}
	return false
}

// code is the UCP code of an engine message code.
func code(c string) string {
	switch c {
	case acp.CodePaymentDeclined:
		return "payment_failed"
	case acp.CodeRegionRestricted:
		return "address_undeliverable"
	}
	return c
}

// paths rewrite the JSONPaths of engine messages, written against ACP's
// session, into the UCP checkout's: the first pattern matching a path
// wins; a path no pattern matches, and one rewritten to "", is left out.
var paths = []struct {
	pattern *regexp.Regexp
	replace string
}{
	{regexp.MustCompile(`^\$\.(line_items|buyer|discounts|totals|currency)\b.*`), "$0"},
	{regexp.MustCompile(`^\$\.fulfillment_groups(\[\d+\]).*`), "$$.fulfillment.methods$1"},
	{regexp.MustCompile(`^\$\.(fulfillment_details|fulfillment_options|selected_fulfillment_options)\b.*`), "$$.fulfillment.methods"},
	{regexp.MustCompile(`^\$\.payment_data\b.*`), "$$.payment"},
	{regexp.MustCompile(`^\$\.payment\b.*`), "$0"},
}

// Path is the UCP JSONPath of an engine message's (or error's) param;
// "" when the UCP checkout has no such member.
func Path(param string) string {
	for _, p := range paths {
		if p.pattern.MatchString(param) {
			return p.pattern.ReplaceAllString(param, p.replace)
		}
	}
	return ""
}

// Unavailable is the refusal of a create_checkout whose every item is
// unavailable: no checkout is created and the answer is an error_response
// (checkout-rest.md, "Create Checkout", Error Response).
type Unavailable struct {
	// OutOfStock is true when every item is out of stock, false when
	// some are not sold at all.
	OutOfStock bool
}

// Error implements error.
func (u *Unavailable) Error() string { return "every item of the checkout is unavailable" }

// Unavailability returns the refusal of creating s when none of its
// items can be bought (the catalog does not know them, or none is in
// stock), else nil.
func Unavailability(s *model.Session) *Unavailable {
	if len(s.Lines) == 0 {
		return nil
	}
	outOfStock := true
	for _, l := range s.Lines {
		switch {
		case !l.Found:
			outOfStock = false
		case l.Available == nil || *l.Available > 0:
			return nil
		}
	}
	return &Unavailable{OutOfStock: outOfStock}
}

// EncodeUnavailable is the error_response answering a create refused
// with u.
func (c *Codec) EncodeUnavailable(u *Unavailable) []byte {
	msg := messageJSON{Type: "error", Code: "item_unavailable", Severity: severityUnrecoverable,
		Content: "None of the requested items can be bought: this business does not sell them."}
	if u.OutOfStock {
		msg.Code, msg.Content = acp.CodeOutOfStock, "All requested items are currently out of stock."
	}
	return c.errorResponse(msg)
}

// EncodeIncompatible is the error_response answering a request whose
// platform shares no capability the operation needs (overview.md,
// "Error Handling": capabilities_incompatible, a business outcome).
func (c *Codec) EncodeIncompatible(content string) []byte {
	return c.errorResponse(messageJSON{Type: "error", Code: "capabilities_incompatible", Severity: severityUnrecoverable, Content: content})
}

// errorResponse is an error_response with msg and the storefront as
// continue_url.
func (c *Codec) errorResponse(msg messageJSON) []byte {
	body, _ := json.Marshal(errorResponseJSON{ // strings only: cannot fail
		UCP:         envelopeJSON{Version: ucp.Version, Status: "error", Capabilities: map[string][]capabilityJSON{}},
		Messages:    []messageJSON{msg},
		ContinueURL: c.business.Storefront,
	})
	return body
}
