package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/pluginmgr"
	"github.com/acp-sidecar/acp/internal/logging"
)

const pluginsUsage = `Usage:
  acp plugins describe [--config PATH] [--json]   start each configured plugin, report its info and health, stop it
`

// pluginsCommand runs "acp plugins ...".
func pluginsCommand(args []string, env cli) int {
	return dispatch("acp plugins", pluginsUsage, map[string]command{"describe": pluginsDescribe}, args, env)
}

const pluginsDescribeHelp = `Starts each plugin the config uses, as the server would, reports its name,
version, SDK and protocol versions, health and, for a catalog plugin, whether
it holds stock for payments ("stock control" or "no stock control"), and
stops it again. A running server is not disturbed: each plugin is told it
is only described (ACP_PLUGIN_DESCRIBING=1) and changes no state it shares
with the server (acp-plugin-catalog-file only reads its stock state). Exits
1 when a plugin is not ready.`

func pluginsDescribe(args []string, env cli) int {
	fs := newFlags("plugins describe", "[--config PATH] [--json]", pluginsDescribeHelp, env)
	configPath := fs.String("config", "acp.yaml", "path to the config file")
	asJSON := fs.Bool("json", false, `print JSON ({"data": [plugins]}), with each plugin's config schema`)
	if code := parseFlags(fs, args, env.stdout); code >= 0 {
		return code
	}
	cfg, ok := loadConfig(env.stderr, *configPath, "")
	if !ok {
		return 1
	}
	logger := logging.New(env.stderr, logLevel("warn"))
	statuses, err := host.DescribePlugins(context.Background(), cfg, logger, env.getenv)
	if err != nil {
		fmt.Fprintf(env.stderr, "acp plugins describe: %v\n", err)
		return 1
	}
	code := 0
	for _, st := range statuses {
		if !st.Ready() {
			code = 1
		}
	}
	if *asJSON {
		if statuses == nil {
			statuses = []pluginmgr.Status{}
		}
		if err := printJSON(env.stdout, map[string]any{"data": statuses}); err != nil {
			fmt.Fprintf(env.stderr, "acp plugins describe: %v\n", err)
			return 1
		}
		return code
	}
	if len(statuses) == 0 {
		fmt.Fprintf(env.stdout, "%s: no plugins configured; every capability is built in\n", *configPath)
		return 0
	}
	tw := newTable(env.stdout)
	fmt.Fprintln(tw, "NAME\tSERVES\tSTATE\tPLUGIN\tVERSION\tSDK\tPROTOCOL\tSTOCK\tMESSAGE")
	for _, st := range statuses {
		protocol := "-"
		if st.Info.SDKVersion != "" {
			protocol = fmt.Sprintf("1.%d", st.Info.ProtocolMinor)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", st.Name, strings.Join(st.Capabilities, ","), st.State,
			dash(st.Info.Name), dash(st.Info.Version), dash(st.Info.SDKVersion), protocol, dash(st.StockControl), dash(oneLine(st.Message)))
	}
	if err := tw.Flush(); err != nil {
		return 1
	}
	return code
}

// oneLine folds a message's whitespace for a table cell.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
