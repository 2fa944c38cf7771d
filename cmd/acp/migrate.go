package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/core/store/pgstore"
	"github.com/acp-sidecar/acp/internal/logging"
)

const migrateHelp = `Applies the PostgreSQL store's pending schema migrations (store.driver:
postgres), under an advisory lock, so that it is safe beside running
replicas and another "acp migrate". --dry-run lists them and changes
nothing.

--from-badger DIR then copies a Badger store into the database (stop the
server that uses it, and every replica on the database, first):
sessions, orders, idempotency records, stock levels, reservations, failed
orders, the product feeds' publishing state and the pending and dead
webhook events, keeping their sequence numbers (the database's outbox
sequence is moved past them first). It refuses a database that already
holds records unless --overwrite is given; a second run with --overwrite
writes the same records again, and stops rather than overwrite another
event under a copied sequence number. One-time replay keys are not
copied: they live minutes. --badger-key-env names the environment
variable holding the key of an encrypted Badger store (its
store.encryption_key_env).`

// migrateCommand runs "acp migrate".
func migrateCommand(args []string, env cli) int {
	fs := newFlags("migrate", "[--config PATH] [--dry-run] [--from-badger DIR [--overwrite] [--badger-key-env NAME]]", migrateHelp, env)
	configPath := fs.String("config", "acp.yaml", "path to the config file")
	dryRun := fs.Bool("dry-run", false, "list the pending migrations and change nothing")
	fromBadger := fs.String("from-badger", "", "copy the Badger store in this directory into the database")
	overwrite := fs.Bool("overwrite", false, "with --from-badger: copy into a database that already holds records")
	keyEnv := fs.String("badger-key-env", "", "with --from-badger: the environment variable holding the Badger store's encryption key")
	if code := parseFlags(fs, args, env.stdout); code >= 0 {
		return code
	}
	if *dryRun && *fromBadger != "" {
		fmt.Fprintln(env.stderr, "acp migrate: --dry-run and --from-badger cannot be combined")
		return 2
	}
	cfg, ok := loadConfig(env.stderr, *configPath, "")
	if !ok {
		return 1
	}
	if cfg.Store.Driver != config.StorePostgres {
		fmt.Fprintf(env.stderr, "%s: store.driver is %q; acp migrate is for the postgres driver\n", *configPath, cfg.Store.Driver)
		return 1
	}
	if problems := host.CheckSecrets(cfg, env.getenv); len(problems) > 0 {
		config.LocateFile(*configPath, problems)
		printProblems(env.stderr, *configPath, problems)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := logging.New(env.stderr, slog.LevelWarn)
	res, err := host.MigrateStore(ctx, cfg, logger, env.getenv, *dryRun)
	if err != nil {
		fmt.Fprintf(env.stderr, "acp migrate: %v\n", err)
		return 1
	}
	printMigrations(env, res, *dryRun)
	if *fromBadger == "" {
		return 0
	}
	sum, err := host.ImportBadger(ctx, cfg, logger, env.getenv, *fromBadger, *keyEnv, *overwrite)
	if errors.Is(err, pgstore.ErrNotEmpty) {
		fmt.Fprintf(env.stderr, "acp migrate: %v; nothing copied (--overwrite copies anyway)\n", err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "acp migrate: copying %s: %v\n", *fromBadger, err)
		return 1
	}
	fmt.Fprintf(env.stdout, "copied from %s: %d sessions, %d orders, %d idempotency records, %d stock levels, %d reservations, %d failed orders, %d feed targets, %d feed products, %d pending and %d dead webhook events\n",
		*fromBadger, sum.Sessions, sum.Orders, sum.IdempotencyRecords, sum.StockLevels, sum.Reservations, sum.FailedOrders, sum.FeedTargets, sum.FeedProducts, sum.PendingEvents, sum.DeadEvents)
	return 0
}

// printMigrations says what was (or, in a dry run, would be) applied.
func printMigrations(env cli, res pgstore.MigrationResult, dryRun bool) {
	switch {
	case len(res.Pending) == 0:
		fmt.Fprintf(env.stdout, "schema at version %d: no migration pending\n", res.Before)
	case dryRun:
		fmt.Fprintf(env.stdout, "schema at version %d; %d pending (dry run, nothing applied):\n", res.Before, len(res.Pending))
	default:
		fmt.Fprintf(env.stdout, "schema migrated from version %d to %d:\n", res.Before, res.After)
	}
	for _, m := range res.Pending {
		fmt.Fprintf(env.stdout, "  %d  %s\n", m.Version, m.Name)
	}
}
