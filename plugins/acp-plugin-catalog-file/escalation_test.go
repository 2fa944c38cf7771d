package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acp-sidecar/acp/sdk/catalog"
)

// TestEscalation checks that the escalation fields reach the served
// items, in CSV and JSON alike.
func TestEscalation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "items.csv", "sku,title,unit_price,escalation,escalation_reason,continue_url\n"+
		"wine,Red wine,1800,age_verification_required,,\n"+
		"suit,Suit,40000,Unsupported,Pick a fit first.,https://shop.example/suits/{item_id}?s={checkout_session_id}\n"+
		"mug,Mug,1000,,,\n")
	jsonPath := writeFile(t, dir, "items.json", `[
	  {"sku": "wine", "title": "Red wine", "unit_price": 1800, "escalation": "age_verification_required"},
	  {"sku": "suit", "title": "Suit", "unit_price": 40000, "escalation": "unsupported", "escalation_reason": "Pick a fit first.",
	   "continue_url": "https://shop.example/suits/{item_id}?s={checkout_session_id}"},
	  {"sku": "mug", "title": "Mug", "unit_price": 1000}
	]`)
	want := []*catalog.Escalation{
		{Code: "age_verification_required"},
		{Code: "unsupported", Reason: "Pick a fit first.", ContinueURL: "https://shop.example/suits/{item_id}?s={checkout_session_id}"},
		nil,
	}
	for name, path := range map[string]string{"csv": csvPath, "json": jsonPath} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPlugin(t, configFor(t, map[string]any{"path": path, "reload_interval": "0s"}))
			var got []*catalog.Escalation
			for _, it := range resolve(t, p, "usd", "wine", "suit", "mug") {
				got = append(got, it.Escalation)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("escalations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEscalationInvalid checks that bad escalation fields refuse the file.
func TestEscalationInvalid(t *testing.T) {
	t.Parallel()
	header := "sku,title,unit_price,escalation,escalation_reason,continue_url\n"
	for name, tc := range map[string]struct{ data, wantErr string }{
		"unknown code":        {header + "wine,Wine,1,adults_only,,\n", `escalation must be one of requires_sign_in, age_verification_required, unsupported, region_restricted, approval_required, got "adults_only"`},
		"payment code":        {header + "wine,Wine,1,requires_3ds,,\n", `escalation must be one of requires_sign_in, age_verification_required, unsupported, region_restricted, approval_required, got "requires_3ds"`},
		"javascript url":      {header + "wine,Wine,1,requires_sign_in,,javascript://shop.example/%0Aalert(1)\n", "not an absolute http(s) URL"},
		"item id in the host": {header + "wine,Wine,1,requires_sign_in,,https://{item_id}/club\n", "not in the scheme or host"},
		"bidi override":       {header + "wine,Wine,1,requires_sign_in,,https://shop.example/\u202egpj.exe\n", "printable ASCII"},
		"relative url":        {header + "wine,Wine,1,requires_sign_in,,/club\n", `continue_url: continue URL "/club" is not an absolute http(s) URL`},
		"url with a space":    {header + "wine,Wine,1,requires_sign_in,,https://shop.example/a b\n", "without spaces"},
		"unknown placeholder": {header + "wine,Wine,1,requires_sign_in,,https://shop.example/{sku}\n", "unknown placeholder"},
		"url without code":    {header + "wine,Wine,1,,,https://shop.example/club\n", "escalation_reason and continue_url need escalation"},
		"reason without code": {header + "wine,Wine,1,,Adults only.,\n", "escalation_reason and continue_url need escalation"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), "a.csv", tc.data)
			err := startPlugin(t).Configure(context.Background(), []byte(configFor(t, map[string]any{"path": path})))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Configure() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}
