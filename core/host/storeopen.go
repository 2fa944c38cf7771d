package host

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/store/pgstore"
)

// storeOpenTimeout bounds connecting to (and, with migrate_on_start,
// migrating) a shared database at start.
const storeOpenTimeout = time.Minute

// openStore opens the store store.driver names: Badger in store.dir, or
// PostgreSQL at the DSN read from store.postgres.dsn_env (never logged).
// registry, when set, receives the database pool's metrics.
func openStore(cfg *config.Config, key []byte, getenv func(string) string, logger *slog.Logger, registry prometheus.Registerer) (store.Store, error) {
	if cfg.Store.Driver != config.StorePostgres {
		return badgerstore.Open(badgerstore.Options{Dir: cfg.Store.Dir, SessionRetention: cfg.Store.SessionRetention, EncryptionKey: key, Logger: logger})
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
	defer cancel()
	st, err := pgstore.Open(ctx, postgresOptions(cfg, getenv, logger, registry))
	if err != nil {
		return nil, fmt.Errorf("open the PostgreSQL store: %w", err)
	}
	return st, nil
}

// postgresOptions are the PostgreSQL store's options from acp.yaml and
// the environment.
func postgresOptions(cfg *config.Config, getenv func(string) string, logger *slog.Logger, registry prometheus.Registerer) pgstore.Options {
	pg := cfg.Store.Postgres
	return pgstore.Options{
		DSN: getenv(pg.DSNEnv), Schema: pg.Schema, MaxConns: int32(pg.MaxConns), StatementTimeout: pg.StatementTimeout,
		MigrateOnStart: pg.MigrateOnStart, SessionRetention: cfg.Store.SessionRetention, Registry: registry, Logger: logger,
	}
}

// MigrateStore applies the PostgreSQL store's pending migrations (or,
// with dryRun, lists them): `acp migrate`. The config must use the
// postgres driver, and CheckSecrets must have found its DSN.
func MigrateStore(ctx context.Context, cfg *config.Config, logger *slog.Logger, getenv func(string) string, dryRun bool) (pgstore.MigrationResult, error) {
	if cfg.Store.Driver != config.StorePostgres {
		return pgstore.MigrationResult{}, fmt.Errorf("store.driver is %q: migrations are for the postgres driver", cfg.Store.Driver)
	}
	return pgstore.Migrate(ctx, postgresOptions(cfg, getenv, logger, nil), dryRun)
}

// ImportBadger copies every record of the Badger store in dir into the
// configured PostgreSQL store, migrated first: `acp migrate
// --from-badger`. keyEnv, when set, names the environment variable
// holding the key of an encrypted Badger store. It refuses a database
// holding records unless overwrite.
func ImportBadger(ctx context.Context, cfg *config.Config, logger *slog.Logger, getenv func(string) string, dir, keyEnv string, overwrite bool) (pgstore.ImportSummary, error) {
	var sum pgstore.ImportSummary
	key, err := encryptionKey(keyEnv, getenv)
	if err != nil {
		return sum, err
	}
	if _, err := os.Stat(dir); err != nil {
		return sum, fmt.Errorf("the Badger store: %w", err)
	}
	if _, err := MigrateStore(ctx, cfg, logger, getenv, false); err != nil {
		return sum, err
	}
	src, err := badgerstore.Open(badgerstore.Options{Dir: dir, EncryptionKey: key, Logger: logger})
	if err != nil {
		return sum, err
	}
	defer src.Close()
	dst, err := pgstore.Open(ctx, postgresOptions(cfg, getenv, logger, nil))
	if err != nil {
		return sum, fmt.Errorf("open the PostgreSQL store: %w", err)
	}
	defer dst.Close()
	return dst.Import(ctx, func(w store.Walker) error { return src.Export(ctx, w) }, overwrite)
}

// storeUpkeep runs the store's periodic upkeep: Badger's value-log
// garbage collection, or the PostgreSQL store's purge of expired rows.
func (h *Host) storeUpkeep(ctx context.Context) {
	switch st := h.store.(type) {
	case *badgerstore.Store:
		rewritten, err := st.CollectGarbage(ctx)
		if err != nil {
			h.logger.Warn("store garbage collection", "error", err.Error())
		} else if rewritten > 0 {
			h.logger.Info("store garbage collected", "value_log_files_rewritten", rewritten)
		}
	case *pgstore.Store:
		purged, err := st.Purge(ctx)
		if err != nil {
			h.logger.Warn("purging expired store records", "purged", purged, "error", err.Error())
		} else if purged > 0 {
			h.logger.Info("purged expired store records", "purged", purged)
		}
	}
}

// pinger is a store that can say whether its database answers.
type pinger interface {
	Ping(ctx context.Context) error
}

// storeReadiness wraps ready with the store's state: a store whose
// database does not answer within a second makes the server not ready.
func storeReadiness(st store.Store, ready func() (bool, any)) func() (bool, any) {
	p, ok := st.(pinger)
	if !ok {
		return ready
	}
	return func() (bool, any) {
		ok, detail := ready()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		state := "ready"
		if err := p.Ping(ctx); err != nil {
			state, ok = "unreachable", false
		}
		if m, isMap := detail.(map[string]any); isMap {
			m["store"] = map[string]string{"driver": config.StorePostgres, "state": state}
			if !ok {
				m["status"] = "not_ready"
			}
		}
		return ok, detail
	}
}

// storeName describes the store for the log: Badger's directory, or the
// PostgreSQL driver and schema (never the DSN).
func (h *Host) storeName() string {
	if h.cfg.Store.Driver == config.StorePostgres {
		return "postgres schema " + h.cfg.Store.Postgres.Schema
	}
	return h.cfg.Store.Dir
}

// CheckDatabase connects to the configured PostgreSQL store and checks
// that this release can run on its schema (with migrate_on_start, that
// the pending migrations can be applied): `acp check --live`. It writes
// nothing.
func CheckDatabase(ctx context.Context, cfg *config.Config, getenv func(string) string) error {
	opts := postgresOptions(cfg, getenv, slog.New(slog.DiscardHandler), nil)
	if opts.MigrateOnStart {
		_, err := pgstore.Migrate(ctx, opts, true)
		return err
	}
	st, err := pgstore.Open(ctx, opts)
	if err != nil {
		return err
	}
	return st.Close()
}

// perHostStockPlugins are the first-party catalog plugins that count
// stock in the host they run on, not in the store.
var perHostStockPlugins = []string{"acp-plugin-catalog-file"}

// StoreWarnings lists what acp.yaml's store settings make doubtful
// without being wrong: a catalog plugin that counts stock per host while
// several replicas share a PostgreSQL store (each replica would sell the
// whole stock).
func StoreWarnings(cfg *config.Config) []config.Problem {
	if cfg.Store.Driver != config.StorePostgres {
		return nil
	}
	var out []config.Problem
	for i, p := range cfg.Plugins {
		if cfg.Capabilities.Catalog != p.Name || !slices.Contains(perHostStockPlugins, filepath.Base(p.Command)) {
			continue
		}
		out = append(out, config.Problem{Path: fmt.Sprintf("plugins[%d]", i), Message: fmt.Sprintf(
			"%s counts stock on the host it runs on, but store.driver is postgres: with several replicas each one sells the whole stock; "+
				"keep stock in the built-in catalog (which counts it in the database) or in a plugin backed by a shared database", filepath.Base(p.Command))})
	}
	return out
}
