package main

import (
	"net/url"
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/sdk/acp"
	"github.com/acp-sidecar/acp/sdk/catalog"
)

// escalationCodes are the values of the escalation field: why the item is
// bought on the store's own page.
var escalationCodes = []string{acp.CodeAgeVerificationRequired, acp.CodeRequiresSignIn, acp.CodeUnsupported}

// escalation validates the row's escalation fields and returns the item's
// escalation, nil when the row sets none.
func (r row) escalation(where string, ps *problems) *catalog.Escalation {
	code := strings.ToLower(strings.TrimSpace(r.Escalation))
	if code == "" {
		if r.EscalationReason != "" || r.ContinueURL != "" {
			ps.add(where, "escalation_reason and continue_url need escalation (one of %s)", strings.Join(escalationCodes, ", "))
		}
		return nil
	}
	if !slices.Contains(escalationCodes, code) {
		ps.add(where, "escalation must be one of %s, got %q", strings.Join(escalationCodes, ", "), r.Escalation)
		return nil
	}
	// The host fills in the placeholders.
	if _, err := catalog.ExpandContinueURL(r.ContinueURL, "cs_1", "item-1"); err != nil {
		ps.add(where, "continue_url: %v", err)
	}
	return &catalog.Escalation{Code: code, Reason: strings.TrimSpace(r.EscalationReason), ContinueURL: r.ContinueURL}
}

// httpURL reports whether s is an absolute http(s) URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
