package config

import (
	"strings"
	"testing"
)

// TestWebhookURLForms: acp check applies the dialer's address rule to
// every spelling of an internal address, and asks for dotted decimal
// where a public address is spelt otherwise.
func TestWebhookURLForms(t *testing.T) {
	t.Parallel()
	const internal = "is an internal address"
	for url, want := range map[string]string{
		"https://hooks.example.com/acp":      "",
		"https://hooks.example.com./acp":     "",
		"https://8.8.8.8/acp":                "",
		"https://localhost./acp":             internal,
		"https://api.localhost/acp":          internal,
		"https://169.254.169.254./latest":    internal,
		"https://127.1/acp":                  internal,
		"https://0x7f000001/acp":             internal,
		"https://2130706433/acp":             internal,
		"https://0177.0.0.1/acp":             internal,
		"https://[::ffff:127.0.0.1]/acp":     internal,
		"https://[::ffff:169.254.169.254]/x": internal,
		"https://134744072/acp":              "write it as 8.8.8.8",
		"https://１２７。０。０。１/":                 internal,
		"https://ｌｏｃａｌｈｏｓｔ/":                 internal,
		"https://１６９．２５４．１６９．２５４/x":          internal,
		"https://hooks.ｅｘａｍｐｌｅ.com/acp":      "",
		"https://a\u200db.example/acp":       "not a valid host name",
	} {
		got := checkWebhookURL(url, false)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("checkWebhookURL(%q) = %q, want %q", url, got, want)
		}
		if got := checkWebhookURL(url, true); got != "" {
			t.Errorf("with allow_private_networks, checkWebhookURL(%q) = %q, want accepted", url, got)
		}
	}
}
