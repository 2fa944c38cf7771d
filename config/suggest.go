package config

import (
	"fmt"
	"strings"
)

// didYouMean returns `; did you mean "x"?` for the known value closest to
// got, or "" when none is close: at most a third of the letters differ
// (one for short words, and never all of them), or one is a prefix of the other of at least
// three letters.
func didYouMean(got string, known []string) string {
	if s := closest(got, known); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// closest returns the known value nearest to got, or "" when none is
// close enough to suggest.
func closest(got string, known []string) string {
	g := strings.ToLower(got)
	best, bestDist := "", -1
	for _, k := range known {
		kl := strings.ToLower(k)
		if kl == g {
			return k
		}
		d := editDistance(g, kl)
		limit := max(1, min(len(g), len(kl))/3)
		prefix := len(g) >= 3 && len(kl) >= 3 && (strings.HasPrefix(g, kl) || strings.HasPrefix(kl, g))
		if (d > limit || d >= min(len(g), len(kl))) && !prefix {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in
// bytes (keys and enumerated values are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
