package acpwire_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/internal/acpschema"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// TestMessageCodesAreACPs checks the SDK's code lists against the newest
// schema: each code of acp.ErrorCodes is a MessageError code and each of
// acp.WarningCodes a MessageWarning code, and no other code of either
// list is; each of acp.Resolutions is a resolution.
func TestMessageCodesAreACPs(t *testing.T) {
	t.Parallel()
	if !acpschema.Present(t) {
		return // the schema is the subject
	}
	v := acpschema.For(t, "2026-04-17")
	codes := slices.Concat(acp.ErrorCodes, acp.WarningCodes, []string{"not_an_acp_code"})
	for _, tc := range []struct {
		def, typ string
		list     []string
	}{
		{"MessageError", "error", acp.ErrorCodes},
		{"MessageWarning", "warning", acp.WarningCodes},
	} {
		for _, code := range codes {
			err := v.Check(tc.def, fmt.Appendf(nil, `{"type":%q,"code":%q,"content_type":"plain","content":"x"}`, tc.typ, code))
			if want := slices.Contains(tc.list, code); (err == nil) != want {
				t.Errorf("%s with code %q: valid %v, want %v (%v)", tc.def, code, err == nil, want, err)
			}
		}
		for _, r := range acp.Resolutions {
			body := fmt.Appendf(nil, `{"type":%q,"code":%q,"content_type":"plain","content":"x","resolution":%q}`, tc.typ, tc.list[0], r)
			if err := v.Check(tc.def, body); err != nil {
				t.Errorf("%s with resolution %q: %v", tc.def, r, err)
			}
		}
	}
}
