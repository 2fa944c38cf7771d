package catalog

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// EscalationCodes are the ACP error codes an escalation may carry: what
// only the store's own page can resolve. ACP versions whose message codes
// lack one show it as invalid.
var EscalationCodes = []string{
	acp.CodeRequiresSignIn, acp.CodeAgeVerificationRequired, acp.CodeUnsupported,
	acp.CodeRegionRestricted, acp.CodeApprovalRequired,
}

// The placeholders of an escalation page's URL (Escalation.ContinueURL,
// and the host's escalation.continue_url), which the host fills in. They
// may appear in the URL's path, query and fragment only.
const (
	// SessionIDPlaceholder is replaced by the checkout session id.
	SessionIDPlaceholder = "{checkout_session_id}"
	// ItemIDPlaceholder is replaced by the escalated item's id, or by
	// nothing when the whole cart escalates.
	ItemIDPlaceholder = "{item_id}"
)

// MaxContinueURLBytes bounds an escalation page's URL, once filled in.
const MaxContinueURLBytes = 2048

// sampleSessionID fills in {checkout_session_id} when a template is
// checked: as long as the host's session ids ("cs_" and 26 characters),
// so that a template within the length limit when checked is within it
// at run time.
const sampleSessionID = "cs_abcdefghijklmnopqrstuvwxyz"

// CheckContinueURL checks a continue URL template as the host expands it
// (ExpandContinueURL) for the item itemID ("" for none), with a
// representative session id; nil for an empty template.
func CheckContinueURL(template, itemID string) error {
	_, err := ExpandContinueURL(template, sampleSessionID, itemID)
	return err
}

// ExpandContinueURL fills in an escalation page's URL template: each
// placeholder is replaced by its value, percent-encoded so that it is safe
// in a path segment and in a query. Placeholders may appear in the path,
// query or fragment only, never in the scheme or the host, so that no
// item id chooses where the buyer goes. The result must be an absolute
// http(s) URL of at most MaxContinueURLBytes bytes, with no other
// placeholder and only printable ASCII characters other than space,
// backslash, quotes, angle brackets and braces (anything else
// percent-encoded, hosts in their ASCII form), so that it is safe in a
// plain-text message; an empty template gives "".
func ExpandContinueURL(template, sessionID, itemID string) (string, error) {
	if template == "" {
		return "", nil
	}
	if strings.Contains(template[:authorityEnd(template)], "{") {
		return "", fmt.Errorf("continue URL %q: placeholders are allowed in the path, query or fragment only, not in the scheme or host", template)
	}
	page := strings.NewReplacer(SessionIDPlaceholder, escapeComponent(sessionID), ItemIDPlaceholder, escapeComponent(itemID)).Replace(template)
	if strings.ContainsAny(page, "{}") {
		return "", fmt.Errorf("continue URL %q: unknown placeholder: use %s and %s", template, SessionIDPlaceholder, ItemIDPlaceholder)
	}
	if strings.IndexFunc(page, func(r rune) bool { return r <= ' ' || r > '~' || strings.ContainsRune(`\"'<>`, r) }) >= 0 {
		return "", fmt.Errorf("continue URL %q: only printable ASCII is allowed, without spaces, backslashes, quotes or angle brackets (percent-encode anything else)", template)
	}
	if len(page) > MaxContinueURLBytes {
		return "", fmt.Errorf("continue URL %q: %d bytes once filled in, more than %d", template, len(page), MaxContinueURLBytes)
	}
	u, err := url.Parse(page)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("continue URL %q is not an absolute http(s) URL", template)
	}
	return page, nil
}

// authorityEnd is the index where the scheme and authority of a URL end:
// the first "/", "?" or "#" after "://", or the end of the URL. A URL
// without "://" has none (0); it is refused as not absolute.
func authorityEnd(rawURL string) int {
	start := strings.Index(rawURL, "://")
	if start < 0 {
		return 0
	}
	start += len("://")
	if end := strings.IndexAny(rawURL[start:], "/?#"); end >= 0 {
		return start + end
	}
	return len(rawURL)
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
