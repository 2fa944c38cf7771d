package ids

import (
	"regexp"
	"testing"
)

func TestNew(t *testing.T) {
	shape := regexp.MustCompile(`^cs_[a-z2-7]{26}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := New("cs_")
		if !shape.MatchString(id) {
			t.Fatalf("New = %q, want cs_ + 26 base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("New repeated %q", id)
		}
		seen[id] = true
	}
}
