package acpwire

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// TestEscalatedSession checks an escalated session under every version:
// requires_escalation with continue_url from 2026-01-30, before that
// not_ready_for_payment without it; each escalation code as the version's
// MessageError enum has it (requires_sign_in everywhere, the others
// invalid before 2026-01-30); the content, naming the page, kept; and the
// body valid against the version's schema. A session no longer escalated
// shows no continue_url even if one was left behind.
func TestEscalatedSession(t *testing.T) {
	t.Parallel()
	const page = "https://shop.test/continue?s=cs_test&item=ebook"
	escalations := []string{acp.CodeAgeVerificationRequired, acp.CodeRequiresSignIn, acp.CodeUnsupported, acp.CodeMaximumExceeded}
	for _, version := range Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			modern := !slices.Contains(legacyVersions, version)
			sess := testSession()
			sess.Status, sess.ContinueURL = model.StatusRequiresEscalation, page
			sess.Messages = nil
			for _, code := range escalations {
				sess.Messages.AddError(code, "$.line_items[1]", "Finish on our page. Continue at "+page, acp.ResolutionBuyerInput)
			}
			data, err := legacyCodec(t, version).EncodeSession(sess)
			if err != nil {
				t.Fatal(err)
			}
			validateSession(t, version, data)
			var got struct {
				Status      string `json:"status"`
				ContinueURL string `json:"continue_url"`
				Messages    []struct {
					Code, Param, Content string
					Resolution           string `json:"resolution"`
				} `json:"messages"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			wantStatus, wantURL := "requires_escalation", page
			if !modern {
				wantStatus, wantURL = "not_ready_for_payment", ""
			}
			if got.Status != wantStatus || got.ContinueURL != wantURL {
				t.Errorf("status %q, continue_url %q; want %q, %q", got.Status, got.ContinueURL, wantStatus, wantURL)
			}
			if len(got.Messages) != len(escalations) {
				t.Fatalf("messages = %+v", got.Messages)
			}
			for i, m := range got.Messages {
				want := escalations[i]
				if !modern && want != acp.CodeRequiresSignIn {
					want = acp.CodeInvalid
				}
				if m.Code != want || m.Param != "$.line_items[1]" || m.Content != "Finish on our page. Continue at "+page {
					t.Errorf("message %d = %+v, want code %s", i, m, want)
				}
				if (m.Resolution == string(acp.ResolutionBuyerInput)) != (version == V20260417) {
					t.Errorf("message %d resolution %q under %s", i, m.Resolution, version)
				}
			}

			sess.Status = model.StatusCanceled
			data, err = legacyCodec(t, version).EncodeSession(sess)
			if err != nil {
				t.Fatal(err)
			}
			validateSession(t, version, data)
			var canceled map[string]any
			if err := json.Unmarshal(data, &canceled); err != nil {
				t.Fatal(err)
			}
			if _, ok := canceled["continue_url"]; ok {
				t.Errorf("a canceled session shows continue_url: %s", data)
			}
		})
	}
}
