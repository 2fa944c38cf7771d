package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
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
		fmt.Fprintf(fs.Output(), "Usage: acp %s %s\n\n%s\n\nFlags:\n", name, synopsis, help)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlagSet parses args with fs, whose Usage writes to fs.Output().
// The usage that --help (or -h) asks for goes to stdout, as for "acp
// --help": it is the output asked for. A misuse's problem and usage stay
// on fs's output, stderr.
func parseFlagSet(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		out = stdout
	}
	_, _ = buf.WriteTo(out)
	return err
}

// parseFlags parses args, which must be flags only. It returns -1 when the
// command goes on, or the exit code it ends with: 0 after --help (the
// usage printed to stdout), 2 after a misuse (the problem and the usage
// printed to stderr).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	if err := parseFlagSet(fs, args, stdout); err != nil {
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
