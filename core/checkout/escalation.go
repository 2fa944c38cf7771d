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
}

// maxReasonRunes bounds a catalog plugin's escalation reason.
const maxReasonRunes = 500

// lineEscalation sets l's escalation from its catalog item it: the code,
// the reason (the host's text for the code when the item gives none) and
// the page, the item's own URL or the configured template, expanded. A
// catalog answer breaking the contract (a code not among
// catalog.EscalationCodes, a URL catalog.ExpandContinueURL refuses) is a
// capability failure, like a negative price.
func (s *Service) lineEscalation(sess *model.Session, l *model.Line, it catalog.Item) error {
	l.Escalation = nil
	e := it.Escalation
	if e == nil || !it.Found {
		return nil
	}
	if !slices.Contains(catalog.EscalationCodes, e.Code) {
		return capabilityFailure("catalog", fmt.Errorf("escalation code %q of item %q is not one of %v", e.Code, it.ID, catalog.EscalationCodes))
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
// (the first escalated line's, else the cart limit's). An item's
// escalation asks the buyer (requires_buyer_input); the cart limit is
// recoverable, since the agent can remove items through the API.
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
	// The limit is compared without looking at the session's currency:
	// sessions are always in the engine's currency (Create refuses any
	// other), the limit's. An empty cart's total is 0, never above it.
	if s.overCartLimit(sess) {
		escalated = true
		page := s.cartLimitPage(sess)
		sess.Messages.AddError(acp.CodeMaximumExceeded, "$.totals", withPage(s.cartLimitReason(), page), acp.ResolutionRecoverable)
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

// overCartLimit reports whether the session's total is above the
// configured cart limit.
func (s *Service) overCartLimit(sess *model.Session) bool {
	limit := s.opts.Escalation.MaxCartTotal
	return limit > 0 && sess.Totals.Total > limit
}

// cartLimitPage is the cart limit's page: the configured template with the
// session id and an empty item id. The configuration was validated with
// an empty item id, so it fills in; were it not to, the session would
// have no page and be not_ready_for_payment, never payable.
func (s *Service) cartLimitPage(sess *model.Session) string {
	page, err := catalog.ExpandContinueURL(s.opts.Escalation.ContinueURL, sess.ID, "")
	if err != nil {
		return ""
	}
	return page
}

// cartLimitReason is the text of the cart limit's message.
func (s *Service) cartLimitReason() string {
	return fmt.Sprintf("Orders over %s can only be placed on the store's own page.", s.formatAmount(s.opts.Escalation.MaxCartTotal))
}

// escalated is complete's answer for an escalated session: like a session
// not ready for payment, refused before any payment is attempted, naming
// the page where the buyer goes on. It is built from the escalations, not
// from the messages, where other errors may point at the same line: the
// first escalated line's reason and page, else the cart limit's.
func (s *Service) escalated(sess *model.Session) *apierr.Error {
	refuse := func(param, reason, page string) *apierr.Error {
		if page == "" {
			page = sess.ContinueURL
		}
		return apierr.Invalid(apierr.CodeRequiresEscalation, param, "Checkout session %s cannot be paid through the API: %s", sess.ID, withPage(reason, page))
	}
	for i, l := range sess.Lines {
		if e := l.Escalation; l.Found && e != nil {
			return refuse(fmt.Sprintf("$.line_items[%d]", i), e.Reason, e.ContinueURL)
		}
	}
	if s.overCartLimit(sess) {
		return refuse("$.totals", s.cartLimitReason(), s.cartLimitPage(sess))
	}
	return refuse("", "it must be finished on the store's own page.", "")
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
// control and format characters (bidirectional overrides, zero-width
// characters) dropped, runs of white space made one space, at most
// maxReasonRunes long.
func plainText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || (unicode.IsControl(r) && !unicode.IsSpace(r)) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReasonRunes {
		s = string(r[:maxReasonRunes-1]) + "…"
	}
	return s
}

// formatAmount shows an amount in minor units of the engine's currency
// as the buyer reads it: 50000 in usd (exponent 2) is "500.00 USD".
func (s *Service) formatAmount(amount int64) string {
	exponent := s.opts.CurrencyExponent
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	text := fmt.Sprint(amount)
	if exponent > 0 {
		text = fmt.Sprintf("%0*d", exponent+1, amount)
		text = text[:len(text)-exponent] + "." + text[len(text)-exponent:]
	}
	return sign + text + " " + strings.ToUpper(s.opts.Currency)
}
