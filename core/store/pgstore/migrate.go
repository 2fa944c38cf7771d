package pgstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var embedded embed.FS

// OldestSchema is the oldest schema version (migration) this release can
// run on: a database not migrated that far is refused until `acp migrate`
// has run. It rises only when a release starts relying on a migration.
const OldestSchema = 3

// NewestSchema is the newest migration this release knows: the highest
// version among the embedded migrations. A database whose
// acp_schema_compat.min_compatible is past it is refused.
func NewestSchema() int64 {
	var n int64
	for _, v := range migrationVersions(fileNames(Migrations())) {
		n = max(n, v)
	}
	return n
}

// fileNames lists the files at the root of fsys.
func fileNames(fsys fs.FS) []string {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// migrationVersions are the versions of the migration files among names
// (SQL files whose names start with the version and an underscore).
func migrationVersions(names []string) []int64 {
	var out []int64
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		if v, err := strconv.ParseInt(num, 10, 64); ok && err == nil && strings.HasSuffix(name, ".sql") {
			out = append(out, v)
		}
	}
	return out
}

// versionTable is goose's table of applied migrations, in the schema.
const versionTable = "acp_schema_migrations"

// knownUpTo, when set at build time (-ldflags "-X
// github.com/acp-sidecar/acp/core/store/pgstore.knownUpTo=N"), makes a
// binary that knows the embedded migrations up to version N only: the
// previous release's view of the schema, so that a rolling upgrade can be
// tested with two builds of one source tree. Empty in every release.
var knownUpTo string

// Migrations returns the embedded migrations (as an fs.FS rooted at the
// migration files), without those past knownUpTo when it is set.
func Migrations() fs.FS {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	if n, err := strconv.ParseInt(knownUpTo, 10, 64); err == nil {
		return upTo{sub, n}
	}
	return sub
}

// upTo hides the migrations of fsys past version max.
type upTo struct {
	fsys fs.FS
	max  int64
}

// hidden reports whether name is a migration past max.
func (u upTo) hidden(name string) bool {
	v := migrationVersions([]string{name})
	return len(v) == 1 && v[0] > u.max
}

// Open implements fs.FS.
func (u upTo) Open(name string) (fs.File, error) {
	if u.hidden(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return u.fsys.Open(name)
}

// ReadDir implements fs.ReadDirFS.
func (u upTo) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(u.fsys, name)
	var out []fs.DirEntry
	for _, e := range entries {
		if !u.hidden(e.Name()) {
			out = append(out, e)
		}
	}
	return out, err
}

// Pending is a migration not yet applied.
type Pending struct {
	// Version is the migration's number.
	Version int64
	// Name is its file name.
	Name string
}

// MigrationResult says what Migrate did or would do.
type MigrationResult struct {
	// Before and After are the schema versions before and after.
	Before, After int64
	// Pending are the migrations that were (or, in a dry run, would be)
	// applied.
	Pending []Pending
}

// Migrate applies every pending migration of opts (the embedded ones
// unless opts.Migrations is set) under an advisory lock, so that several
// processes migrating at once apply each migration once; with dryRun it
// only lists them. It refuses a database whose minimum-compatible
// version is past the migrations this release knows.
func Migrate(ctx context.Context, opts Options, dryRun bool) (MigrationResult, error) {
	opts = opts.withDefaults()
	pool, err := newPool(ctx, migrationPool(opts))
	if err != nil {
		return MigrationResult{}, err
	}
	defer pool.Close()
	return migrate(ctx, pool, opts, dryRun)
}

// migrationPool are the options of the short-lived pool migrations and
// the schema checks run on: apart from the store's pool, and large
// enough for the lock's connection beside goose's (whatever max_conns).
func migrationPool(opts Options) Options {
	opts.MaxConns = 3
	return opts
}

// migrate is Migrate on an open pool.
func migrate(ctx context.Context, pool *pgxpool.Pool, opts Options, dryRun bool) (MigrationResult, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return MigrationResult{}, fmt.Errorf("connect to migrate: %w", err)
	}
	// The lock is the session's: it lasts until unlocked or until the
	// connection ends, whatever happens to this process.
	lockKey := advisoryKey("migrate/" + opts.Schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		conn.Release()
		return MigrationResult{}, fmt.Errorf("take the migration lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
			// Closing the connection drops the lock with it.
			_ = conn.Conn().Close(context.Background())
		}
		conn.Release()
	}()
	if !dryRun {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{opts.Schema}.Sanitize()); err != nil {
			return MigrationResult{}, fmt.Errorf("create schema %s: %w", opts.Schema, err)
		}
	}
	var res MigrationResult
	before, known, err := versions(ctx, pool, opts)
	if err != nil {
		return res, err
	}
	res.Before, res.After = before, before
	if err := checkNewer(ctx, pool, opts, known); err != nil {
		return res, err
	}
	for _, m := range known {
		if m.Version > before {
			res.Pending = append(res.Pending, m)
		}
	}
	if dryRun || len(res.Pending) == 0 {
		return res, nil
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := provider(db, opts)
	if err != nil {
		return res, err
	}
	if _, err := p.Up(ctx); err != nil {
		return res, fmt.Errorf("apply migrations: %w", err)
	}
	if res.After, err = p.GetDBVersion(ctx); err != nil {
		return res, fmt.Errorf("read schema version: %w", err)
	}
	return res, nil
}

// provider returns goose's migrator for opts on db.
func provider(db *sql.DB, opts Options) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, db, opts.Migrations,
		goose.WithTableName(versionTable), goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// versions returns the database's schema version (0 when it has none)
// and the migrations of opts.
func versions(ctx context.Context, pool *pgxpool.Pool, opts Options) (int64, []Pending, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := provider(db, opts)
	if err != nil {
		return 0, nil, err
	}
	var known []Pending
	for _, s := range p.ListSources() {
		known = append(known, Pending{Version: s.Version, Name: baseName(s.Path)})
	}
	var exists bool
	err = pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", pgx.Identifier{opts.Schema, versionTable}.Sanitize()).Scan(&exists)
	if err != nil {
		return 0, nil, fmt.Errorf("look for the schema version table: %w", err)
	}
	if !exists {
		return 0, known, nil
	}
	var v int64
	err = pool.QueryRow(ctx, "SELECT coalesce(max(version_id), 0) FROM "+pgx.Identifier{opts.Schema, versionTable}.Sanitize()+" WHERE is_applied").Scan(&v)
	if err != nil {
		return 0, nil, fmt.Errorf("read schema version: %w", err)
	}
	return v, known, nil
}

// baseName is the file name of a path.
func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}

// newest is the newest of the known migrations.
func newest(known []Pending) int64 {
	var n int64
	for _, m := range known {
		n = max(n, m.Version)
	}
	return n
}

// ErrSchemaTooNew is returned when the database was migrated by a newer
// release past what this one can run on.
var ErrSchemaTooNew = errors.New("the database schema is too new for this release")

// ErrSchemaTooOld is returned when the database lacks migrations this
// release needs.
var ErrSchemaTooOld = errors.New("the database schema is too old for this release")

// checkNewer refuses a database whose minimum-compatible version is past
// the newest migration this release knows.
func checkNewer(ctx context.Context, pool *pgxpool.Pool, opts Options, known []Pending) error {
	var exists bool
	err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", pgx.Identifier{opts.Schema, "acp_schema_compat"}.Sanitize()).Scan(&exists)
	if err != nil {
		return fmt.Errorf("look for the schema compatibility table: %w", err)
	}
	if !exists {
		return nil
	}
	var minCompat int64
	err = pool.QueryRow(ctx, "SELECT min_compatible FROM "+pgx.Identifier{opts.Schema, "acp_schema_compat"}.Sanitize()).Scan(&minCompat)
	if err != nil {
		return fmt.Errorf("read the schema compatibility: %w", err)
	}
	if n := newest(known); minCompat > n {
		return fmt.Errorf("%w: the database in schema %q needs a release that knows migration %d, this one knows up to %d; upgrade this binary",
			ErrSchemaTooNew, opts.Schema, minCompat, n)
	}
	return nil
}

// checkSchema refuses a database this release cannot run on, migrating it
// first when opts.MigrateOnStart.
func checkSchema(ctx context.Context, opts Options, logger *slog.Logger) error {
	pool, err := newPool(ctx, migrationPool(opts))
	if err != nil {
		return err
	}
	defer pool.Close()
	if opts.MigrateOnStart {
		res, err := migrate(ctx, pool, opts, false)
		if err != nil {
			return err
		}
		if len(res.Pending) > 0 {
			logger.Info("store migrated", "schema", opts.Schema, "from", res.Before, "to", res.After)
		}
	}
	v, known, err := versions(ctx, pool, opts)
	if err != nil {
		return err
	}
	if err := checkNewer(ctx, pool, opts, known); err != nil {
		return err
	}
	if v < OldestSchema {
		return fmt.Errorf("%w: schema %q is at version %d, this release needs %d: run `acp migrate` (or set store.postgres.migrate_on_start)",
			ErrSchemaTooOld, opts.Schema, v, OldestSchema)
	}
	return nil
}

// advisoryKey is a PostgreSQL advisory lock key for name.
func advisoryKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("acp/" + name))
	return int64(h.Sum64())
}
