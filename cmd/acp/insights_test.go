package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/acp-sidecar/acp/core/model"
)

// TestMaskContact: an email keeps its first character and domain, a
// phone number its last two characters, whole runes either way.
func TestMaskContact(t *testing.T) {
	t.Parallel()
	for contact, want := range map[string]string{
		"ada@example.com":  "a***@example.com",
		"émile@example.fr": "é***@example.fr",
		"+14155550123":     "***23",
		"電話番号":             "***番号",
		"12":               "***",
	} {
		got := maskContact(contact)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("maskContact(%q) = %q, want %q", contact, got, want)
		}
	}
}

// TestInsightsPrintable: agent-supplied strings reach the terminal
// without control characters (an escape sequence, a newline breaking the
// table) or bidirectional overrides.
func TestInsightsPrintable(t *testing.T) {
	t.Parallel()
	in := &model.Insights{
		LastTouch:         &model.Attribution{Provider: "evil\x1b[2J\x1b[31m.example", CampaignID: "c\nfake row\tx", SubID: "s\u202etxt.exe"},
		MarketingConsents: []model.MarketingConsent{{Channel: "email", OptedIn: true, Contact: "\x1bx@example.com"}},
	}
	var out bytes.Buffer
	if err := printInsights(&out, in); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.ContainsAny(s, "\x1b\u202e\t") || strings.Count(s, "\n") != 4 {
		t.Errorf("printInsights wrote control characters or extra lines:\n%q", s)
	}
	if !strings.Contains(s, "evil [2J [31m.example") || !strings.Contains(s, "campaign c fake row x") {
		t.Errorf("printInsights = %q; want the values with their control characters replaced by spaces", s)
	}
}

// TestOrderFulfillmentIDPrintable: a planned fulfillment's id, made of the
// agent's group id (stored before group ids were checked), reaches the
// terminal without control characters or bidirectional overrides.
func TestOrderFulfillmentIDPrintable(t *testing.T) {
	t.Parallel()
	o := &model.Order{ID: "ord_1", Status: model.OrderCreated, Currency: "usd",
		Fulfillments: []model.Fulfillment{{ID: "ful_g\x1b[2J\nfake\u202e", Type: "shipping", Status: "pending", Planned: true}}}
	var out bytes.Buffer
	if err := printOrder(&out, o); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.ContainsAny(s, "\x1b\u202e") || strings.Contains(s, "\nfake") || !strings.Contains(s, "ful_g [2J fake") {
		t.Errorf("printOrder wrote the fulfillment id unsanitised:\n%q", s)
	}
}
