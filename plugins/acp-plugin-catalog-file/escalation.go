package main

import (
	"slices"
	"strings"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// escalationCodes are the values of the escalation field: why the item is
// bought on the store's own page, the codes the host accepts.
var escalationCodes = catalog.EscalationCodes

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
	if err := catalog.CheckContinueURL(r.ContinueURL, r.SKU); err != nil {
		ps.add(where, "continue_url: %v", err)
	}
	return &catalog.Escalation{Code: code, Reason: strings.TrimSpace(r.EscalationReason), ContinueURL: r.ContinueURL}
}
