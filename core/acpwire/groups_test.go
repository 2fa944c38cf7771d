package acpwire

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/core/apierr"
	"github.com/acp-sidecar/acp/sdk/acp"
)

// Update keeps absent, null, empty and listed groups apart; create and
// update pass the groups' fields through, details checked.
func TestDecodeGroups(t *testing.T) {
	t.Parallel()
	c := codec(t)
	group := `{"id":"g","item_ids":["li_a","b"],"destination_type":"pickup","location_id":"shop","instructions":"side door",` +
		`"fulfillment_details":{"name":"Grace","email":"grace@example.com","address":{"name":"G","line_one":"1","city":"c","state":"NY","country":"US","postal_code":"1"}}}`
	for name, tc := range map[string]struct {
		body            string
		set, null       bool
		groups          int
		wantFirstLineID string
	}{
		"absent": {body: `{}`},
		"null":   {body: `{"fulfillment_groups":null}`, set: true, null: true},
		"empty":  {body: `{"fulfillment_groups":[]}`, set: true},
		"listed": {body: `{"fulfillment_groups":[` + group + `]}`, set: true, groups: 1},
	} {
		in, err := c.DecodeUpdate([]byte(tc.body))
		if err != nil {
			t.Fatalf("%s: DecodeUpdate() error = %v", name, err)
		}
		if in.Groups.Set != tc.set || in.Groups.Null != tc.null || len(in.Groups.V) != tc.groups {
			t.Errorf("%s: groups = %+v", name, in.Groups)
		}
	}
	in, err := c.DecodeCreate([]byte(`{"line_items":[{"id":"a"},{"id":"b"}],"currency":"usd","capabilities":{},"fulfillment_groups":[` + group + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	g := in.Groups[0]
	if g.ID != "g" || strings.Join(g.ItemIDs, ",") != "li_a,b" || g.Type != acp.FulfillmentPickup || g.LocationID != "shop" ||
		g.Instructions != "side door" || g.Details == nil || g.Details.Email != "grace@example.com" || g.Details.Address.State != "NY" {
		t.Errorf("create groups = %+v", in.Groups)
	}
	for name, tc := range map[string]struct{ groups, code, param string }{
		"bad email":         {`[{"id":"g","item_ids":["a"],"destination_type":"shipping","fulfillment_details":{"email":"nope"}}]`, apierr.CodeInvalid, "$.fulfillment_groups[0].fulfillment_details.email"},
		"blank item id":     {`[{"id":"g","item_ids":["a"," "],"destination_type":"shipping"}]`, apierr.CodeMissing, "$.fulfillment_groups[0].item_ids[1]"},
		"long instructions": {`[{"id":"g","item_ids":["a"],"destination_type":"shipping","instructions":"` + strings.Repeat("x", maxTextLength+1) + `"}]`, apierr.CodeInvalid, "$.fulfillment_groups[0].instructions"},
		"too many groups":   {`[` + strings.TrimSuffix(strings.Repeat(`{"id":"g","item_ids":["a"],"destination_type":"shipping"},`, DefaultLimits.MaxFulfillmentGroups+1), ",") + `]`, apierr.CodeInvalid, "$.fulfillment_groups"},
		"slash in group id": {`[{"id":"ups/x","item_ids":["a"],"destination_type":"shipping"}]`, apierr.CodeInvalid, "$.fulfillment_groups[0].id"},
		"not a list":        {`{"id":"g"}`, apierr.CodeInvalidType, "$.fulfillment_groups"},
		"newline in id":     {`[{"id":"g","item_ids":["a"],"destination_type":"shipping"},{"id":"g\n2","item_ids":["b"],"destination_type":"shipping"}]`, apierr.CodeInvalid, "$.fulfillment_groups[1].id"},
		"escape in id":      {`[{"id":"g\u001b[31m","item_ids":["a"],"destination_type":"shipping"}]`, apierr.CodeInvalid, "$.fulfillment_groups[0].id"},
		"bidi override":     {`[{"id":"g\u202e1","item_ids":["a"],"destination_type":"shipping"}]`, apierr.CodeInvalid, "$.fulfillment_groups[0].id"},
	} {
		_, err := c.DecodeUpdate([]byte(`{"fulfillment_groups":` + tc.groups + `}`))
		e, ok := err.(*apierr.Error)
		if !ok || e.Code != tc.code || e.Param != tc.param {
			t.Errorf("%s: error = %v, want %s at %s", name, err, tc.code, tc.param)
		}
	}
	var most []string
	for i := range DefaultLimits.MaxFulfillmentGroups {
		most = append(most, fmt.Sprintf(`{"id":"g%d","item_ids":["a"],"destination_type":"shipping"}`, i))
	}
	if in, err := c.DecodeUpdate([]byte(`{"fulfillment_groups":[` + strings.Join(most, ",") + `]}`)); err != nil || len(in.Groups.V) != DefaultLimits.MaxFulfillmentGroups {
		t.Errorf("%d groups: %v, %v; want them accepted", DefaultLimits.MaxFulfillmentGroups, in, err)
	}
}
