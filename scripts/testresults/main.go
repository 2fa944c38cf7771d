// Command testresults reads `go test -json` output on stdin and prints one
// line per finished test, "package test action", sorted: what
// scripts/check-spec-optional.sh compares between two runs.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

func main() {
	var lines []string
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		var e struct{ Action, Package, Test string }
		if json.Unmarshal(in.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		switch e.Action {
		case "pass", "fail", "skip":
			lines = append(lines, fmt.Sprintf("%s %s %s", e.Package, e.Test, e.Action))
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testresults:", err)
		os.Exit(1)
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
}
