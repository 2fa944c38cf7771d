package config

import "testing"

// TestLoopbackOnly: only a listener on a loopback address is loopback
// only; one on every address is not.
func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen string
		want   bool
	}{
		{"127.0.0.1:1", true},
		{"[::1]:1", true},
		{"localhost:8080", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"10.0.0.1:8080", false},
	}
	for _, tt := range tests {
		if got := (&Server{Listen: tt.listen}).LoopbackOnly(); got != tt.want {
			t.Errorf("LoopbackOnly(%q) = %v, want %v", tt.listen, got, tt.want)
		}
	}
}
