package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"runtime"
	"strings"
	"text/template"
	"time"
)

// documentTemplate is BENCHMARKS.md around the figures: acp-bench -o
// writes the whole file, so that every figure in it comes from one run.
//
//go:embed BENCHMARKS.md.tmpl
var documentTemplate string

// document is documentTemplate parsed, at start rather than at the end of
// a run of several minutes.
var document = template.Must(template.New("BENCHMARKS.md").Parse(documentTemplate))

// busy reports whether a load average says the machine is too busy for
// figures as good as an idle machine's: more than half of its CPUs in use.
func busy(load float64) bool { return load > 0.5*float64(runtime.NumCPU()) }

// write prints the figures, or writes the whole document to b.out.
func (b *bench) write(started time.Time, loadBefore, loadAfter float64) error {
	var head strings.Builder
	fmt.Fprintf(&head, "## Figures: run of %s\n\n", started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&head, "%s. ", machine())
	if b.wrk != "" {
		fmt.Fprintf(&head, "acp load and %s (`-t1 -c%d`, the script `cmd/acp-bench/create.lua`); ", b.wrk, b.connections)
	} else {
		head.WriteString("acp load only (wrk is not installed); ")
	}
	fmt.Fprintf(&head, "%s of %s per measurement for throughput, %s of %s for latency. ", plural(b.rounds, "round"), b.round, plural(b.latencyRounds, "round"), b.latencyDuration)
	head.WriteString("The baseline, the demo store, the plugins store (with its four plugin processes) and each run of a load generator are separate processes on the same machine.")
	if loadBefore >= 0 {
		fmt.Fprintf(&head, " Load average (1 min) %.2f before the run, %.2f after it.", loadBefore, loadAfter)
	}
	head.WriteString("\n\n")
	if busy(loadBefore) {
		fmt.Fprintf(&head, "**The machine was busy when this run began** (load average %.2f on %d CPUs): other processes shared the CPUs, so the absolute figures are low and every figure is noisier than on an idle machine; the ratios, taken within each round, suffer least.\n\n",
			loadBefore, runtime.NumCPU())
	}
	figures := head.String() + b.figures.String()

	var targets strings.Builder
	targets.WriteString("| Target | Measured | Met? |\n|---|---|---|\n")
	for _, t := range b.targets {
		fmt.Fprintf(&targets, "| %s | %s | %s |\n", t.goal, t.measured, metWord(t.met))
	}

	if b.out == "" {
		fmt.Print(figures)
		fmt.Print("### PostgreSQL against Badger\n\n" + b.pgFigures.String())
		fmt.Print("### Against the targets\n\n" + targets.String())
		return nil
	}
	var doc bytes.Buffer
	err := document.Execute(&doc, struct {
		Figures, Postgres, Targets string
		Rounds                     int
	}{figures, b.pgFigures.String(), targets.String(), b.rounds})
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.out, doc.Bytes(), 0o644); err != nil {
		return err
	}
	step("wrote " + b.out)
	return nil
}
