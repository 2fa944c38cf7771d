package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/acp-sidecar/acp/core/merchantapi"
	"github.com/acp-sidecar/acp/core/model"
)

const webhooksUsage = `Usage:
  acp webhooks list [--state dead|pending] [--limit N] [--json]   list order webhook events
  acp webhooks retry EVENT_ID ... | --all                        re-queue dead events

Every command takes --config PATH (default acp.yaml) and --server URL;
"acp webhooks COMMAND -h" describes its flags.
`

// webhooksCommand runs "acp webhooks ...".
func webhooksCommand(args []string, env cli) int {
	return dispatch("acp webhooks", webhooksUsage, map[string]command{
		"list":  webhooksList,
		"retry": webhooksRetry,
	}, args, env)
}

func webhooksList(args []string, env cli) int {
	c := newAdminCommand("webhooks list", "[--state dead|pending] [--limit N] [--json]",
		"Lists the order webhook events in a state, oldest first: dead events (the default)\n"+
			"exhausted their attempts or were refused for good and wait for acp webhooks retry;\n"+
			"pending events wait for delivery or for their next attempt.", env)
	state := c.fs.String("state", model.EventDead, "dead or pending")
	limit := c.limitFlag("events")
	asJSON := c.fs.Bool("json", false, `print the merchant API's JSON ({"data": [events]})`)
	pos, code := c.parse(args)
	if code >= 0 {
		return code
	}
	switch {
	case len(pos) > 0:
		return c.usageError("unexpected argument %q", pos[0])
	case *state != model.EventDead && *state != model.EventPending:
		return c.usageError("--state must be dead or pending, got %q", *state)
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		list, err := s.Events(ctx, *state, *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []merchantapi.Event{}
			}
			return printJSON(env.stdout, map[string]any{"data": list})
		}
		if len(list) == 0 {
			fmt.Fprintf(env.stdout, "no %s webhook events\n", *state)
			return nil
		}
		tw := newTable(env.stdout)
		fmt.Fprintln(tw, "ID\tAGENT/TARGET\tORDER\tTYPE\tATTEMPTS\tLAST ERROR\tNEXT ATTEMPT")
		for _, e := range list {
			next := "-"
			if e.State == model.EventPending {
				next = timestamp(e.NextAttemptAt)
			}
			fmt.Fprintf(tw, "%s\t%s/%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.Agent, e.Target, e.OrderID, e.Type, e.Attempts, lastFailure(e.LastError, e.LastStatus), dash(next))
		}
		return tw.Flush()
	})
}

// lastFailure describes a last failed attempt (an event's, a feed
// target's): its HTTP status and error, shortened for a table cell.
func lastFailure(lastError string, lastStatus int) string {
	msg := strings.Join(strings.Fields(lastError), " ")
	if status := fmt.Sprintf("HTTP %d", lastStatus); lastStatus != 0 && !strings.Contains(msg, status) {
		msg = strings.TrimSuffix(status+": "+msg, ": ")
	}
	if r := []rune(msg); len(r) > 60 {
		msg = string(r[:59]) + "…"
	}
	return dash(msg)
}

func webhooksRetry(args []string, env cli) int {
	c := newAdminCommand("webhooks retry", "EVENT_ID ... | --all",
		"Re-queues dead order webhook events: those named, or every dead event with --all.\n"+
			"A re-queued event keeps its id, goes to the back of its order's queue and carries\n"+
			"the order as it is now.\n\n"+
			localNote, env)
	all := c.fs.Bool("all", false, "re-queue every dead event")
	ids, code := c.parse(args)
	switch {
	case code >= 0:
		return code
	case len(ids) == 0 && !*all:
		return c.usageError("name the events to re-queue, or pass --all for every dead event")
	case len(ids) > 0 && *all:
		return c.usageError("pass event ids or --all, not both")
	}
	return c.run(env, func(ctx context.Context, s *session) error {
		n, err := s.Requeue(ctx, ids)
		if err != nil {
			return err
		}
		plural := "s"
		if n == 1 {
			plural = ""
		}
		fmt.Fprintf(env.stdout, "re-queued %d event%s\n", n, plural)
		if n > 0 {
			s.noteOutbox(env.stderr, "the re-queued events")
		}
		return nil
	})
}
