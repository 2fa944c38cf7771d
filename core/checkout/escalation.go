package checkout

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// Escalation is the seller's rules for handing a purchase the API cannot
// complete to the store's own page (acp.yaml's escalation section). The
// per-item rules reach the engine through the catalog
// (catalog.Item.Escalation).
type Escalation struct {
	// ContinueURL is the store page's URL template, filled in by
	// catalog.ExpandContinueURL. Empty: escalations without a URL of
	// their own have no page, and the session is then
	// not_ready_for_payment instead of requires_escalation.
	ContinueURL string
	// MaxCartTotal, when above 0, escalates a session whose total is
	// above it, in minor units of the engine's currency (Options.Currency,
	// the only currency sessions use).
	MaxCartTotal int64
	// CurrencyExponent is the currency's minor-unit exponent (2 for usd),
	// for showing MaxCartTotal to the buyer.
	CurrencyExponent int
}

// maxReasonRunes bounds a catalog plugin's escalation reason.
const maxReasonRunes = 500

// lineEscalation sets l's escalation from its catalog item it: the code,
// the reason (the host's text for the code when the item gives none) and
// the page, the item's own URL or the configured template, expanded. A
// catalog answer breaking the contract (a code ACP does not define, a URL
// that is not absolute http(s)) is a capability failure, like a negative
// price.
func (s *Service) lineEscalation(sess *model.Session, l *model.Line, it catalog.Item) error {
	l.Escalation = nil
	e := it.Escalation
	if e == nil || !it.Found {
		return nil
	}
	if !slices.Contains(acp.ErrorCodes, e.Code) {
		return capabilityFailure("catalog", fmt.Errorf("escalation code %q of item %q is not an ACP error code", e.Code, it.ID))
	}
	template := e.ContinueURL
	if template == "" {
		template = s.opts.Escalation.ContinueURL
	}
	page, err := catalog.ExpandContinueURL(template, sess.ID, it.ID)
	if err != nil {
		return capabilityFailure("catalog", fmt.Errorf("escalation of item %q: %w", it.ID, err))
	}
	reason := plainText(e.Reason)
	if reason == "" {
		reason = escalationReason(e.Code, l.Name)
	}
	l.Escalation = &model.Escalation{Code: e.Code, Reason: reason, ContinueURL: page}
	return nil
}

// escalate runs after pricing: every found line with an escalation, and
// a total above the configured limit, adds an error message that names
// the store's page, and the session gets that page as its continue_url
// (the first escalated line's, else the cart limit's). The limit is in
// the engine's currency, which every session uses.
//
// Precedence: an escalation wins over every other error. Nothing the
// agent can fix through the API makes an escalated session payable, short
// of removing what escalates, so the session is requires_escalation
// whenever something escalates and a page is known; the other errors stay
// listed. Without a page (a catalog plugin escalated an item and no
// escalation.continue_url is configured) it is not_ready_for_payment,
// since requires_escalation must carry a continue_url. A session nothing
// escalates loses any continue_url it had.
func (s *Service) escalate(sess *model.Session) {
	sess.ContinueURL = ""
	escalated := false
	for i, l := range sess.Lines {
		e := l.Escalation
		if !l.Found || e == nil {
			continue
		}
		escalated = true
		sess.Messages.AddError(e.Code, fmt.Sprintf("$.line_items[%d]", i), withPage(e.Reason, e.ContinueURL), acp.ResolutionBuyerInput)
		if sess.ContinueURL == "" {
			sess.ContinueURL = e.ContinueURL
		}
	}
	if rule := s.opts.Escalation; rule.MaxCartTotal > 0 && len(foundLines(sess.Lines)) > 0 &&
		strings.EqualFold(sess.Currency, s.opts.Currency) && sess.Totals.Total > rule.MaxCartTotal {
		escalated = true
		page, err := catalog.ExpandContinueURL(rule.ContinueURL, sess.ID, "")
		if err != nil {
			page = "" // validated with the config; never reached
		}
		reason := fmt.Sprintf("Orders over %s can only be placed on the store's own page.", formatAmount(rule.MaxCartTotal, rule.CurrencyExponent, sess.Currency))
		sess.Messages.AddError(acp.CodeMaximumExceeded, "$.totals", withPage(reason, page), acp.ResolutionBuyerInput)
		if sess.ContinueURL == "" {
			sess.ContinueURL = page
		}
	}
	switch {
	case sess.ContinueURL != "":
		sess.Status = model.StatusRequiresEscalation
	case escalated:
		sess.Status = model.StatusNotReadyForPayment
	}
}

// escalated is complete's answer for an escalated session: like a session
// not ready for payment, refused before any payment is attempted, naming
// the page where the buyer goes on.
func escalated(sess *model.Session) *apierr.Error {
	params := escalationParams(sess)
	for _, m := range sess.Messages {
		if m.Type == acp.MessageError && slices.Contains(params, m.Param) {
			return apierr.Invalid(apierr.CodeRequiresEscalation, m.Param, "Checkout session %s cannot be paid through the API: %s", sess.ID, m.Content)
		}
	}
	return apierr.Invalid(apierr.CodeRequiresEscalation, "", "Checkout session %s cannot be paid through the API; continue at %s", sess.ID, sess.ContinueURL)
}

// escalationParams are the params of the escalation messages escalate
// adds: each escalated line's and the totals'.
func escalationParams(sess *model.Session) []string {
	out := []string{"$.totals"}
	for i, l := range sess.Lines {
		if l.Found && l.Escalation != nil {
			out = append(out, fmt.Sprintf("$.line_items[%d]", i))
		}
	}
	return out
}

// escalationReason is the host's text for an escalation code.
func escalationReason(code, name string) string {
	if name == "" {
		name = "This item"
	}
	switch code {
	case acp.CodeAgeVerificationRequired:
		return fmt.Sprintf("%s is age-restricted: the buyer's age must be verified on the store's own page.", name)
	case acp.CodeRequiresSignIn:
		return fmt.Sprintf("%s can only be bought signed in to an account on the store's own page.", name)
	case acp.CodeUnsupported:
		return fmt.Sprintf("%s has options that must be chosen on the store's own page.", name)
	}
	return fmt.Sprintf("%s can only be bought on the store's own page.", name)
}

// withPage appends the page to a reason, so that versions without
// continue_url (before 2026-01-30) still tell the buyer where to go.
func withPage(reason, page string) string {
	if page == "" {
		return reason
	}
	return reason + " Continue at " + page
}

// plainText is a catalog's reason made safe for a plain-text message:
// control characters dropped, runs of white space made one space, at most
// maxReasonRunes long.
func plainText(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(s); len(r) > maxReasonRunes {
		s = string(r[:maxReasonRunes-1]) + "…"
	}
	return s
}

// formatAmount shows an amount in minor units as the buyer reads it:
// 50000 with exponent 2 and "usd" is "500.00 USD".
func formatAmount(amount int64, exponent int, currency string) string {
	text := fmt.Sprint(amount)
	if exponent > 0 {
		text = fmt.Sprintf("%0*d", exponent+1, amount)
		text = text[:len(text)-exponent] + "." + text[len(text)-exponent:]
	}
	return text + " " + strings.ToUpper(currency)
}
