package text

import "testing"

func TestTruncate(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		in   string
		n    int
		want string
	}{
		"short":          {"abc", 5, "abc"},
		"exact":          {"abc", 3, "abc"},
		"cut":            {"abcdef", 3, "abc"},
		"multibyte kept": {"aé", 3, "aé"},
		"multibyte cut":  {"aéb", 2, "a"},
		"zero":           {"abc", 0, ""},
	}
	for name, tc := range testCases {
		if got := Truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("%s: Truncate(%q, %d) = %q, want %q", name, tc.in, tc.n, got, tc.want)
		}
	}
}
