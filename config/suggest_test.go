package config

import "testing"

// TestDidYouMean checks which near values are suggested and which are not.
func TestDidYouMean(t *testing.T) {
	t.Parallel()
	known := []string{"plugins", "log", "builtin", "tax-service", "pickup", "warn"}
	tests := map[string]string{
		"plugin":      `; did you mean "plugins"?`,
		"logging":     `; did you mean "log"?`,
		"Builtin":     `; did you mean "builtin"?`,
		"tax-servce":  `; did you mean "tax-service"?`,
		"pikcup":      `; did you mean "pickup"?`,
		"warning":     `; did you mean "warn"?`,
		"x":           "",
		"zz":          "",
		"catalog":     "",
		"fulfillment": "",
	}
	for got, want := range tests {
		if s := didYouMean(got, known); s != want {
			t.Errorf("didYouMean(%q) = %q, want %q", got, s, want)
		}
	}
}
