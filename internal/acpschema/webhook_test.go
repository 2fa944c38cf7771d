package acpschema

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

var webhookVersions = []string{"2026-04-17", "2026-01-30", "2026-01-16", "2025-12-12", "2025-09-29"}

// TestWebhookSpecExamples validates the request body examples of every
// version's webhook document. Those of 2026-01-16 and earlier send a
// refund amount as the string "1.00" where their own schema wants an
// integer: the validator must reject them.
func TestWebhookSpecExamples(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		valid, invalid []string
	}{
		"2026-04-17": {valid: []string{"order_created", "order_shipped", "order_with_refund"}},
		"2026-01-30": {valid: []string{"order_created", "order_updated"}},
		"2026-01-16": {valid: []string{"order_created"}, invalid: []string{"order_updated"}},
		"2025-12-12": {valid: []string{"order_created"}, invalid: []string{"order_updated"}},
		"2025-09-29": {valid: []string{"order_created"}, invalid: []string{"order_updated"}},
	}
	for version, tc := range testCases {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			if !Present(t) {
				return // the spec's own examples are the subject
			}
			v := Webhook(t, version)
			examples := WebhookExamples(t, version)
			names := slices.Sorted(maps.Keys(examples))
			if want := slices.Sorted(slices.Values(append(slices.Clone(tc.valid), tc.invalid...))); !slices.Equal(names, want) {
				t.Fatalf("examples = %v, want %v", names, want)
			}
			for _, name := range tc.valid {
				v.Event(t, examples[name])
			}
			for _, name := range tc.invalid {
				err := v.Check(examples[name])
				if err == nil || !strings.Contains(err.Error(), "amount") {
					t.Errorf("example %s: error = %v, want its string amount rejected\n%s", name, err, examples[name])
				}
			}
		})
	}
}

// TestWebhookRejects mutates each version's valid order_created example
// and checks that the validator refuses the result.
func TestWebhookRejects(t *testing.T) {
	t.Parallel()
	legacy := webhookVersions[1:]
	testCases := map[string]struct {
		versions []string
		mutate   func(event, data map[string]any)
	}{
		"extra member":             {webhookVersions, func(event, _ map[string]any) { event["id"] = "evt_1" }},
		"extra data member":        {webhookVersions, func(_, data map[string]any) { data["currency"] = "usd" }},
		"no data.permalink_url":    {webhookVersions, func(_, data map[string]any) { delete(data, "permalink_url") }},
		"relative permalink_url":   {webhookVersions, func(_, data map[string]any) { data["permalink_url"] = "orders/123" }},
		"no data.checkout_session": {webhookVersions, func(_, data map[string]any) { delete(data, "checkout_session_id") }},
		"no data.status":           {webhookVersions, func(_, data map[string]any) { delete(data, "status") }},
		"data.type not order":      {webhookVersions, func(_, data map[string]any) { data["type"] = "refund" }},
		"no data":                  {webhookVersions, func(event, _ map[string]any) { delete(event, "data") }},
		"no type":                  {webhookVersions, func(event, _ map[string]any) { delete(event, "type") }},
		"no data.id":               {[]string{"2026-04-17"}, func(_, data map[string]any) { delete(data, "id") }},
		"order_notes in webhook":   {[]string{"2026-04-17"}, func(_, data map[string]any) { data["confirmation"] = map[string]any{"order_notes": "x"} }},
		"client_reference_id":      {[]string{"2026-04-17"}, func(_, data map[string]any) { data["client_reference_id"] = "po_1" }},
		"line quantity below 1": {[]string{"2026-04-17"}, func(_, data map[string]any) {
			dig(data, "line_items").([]any)[0].(map[string]any)["quantity"] = map[string]any{"ordered": 0, "current": 0}
		}},
		"legacy unknown event type": {legacy, func(event, _ map[string]any) { event["type"] = "order_delete" }},
		"legacy unknown status":     {legacy, func(_, data map[string]any) { data["status"] = "completed" }},
		"legacy no refunds":         {legacy, func(_, data map[string]any) { delete(data, "refunds") }},
		"legacy order id":           {legacy, func(_, data map[string]any) { data["id"] = "ord_1" }},
		"legacy refund type":        {legacy, func(_, data map[string]any) { data["refunds"] = []any{map[string]any{"type": "credit", "amount": 1}} }},
	}
	for name, tc := range testCases {
		for _, version := range tc.versions {
			t.Run(name+"/"+version, func(t *testing.T) {
				t.Parallel()
				if !Present(t) {
					return // mutations of the spec's own example are the subject
				}
				v := Webhook(t, version)
				var event map[string]any
				if err := json.Unmarshal(WebhookExamples(t, version)["order_created"], &event); err != nil {
					t.Fatal(err)
				}
				data, _ := event["data"].(map[string]any)
				original, _ := json.Marshal(event)
				if err := v.Check(original); err != nil {
					t.Fatalf("base example is invalid: %v", err)
				}
				tc.mutate(event, data)
				body, _ := json.Marshal(event)
				if err := v.Check(body); err == nil {
					t.Errorf("accepted %s", body)
				}
			})
		}
	}
}

// TestWebhookComponentExample checks the WebhookEvent schema's own example
// under 2026-04-17: it lacks the id that the composed Order requires
// (ACP-NOTES §12 #17), which shows the cross-document $ref is followed.
// The older versions' component examples are valid.
func TestWebhookComponentExample(t *testing.T) {
	t.Parallel()
	dir, ok := specDir(t)
	if !ok {
		notMade.Add(1)
		return // the spec's own example is the subject
	}
	for _, version := range webhookVersions {
		doc, err := readYAML(dir + "/" + version + "/openapi/" + webhookFile)
		if err != nil {
			t.Fatal(err)
		}
		example := dig(doc, "components", "schemas", "WebhookEvent", "example")
		if example == nil {
			continue // 2026-01-16 and earlier have none
		}
		body, _ := json.Marshal(example)
		err = Webhook(t, version).Check(body)
		if version == "2026-04-17" {
			if err == nil || !strings.Contains(err.Error(), "id") {
				t.Errorf("%s component example: error = %v, want the missing id", version, err)
			}
		} else if err != nil {
			t.Errorf("%s component example: %v", version, err)
		}
	}
}

// TestJSONCompatible checks the YAML normalisation: non-string keys,
// integers and timestamps become what JSON decoding gives.
func TestJSONCompatible(t *testing.T) {
	t.Parallel()
	in := map[string]any{"responses": map[any]any{200: "ok", true: []any{1, 2.5}}, "n": uint64(7)}
	got, err := jsonCompatible(in)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(got)
	if want := `{"n":7,"responses":{"200":"ok","true":[1,2.5]}}`; string(data) != want {
		t.Errorf("got %s, want %s", data, want)
	}
	if _, ok := dig(got, "n").(json.Number); !ok {
		t.Errorf("n is %T, want json.Number", dig(got, "n"))
	}
}
