package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/feed"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/merchantapi"
)

const feedUsage = `Usage:
  acp feed status [--json]                           show each feed target's publishing state
  acp feed push TARGET ... | --all                   ask for a full publish of feed targets
  acp feed export --out DIR [--target NAME] [--gzip] [--feed-id ID]
                                                     write the whole feed as files

The targets are acp.yaml's feeds; docs/feeds.md explains publishing.
Every command takes --config PATH (default acp.yaml) and --server URL;
"acp feed COMMAND -h" describes its flags.
`

// feedCommand runs "acp feed ...".
func feedCommand(args []string, env cli) int {
	return dispatch("acp feed", feedUsage, map[string]command{
		"status": feedStatus,
		"push":   feedPush,
		"export": feedExport,
	}, args, env)
}

func feedStatus(args []string, env cli) int {
	c := newAdminCommand("feed status", "[--json]",
		"Shows each feed target's publishing state, as the store holds it: the platform's feed\n"+
			"id, when the platform last accepted products, the products waiting to be sent, the\n"+
			"failed attempts since the last success, the last error (or why nothing can be\n"+
			"published) and when the next attempt is made. REFUSED counts the products the\n"+
			"platform refused, with the first of their ids (--json lists up to 20); only the\n"+
			"server publishing the target knows them (- otherwise). PUBLISHING says whether the\n"+
			"server that answered publishes the target (of several replicas, one does); it is -\n"+
			"when the command read the store itself.", env)
	asJSON := c.fs.Bool("json", false, `print the merchant API's JSON ({"data": [targets]})`)
	pos, code := c.parse(args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return c.usageError("unexpected argument %q", pos[0])
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		list, err := s.feeds.FeedTargets(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []merchantapi.FeedTarget{}
			}
			return printJSON(env.stdout, map[string]any{"data": list})
		}
		if len(list) == 0 {
			fmt.Fprintln(env.stdout, "no feed targets (add feeds to the config)")
			return nil
		}
		tw := newTable(env.stdout)
		fmt.Fprintln(tw, "TARGET\tFEED ID\tLAST PUBLISH\tPENDING\tFAILURES\tREFUSED\tLAST ERROR\tNEXT ATTEMPT\tPUBLISHING")
		for _, t := range list {
			publishing := "no"
			if t.Publishing {
				publishing = "yes"
			} else if s.local {
				publishing = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", t.Name, dash(t.FeedID), dash(timeCell(t.LastPublishAt)), t.Pending, t.Failures,
				refusedCell(t), lastFailure(t.LastError, t.LastStatus), dash(timeCell(t.NextAttemptAt)), publishing)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if s.serverStopped() {
			fmt.Fprintln(env.stderr, "note: the server is not running; this is the state it left")
		}
		return nil
	})
}

// refusedShown is how many refused products' ids the REFUSED cell names.
const refusedShown = 3

// refusedCell is the REFUSED cell of a target: how many products the
// platform refused, with the first of their ids; - when the process that
// answered does not publish the target (it does not know them).
func refusedCell(t merchantapi.FeedTarget) string {
	switch {
	case !t.Publishing:
		return "-"
	case t.Refused == 0:
		return "0"
	}
	ids := strings.Join(t.RefusedIDs[:min(len(t.RefusedIDs), refusedShown)], ", ")
	if t.Refused > refusedShown {
		ids += ", …"
	}
	return fmt.Sprintf("%d (%s)", t.Refused, ids)
}

// timeCell formats an optional time for a table cell.
func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return timestamp(*t)
}

func feedPush(args []string, env cli) int {
	c := newAdminCommand("feed push", "TARGET ... | --all",
		"Asks for a full publish of the named feed targets, or of every one with --all: the\n"+
			"server publishing a target sends every product again at its next round, whatever\n"+
			"the platform accepted before (after the platform lost products, say). Products\n"+
			"that did not change are otherwise never sent again.\n\n"+
			"The names are tried one by one; the command fails when any of them failed.\n\n"+
			"With a Badger store, while the server is not running the command records the\n"+
			"request in the store, and the server does it when it next runs; while the server\n"+
			"runs (it holds the store), the command calls its merchant API instead, which needs\n"+
			"merchant_api in the config. With PostgreSQL the command records the request in the\n"+
			"shared store: a running replica publishes in full at its next round; if none runs,\n"+
			"at the next start.", env)
	all := c.fs.Bool("all", false, "push every feed target")
	names, code := c.parse(args)
	switch {
	case code >= 0:
		return code
	case len(names) == 0 && !*all:
		return c.usageError("name the feed targets to push, or pass --all for every one")
	case len(names) > 0 && *all:
		return c.usageError("pass feed target names or --all, not both")
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		if *all {
			list, err := s.feeds.FeedTargets(ctx)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				return errors.New("there are no feed targets to push (add feeds to the config)")
			}
			for _, t := range list {
				names = append(names, t.Name)
			}
		}
		names = uniq(names)
		var failed []error
		for _, name := range names {
			if _, err := s.feeds.PushFeed(ctx, name); err != nil {
				failed = append(failed, err)
				continue
			}
			fmt.Fprintf(env.stdout, "asked for a full publish of %s\n", name)
		}
		if len(failed) < len(names) {
			switch {
			case s.serverStopped():
				fmt.Fprintln(env.stderr, "note: the server is not running; it publishes in full when it next runs")
			case s.local:
				fmt.Fprintln(env.stderr, "note: a running replica publishes in full at its next round; if none runs, at the next start")
			}
		}
		switch {
		case len(failed) == 0:
			return nil
		case len(names) == 1:
			return failed[0]
		}
		for _, err := range failed {
			if s.explain != nil {
				err = s.explain(err)
			}
			printError(env.stderr, err)
		}
		return fmt.Errorf("%d of the %d feed targets named could not be pushed", len(failed), len(names))
	})
}

// uniq returns names without repeats, in the order of their first
// appearance.
func uniq(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func feedExport(args []string, env cli) int {
	c := newAdminCommand("feed export", "--out DIR [--target NAME] [--gzip] [--feed-id ID]",
		"Writes the whole product feed as the Feed API's files, for a platform that ingests\n"+
			"files (on a schedule, say): DIR/metadata.json (the feed id, the target's market and\n"+
			"the time) and DIR/products.jsonl (one product per line, gzipped to products.jsonl.gz\n"+
			"with --gzip; the other of the two is removed). Each file is replaced whole. The feed\n"+
			"is the one a target of the config gets (its filter and market): --target names it,\n"+
			"and may be left out when the config has one target. Without any target, every\n"+
			"product is written, metadata.json has no target_country and --feed-id is needed.\n\n"+
			"The catalog is read from the config when it is built in, or from the catalog\n"+
			"plugin, started for the export (as acp plugins describe starts it, changing nothing\n"+
			"it shares with a running server). The stock levels of the built-in catalog are read\n"+
			"from the store, or, while the server runs and holds it, through its merchant API\n"+
			"(which needs merchant_api in the config). A catalog plugin's export with --feed-id\n"+
			"needs neither the store nor the server.", env)
	out := c.fs.String("out", "", "the `DIR`ectory to write the files in (created when missing)")
	target := c.fs.String("target", "", "the feed target `NAME` whose feed is written")
	gzip := c.fs.Bool("gzip", false, "gzip the products file (products.jsonl.gz)")
	feedID := c.fs.String("feed-id", "", "the feed `ID` metadata.json names; default the id the target's platform gave")
	pos, code := c.parse(args)
	switch {
	case code >= 0:
		return code
	case len(pos) > 0:
		return c.usageError("unexpected argument %q", pos[0])
	case *out == "":
		return c.usageError("--out DIR is required")
	}
	return c.runConfig(env, func(ctx context.Context, cfg *config.Config) error {
		name, err := exportTarget(cfg, *target)
		if err != nil {
			return err
		}
		if name == "" && *feedID == "" {
			return errors.New("the config has no feed targets, so there is no feed id to write: give one with --feed-id")
		}
		export := host.FeedExport{Target: name, FeedID: *feedID, Dir: *out, Gzip: *gzip}
		write := func(ctx context.Context) error {
			n, err := host.ExportFeed(ctx, cfg, cliLogger(env.stderr, cfg.Log.Level), env.getenv, export)
			if err != nil {
				return err
			}
			products := filepath.Join(*out, feed.ProductsFile)
			if *gzip {
				products += ".gz"
			}
			fmt.Fprintf(env.stdout, "wrote %d products to %s and the feed %s to %s\n", n, products, export.FeedID, filepath.Join(*out, feed.MetadataFile))
			return nil
		}
		// A catalog plugin counts its own stock: with the feed id given,
		// the store has nothing the export needs.
		if _, plugin := cfg.PluginFor(config.CapabilityCatalog); plugin && export.FeedID != "" {
			return write(ctx)
		}
		return c.withSession(ctx, cfg, env, func(ctx context.Context, s *session) error {
			if export.FeedID == "" {
				if export.FeedID, err = recordedFeedID(ctx, s, name); err != nil {
					return err
				}
			}
			export.Stock = feed.LevelsOf(s.stock.StockLevels, func(l merchantapi.StockLevel) (string, int64) { return l.SKU, l.Available })
			return write(ctx)
		})
	})
}

// exportTarget is the feed target an export is for: the one named, the
// config's only one, or none when the config has none.
func exportTarget(cfg *config.Config, name string) (string, error) {
	var names []string
	for _, f := range cfg.Feeds {
		names = append(names, f.Name)
	}
	switch {
	case name != "" && !slices.Contains(names, name):
		if len(names) == 0 {
			return "", fmt.Errorf("--target %s: the config has no feed targets", name)
		}
		return "", fmt.Errorf("--target %s: no such feed target (the config's: %s)", name, strings.Join(names, ", "))
	case name != "" || len(names) == 0:
		return name, nil
	case len(names) == 1:
		return names[0], nil
	}
	return "", fmt.Errorf("the config has %d feed targets (%s): name one with --target", len(names), strings.Join(names, ", "))
}

// recordedFeedID is the id the target's platform gave its feed.
func recordedFeedID(ctx context.Context, s *session, target string) (string, error) {
	list, err := s.feeds.FeedTargets(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range list {
		if t.Name == target && t.FeedID != "" {
			return t.FeedID, nil
		}
	}
	return "", fmt.Errorf("feed target %s has no feed id yet (the server has not published it): give one with --feed-id", target)
}
