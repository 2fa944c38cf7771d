package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/acp-sidecar/acp/core/merchantapi"
)

const stockUsage = `Usage:
  acp stock show [SKU] [--json]     show the stock of every stock-controlled SKU, or of one
  acp stock set SKU N               record that N units are on hand now (sales count from now)
  acp stock adjust SKU DELTA        add DELTA units on hand (negative: take them away)

Only SKUs with a stock figure in acp.yaml (catalog.items[].stock or a
product variant's stock) are stock-controlled; docs/stock.md explains the
counts. Every command takes --config PATH (default acp.yaml) and --server
URL; "acp stock COMMAND -h" describes its flags.
`

// stockCommand runs "acp stock ...".
func stockCommand(args []string, env cli) int {
	return dispatch("acp stock", stockUsage, map[string]command{
		"show":   stockShow,
		"set":    stockSet,
		"adjust": stockAdjust,
	}, args, env)
}

func stockShow(args []string, env cli) int {
	c := newAdminCommand("stock show", "[SKU] [--json]",
		"Shows each stock-controlled SKU's stock: on hand (sales taken off), reserved by\n"+
			"payments in progress, available to agents (on hand less reserved), sold since on\n"+
			"hand was last set, and the acp.yaml figure last applied.", env)
	asJSON := c.fs.Bool("json", false, `print the merchant API's JSON ({"data": [levels]}, or one level)`)
	pos, code := c.parse(args)
	if code >= 0 {
		return code
	}
	if len(pos) > 1 {
		return c.usageError("unexpected argument %q", pos[1])
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		var list []merchantapi.StockLevel
		if len(pos) == 1 {
			l, err := s.stock.StockLevel(ctx, pos[0])
			if err != nil {
				return err
			}
			if *asJSON {
				return printJSON(env.stdout, l)
			}
			list = []merchantapi.StockLevel{*l}
		} else {
			var err error
			if list, err = s.stock.StockLevels(ctx); err != nil {
				return err
			}
			if *asJSON {
				if list == nil {
					list = []merchantapi.StockLevel{}
				}
				return printJSON(env.stdout, map[string]any{"data": list})
			}
		}
		if len(list) == 0 {
			fmt.Fprintln(env.stdout, "no stock-controlled SKUs (give items a stock figure in acp.yaml)")
			return nil
		}
		return printLevels(env, list)
	})
}

func printLevels(env cli, list []merchantapi.StockLevel) error {
	tw := newTable(env.stdout)
	fmt.Fprintln(tw, "SKU\tON HAND\tRESERVED\tAVAILABLE\tSOLD\tFILE FIGURE\tSET AT")
	for _, l := range list {
		figure := "-"
		if l.FileFigure != nil {
			figure = strconv.FormatInt(*l.FileFigure, 10)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\n", l.SKU, l.OnHand, l.Reserved, l.Available, l.Sold, figure, timestamp(l.SetAt))
	}
	return tw.Flush()
}

func stockSet(args []string, env cli) int {
	return stockChange(args, env, "set", "SKU N",
		"Records that N units of SKU are on hand now, after a count or a delivery; the sales\n"+
			"counted so far are dropped (sold starts again at 0). N may not be below the units\n"+
			"payments in progress hold.",
		func(ctx context.Context, s *session, sku string, n int64) (*merchantapi.StockLevel, error) {
			return s.stock.SetStock(ctx, sku, n)
		})
}

func stockAdjust(args []string, env cli) int {
	return stockChange(args, env, "adjust", "SKU DELTA",
		"Adds DELTA units of SKU on hand (a negative DELTA takes them away: breakage, a\n"+
			"miscount), keeping the sales counted so far. On hand may not go below the units\n"+
			"payments in progress hold.",
		func(ctx context.Context, s *session, sku string, n int64) (*merchantapi.StockLevel, error) {
			return s.stock.AdjustStock(ctx, sku, n)
		})
}

// stockChange runs "acp stock set|adjust SKU N" with change.
func stockChange(args []string, env cli, name, synopsis, help string, change func(context.Context, *session, string, int64) (*merchantapi.StockLevel, error)) int {
	c := newAdminCommand("stock "+name, synopsis, help+"\n\n"+localNote, env)
	pos, code := c.parse(shieldNegatives(args))
	if code >= 0 {
		return code
	}
	if len(pos) != 2 {
		return c.usageError("want %s, got %d arguments", synopsis, len(pos))
	}
	n, err := strconv.ParseInt(strings.Replace(pos[1], negativeMark, "-", 1), 10, 64)
	if err != nil {
		return c.usageError("%q is not a whole number", pos[1])
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		l, err := change(ctx, s, pos[0], n)
		if err != nil {
			return err
		}
		return printLevels(env, []merchantapi.StockLevel{*l})
	})
}

// negativeMark stands for the minus sign of a negative number while the
// flags are parsed, which would take "-2" for a flag. No SKU contains it.
const negativeMark = "\x00"

// shieldNegatives hides the minus sign of every negative whole number in
// args from the flag parser, so that "acp stock adjust tee -2" works.
func shieldNegatives(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if _, err := strconv.ParseInt(a, 10, 64); err == nil && strings.HasPrefix(a, "-") {
			a = negativeMark + a[1:]
		}
		out[i] = a
	}
	return out
}
