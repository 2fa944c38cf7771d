package config

import (
	"slices"
	"testing"
)

func TestCheckAssignedCountry(t *testing.T) {
	t.Parallel()
	if n := len(assignedCountries); n != 249 {
		t.Errorf("%d assigned codes, want 249", n)
	}
	for _, tc := range []struct {
		country, want string
	}{
		{"US", ""},
		{"GB", ""},
		{"AX", ""},
		{"UK", `"UK" is not an assigned ISO 3166-1 alpha-2 code; use "GB"`},
		{"XX", `"XX" is not an assigned ISO 3166-1 alpha-2 country code (such as "US")`},
		{"EU", `"EU" is not an assigned ISO 3166-1 alpha-2 country code (such as "US")`},
		{"USA", `must be a 2-letter ISO 3166-1 country code such as "US", got "USA"`},
	} {
		var ps problems
		checkAssignedCountry("feeds[0].target_country", tc.country, &ps)
		var got []string
		for _, p := range ps.list {
			got = append(got, p.Message)
		}
		if want := []string{tc.want}; tc.want == "" && len(got) != 0 || tc.want != "" && !slices.Equal(got, want) {
			t.Errorf("checkAssignedCountry(%q) = %q, want %q", tc.country, got, tc.want)
		}
	}
}
