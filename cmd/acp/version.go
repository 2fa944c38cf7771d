package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/acp-sidecar/acp/core/acpwire"
)

// Stamped at release with -ldflags "-X main.version=v1.2.3 -X
// main.commit=<sha> -X main.date=<RFC 3339>" (scripts/release.sh). A build
// without them reports what the Go toolchain recorded: the module version
// (go install …@v1.2.3) and the VCS revision and time of a build in a
// checkout.
var (
	version = ""
	commit  = ""
	date    = ""
)

// buildInfo is what a binary knows of its own build.
type buildInfo struct {
	Version, Commit, Date string
	// Modified is true for a build from a checkout with uncommitted
	// changes.
	Modified bool
}

// readBuildInfo combines the stamped values with the toolchain's record.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				b.Modified = s.Value == "true" && commit == ""
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	return b
}

// buildVersion is the release version, "(devel)" for a development build.
func buildVersion() string { return readBuildInfo().Version }

const versionHelp = `Prints the release version, the commit and date it was built from, the Go
version and platform, and the ACP API versions this build serves.`

func versionCommand(args []string, env cli) int {
	fs := newFlags("version", "", versionHelp, env)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	b := readBuildInfo()
	commit := b.Commit
	if commit == "" {
		commit = "unknown"
	}
	if b.Modified {
		commit += " (modified)"
	}
	built := b.Date
	if built == "" {
		built = "unknown"
	}
	fmt.Fprintf(env.stdout, "acp %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\nACP API versions: %s\n",
		b.Version, commit, built, runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(acpwire.Versions(), ", "))
	return 0
}
