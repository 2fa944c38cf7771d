package acpwire

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/acp-sidecar/acp/sdk/acp"
)

// A grouped session (sessions are shared across versions) read under a
// version without fulfillment groups points no message at them: a
// group's details become the session's own, anything else of a group is
// left out.
func TestLegacyGroupParams(t *testing.T) {
	t.Parallel()
	for _, version := range legacyVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			sess := testSession()
			sess.Messages = acp.Messages{
				{Type: acp.MessageError, Code: acp.CodeMissing, Param: "$.fulfillment_groups[1].fulfillment_details.address", Content: "Address"},
				{Type: acp.MessageError, Code: acp.CodeMissing, Param: "$.fulfillment_groups[0].fulfillment_details.address.postal_code", Content: "Postal code"},
				{Type: acp.MessageError, Code: acp.CodeInvalid, Param: "$.fulfillment_groups[0].item_ids[2]", Content: "Item"},
				{Type: acp.MessageError, Code: acp.CodeInvalid, Param: "$.fulfillment_groups", Content: "Groups"},
			}
			data, err := legacyCodec(t, version).EncodeSession(sess)
			if err != nil {
				t.Fatal(err)
			}
			validateSession(t, version, data)
			var got struct {
				Messages []messageJSON `json:"messages"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			want := []string{"$.fulfillment_details.address", "$.fulfillment_details.address.postal_code", "", ""}
			if version == V20250929 {
				want = []string{"$.fulfillment_address", "$.fulfillment_address.postal_code", "", ""}
			}
			var params []string
			for _, m := range got.Messages {
				params = append(params, m.Param)
			}
			if !slices.Equal(params, want) {
				t.Errorf("params = %q, want %q", params, want)
			}
		})
	}
}
