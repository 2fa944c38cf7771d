package main

import (
	"strings"
	"testing"
)

// TestHelp checks that every command's --help prints its usage in the one
// style ("Usage: acp …", then flags) and exits 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	commands := [][]string{
		{"serve"}, {"check"}, {"health"}, {"version"}, {"plugins", "describe"},
		{"orders", "list"}, {"orders", "show"}, {"webhooks", "list"}, {"load", "run"}, {"load", "baseline"},
	}
	for _, cmd := range commands {
		for _, flag := range []string{"--help", "-h"} {
			args := append(append([]string{}, cmd...), flag)
			code, stdout, stderr := runCLI(args...)
			want := "Usage: acp " + strings.Join(cmd, " ")
			if code != 0 || !strings.HasPrefix(stdout+stderr, want) || !strings.Contains(stderr, "Flags:") {
				t.Errorf("acp %s: exit %d\nstdout: %s\nstderr: %s\nwant exit 0 and usage starting %q", strings.Join(args, " "), code, stdout, stderr, want)
			}
		}
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"orders", "--help"}, {"plugins", "--help"}} {
		if code, stdout, _ := runCLI(args...); code != 0 || !strings.HasPrefix(stdout, "Usage:") {
			t.Errorf("acp %s: exit %d, stdout %q", strings.Join(args, " "), code, stdout)
		}
	}
}
