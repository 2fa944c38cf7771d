package main

import (
	"strings"
	"testing"
)

// TestHelp checks that every command's --help prints its usage in the one
// style ("Usage: acp …", then flags) to stdout, as "acp --help" does, and
// exits 0; and that a misused flag prints the problem and the usage to
// stderr and exits 2.
func TestHelp(t *testing.T) {
	t.Parallel()
	commands := [][]string{
		{"serve"}, {"check"}, {"health"}, {"version"}, {"plugins", "describe"},
		{"orders", "list"}, {"orders", "show"}, {"webhooks", "list"}, {"load", "run"}, {"load", "baseline"},
		{"feed", "status"}, {"feed", "push"}, {"feed", "export"},
	}
	for _, cmd := range commands {
		for _, flag := range []string{"--help", "-h"} {
			args := append(append([]string{}, cmd...), flag)
			code, stdout, stderr := runCLI(args...)
			want := "Usage: acp " + strings.Join(cmd, " ")
			if code != 0 || !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "Flags:") || stderr != "" {
				t.Errorf("acp %s: exit %d\nstdout: %s\nstderr: %s\nwant exit 0 and usage starting %q on stdout", strings.Join(args, " "), code, stdout, stderr, want)
			}
		}
		args := append(append([]string{}, cmd...), "--no-such-flag")
		code, stdout, stderr := runCLI(args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "no-such-flag") || !strings.Contains(stderr, "Usage: acp "+strings.Join(cmd, " ")) {
			t.Errorf("acp %s: exit %d\nstdout: %s\nstderr: %s\nwant exit 2, the problem and the usage on stderr", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"orders", "--help"}, {"plugins", "--help"}, {"feed", "--help"}} {
		if code, stdout, _ := runCLI(args...); code != 0 || !strings.HasPrefix(stdout, "Usage:") {
			t.Errorf("acp %s: exit %d, stdout %q", strings.Join(args, " "), code, stdout)
		}
	}
}
