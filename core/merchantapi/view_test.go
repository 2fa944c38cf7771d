package merchantapi

import (
	"testing"
	"unicode/utf8"
)

// TestMaskToken: a token keeps its last four characters (whole runes) only
// when it has twelve or more; a masked token stays as it is.
func TestMaskToken(t *testing.T) {
	t.Parallel()
	for token, want := range map[string]string{
		"":                   "",
		"atp_01J8Z3WXYZ9ABC": "****9ABC",
		"atp_short":          "****",
		"atp_ééééééé":        "****",
		"atp_0123456789ü€𝄞é": "****ü€𝄞é",
		"****9ABC":           "****9ABC",
	} {
		got := MaskToken(token)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("MaskToken(%q) = %q, want %q", token, got, want)
		}
	}
}
