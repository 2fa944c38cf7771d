package main

import (
	"errors"
	"flag"
	"fmt"
)

// newFlags returns the flag set of "acp <name>". Its usage, printed for
// --help and after a misuse, is the one every subcommand prints:
//
//	Usage: acp <name> <synopsis>
//
//	<help>
//
//	Flags:
//	  ...
func newFlags(name, synopsis, help string, env cli) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: acp %s %s\n\n%s\n\nFlags:\n", name, synopsis, help)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, which must be flags only. It returns -1 when the
// command goes on, or the exit code it ends with: 0 after --help (the
// usage printed), 2 after a misuse (the problem and the usage printed).
func parseFlags(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "acp %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return 2
	}
	return -1
}
