package catalog

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// The placeholders of an escalation page's URL (Escalation.ContinueURL,
// and the host's escalation.continue_url), which the host fills in.
const (
	// SessionIDPlaceholder is replaced by the checkout session id.
	SessionIDPlaceholder = "{checkout_session_id}"
	// ItemIDPlaceholder is replaced by the escalated item's id, or by
	// nothing when the whole cart escalates.
	ItemIDPlaceholder = "{item_id}"
)

// ExpandContinueURL fills in an escalation page's URL template: each
// placeholder is replaced by its value, percent-encoded so that it is safe
// in a path segment and in a query. The result must be an absolute http(s)
// URL with no other placeholder and no white space, control character,
// quote or angle bracket, so that it is safe in a plain-text message; an
// empty template gives "".
func ExpandContinueURL(template, sessionID, itemID string) (string, error) {
	if template == "" {
		return "", nil
	}
	page := strings.NewReplacer(SessionIDPlaceholder, escapeComponent(sessionID), ItemIDPlaceholder, escapeComponent(itemID)).Replace(template)
	if strings.ContainsAny(page, "{}") {
		return "", fmt.Errorf("continue URL %q: unknown placeholder: use %s and %s", template, SessionIDPlaceholder, ItemIDPlaceholder)
	}
	if strings.ContainsFunc(page, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"'<>`, r)
	}) {
		return "", fmt.Errorf("continue URL %q: white space, control characters, quotes and angle brackets are not allowed", template)
	}
	u, err := url.Parse(page)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("continue URL %q is not an absolute http(s) URL", template)
	}
	return page, nil
}

// escapeComponent percent-encodes every byte but RFC 3986's unreserved
// characters.
func escapeComponent(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
