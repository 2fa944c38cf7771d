package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/model"
	"github.com/acp-sidecar/acp/core/store"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

// withExtra returns the embedded migrations plus extra (file name to
// SQL): a later release's migrations, for the rolling-upgrade tests.
func withExtra(t *testing.T, extra map[string]string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Migrations(), path)
		m[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, sql := range extra {
		m[name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return m
}

// expand is a later release's expand migration (expandName, the next
// after the embedded ones): it adds and removes nothing the releases
// before use.
const expand = `-- +goose Up
ALTER TABLE orders ADD COLUMN channel text;
-- +goose Down
ALTER TABLE orders DROP COLUMN channel;
`

// expandName and contractName are the file names of a later release's
// migrations: the two versions after the newest embedded one.
func expandName() string   { return fmt.Sprintf("%05d_expand.sql", NewestSchema()+1) }
func contractName() string { return fmt.Sprintf("%05d_contract.sql", NewestSchema()+2) }

// contract is a later release's contract migration (contractName):
// releases that do not know it must no longer run.
func contract() string {
	return fmt.Sprintf(`-- +goose Up
UPDATE acp_schema_compat SET min_compatible = %d;
-- +goose Down
UPDATE acp_schema_compat SET min_compatible = 1;
`, NewestSchema()+2)
}

func query[T any](t *testing.T, dsn, sql string) T {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// TestMigrateFromEmpty: a dry run lists the migration and changes
// nothing; the run applies it; a second run has nothing to do; the store
// refuses to open an unmigrated database and names `acp migrate`.
func TestMigrateFromEmpty(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	opts := Options{DSN: dsn}
	if _, err := Open(ctx, opts); !errors.Is(err, ErrSchemaTooOld) || !strings.Contains(err.Error(), "acp migrate") {
		t.Errorf("Open of an empty database = %v; want ErrSchemaTooOld naming acp migrate", err)
	}
	res, err := Migrate(ctx, opts, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Before != 0 || res.After != 0 || len(res.Pending) != int(NewestSchema()) || res.Pending[0].Name != "00001_initial.sql" {
		t.Errorf("dry run = %+v; want every embedded migration pending, from 00001_initial.sql", res)
	}
	if n := query[int64](t, dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'acp'"); n != 0 {
		t.Error("the dry run created the schema")
	}
	if res, err = Migrate(ctx, opts, false); err != nil || res.After != NewestSchema() || len(res.Pending) != int(NewestSchema()) {
		t.Fatalf("Migrate = %+v, %v; want version %d", res, err, NewestSchema())
	}
	if res, err = Migrate(ctx, opts, false); err != nil || res.Before != NewestSchema() || len(res.Pending) != 0 {
		t.Errorf("second Migrate = %+v, %v; want nothing to do", res, err)
	}
	s, err := Open(ctx, opts)
	if err != nil {
		t.Fatalf("Open after Migrate: %v", err)
	}
	_ = s.Close()
}

// TestMigrateOnStartTogether: eight replicas starting at once with
// migrate_on_start apply the migration once, under the advisory lock, and
// all open.
func TestMigrateOnStartTogether(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s, err := Open(context.Background(), Options{DSN: dsn, MigrateOnStart: true, MaxConns: 2})
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			_ = s.Close()
		})
	}
	wg.Wait()
	if n := query[int64](t, dsn, "SELECT count(*) FROM acp.acp_schema_migrations WHERE version_id = 1"); n != 1 {
		t.Errorf("migration 1 recorded %d times; want once", n)
	}
}

// TestRollingUpgrade: a release that knows a newer, expanding migration
// migrates the database, and the older release (the embedded migrations
// only) keeps serving beside it on the same records; once a contracting
// migration declares the older release incompatible, it refuses to open,
// and a release needing a migration the database lacks refuses too.
func TestRollingUpgrade(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	oldStore := open(t, Options{DSN: dsn})
	newer := withExtra(t, map[string]string{expandName(): expand})
	if _, err := Migrate(ctx, Options{DSN: dsn, Migrations: newer}, false); err != nil {
		t.Fatal(err)
	}
	newStore := open(t, Options{DSN: dsn, Migrations: newer})
	again, err := Open(ctx, Options{DSN: dsn})
	if err != nil {
		t.Fatalf("the older release after an expand migration: %v", err)
	}
	_ = again.Close()
	o := &model.Order{ID: "ord_1", PaymentID: "pi_1", CreatedAt: time.Now()}
	if err := newStore.Update(ctx, func(tx store.Tx) error { return tx.PutOrder(o) }); err != nil {
		t.Fatal(err)
	}
	if err := oldStore.View(ctx, func(r store.Reader) error { _, err := r.OrderByPayment("pi_1"); return err }); err != nil {
		t.Errorf("the older release reading the newer one's order: %v", err)
	}

	newest := withExtra(t, map[string]string{expandName(): expand, contractName(): contract()})
	if _, err := Migrate(ctx, Options{DSN: dsn, Migrations: newest}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Options{DSN: dsn}); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("the older release after a contract migration = %v; want ErrSchemaTooNew", err)
	}
	if _, err := Migrate(ctx, Options{DSN: dsn}, true); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("the older release's migrate after a contract migration = %v; want ErrSchemaTooNew", err)
	}
	s, err := Open(ctx, Options{DSN: dsn, Migrations: newest})
	if err != nil {
		t.Fatalf("the newest release: %v", err)
	}
	_ = s.Close()
}

// TestSchemaWindow: this release runs on schemas from OldestSchema to the
// newest migration it embeds.
func TestSchemaWindow(t *testing.T) {
	if n := NewestSchema(); n < 1 || OldestSchema > n {
		t.Errorf("schema window %d to %d; want OldestSchema within the embedded migrations", OldestSchema, n)
	}
	n := NewestSchema()
	extended := withExtra(t, map[string]string{expandName(): expand, contractName(): contract(), "README.md": "x"})
	if got := migrationVersions(fileNames(extended)); len(got) != int(n)+2 {
		t.Errorf("versions of the extended migrations = %v; want %d", got, n+2)
	}
	// A build with knownUpTo set knows the migrations up to it only.
	older := upTo{extended, n + 1}
	if got := migrationVersions(fileNames(older)); len(got) != int(n)+1 || slices.Max(got) != n+1 {
		t.Errorf("versions up to %d = %v; want 1 to %d", n+1, got, n+1)
	}
	if _, err := fs.ReadFile(older, contractName()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reading a hidden migration = %v; want ErrNotExist", err)
	}
	knownUpTo = "0"
	defer func() { knownUpTo = "" }()
	if n := NewestSchema(); n != 0 {
		t.Errorf("NewestSchema of a build knowing no migration = %d", n)
	}
}

// TestRollingUpgradeBuilds: the build knowing one migration fewer (the
// embedded migrations as knownUpTo=NewestSchema()-1 makes them) runs
// beside the current one on the database the current one migrated,
// through goose: the newest embedded migration (00003, the feed records'
// tables) expands only, so min_compatible stays 1.
func TestRollingUpgradeBuilds(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	current := Migrations()
	n := NewestSchema()
	previous := upTo{current, n - 1}
	if res, err := Migrate(ctx, Options{DSN: dsn, Migrations: previous}, false); err != nil || res.After != n-1 {
		t.Fatalf("the previous build's migrate = %+v, %v; want version %d", res, err, n-1)
	}
	// This release refuses the database until it is migrated to
	// OldestSchema (00003, whose tables hold the feed records).
	s, err := Open(ctx, Options{DSN: dsn})
	if err == nil {
		_ = s.Close()
	}
	if refused := errors.Is(err, ErrSchemaTooOld); refused != (OldestSchema > n-1) {
		t.Errorf("Open of a database at schema %d = %v; want refused exactly when OldestSchema (%d) is past it", n-1, err, OldestSchema)
	}
	if res, err := Migrate(ctx, Options{DSN: dsn, Migrations: current}, false); err != nil || res.After != n {
		t.Fatalf("the current build's migrate = %+v, %v; want version %d", res, err, n)
	}
	if got := query[int64](t, dsn, "SELECT min_compatible FROM acp.acp_schema_compat"); got != 1 {
		t.Errorf("min_compatible after the expand migration %d = %d; want 1", n, got)
	}
	a := open(t, Options{DSN: dsn, Migrations: previous})
	b := open(t, Options{DSN: dsn, Migrations: current})
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.PutSession(&model.Session{ID: "cs_r"}) }); err != nil {
		t.Fatal(err)
	}
	if err := a.View(ctx, func(r store.Reader) error { _, err := r.Session("cs_r"); return err }); err != nil {
		t.Errorf("the previous build reading the current one's session: %v", err)
	}
}

// TestStockCountsNotNegative: migration 00002's constraint refuses a
// stock count below zero, such as a reservation of a negative quantity
// would make, and the transaction fails instead of storing it.
func TestStockCountsNotNegative(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{})
	err := s.UpdateStock(ctx, []string{"sku_c"}, func(tx store.Tx) error {
		return tx.PutStockLevel(&model.StockLevel{SKU: "sku_c", OnHand: 2, UpdatedAt: time.Now().UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"negative on hand", func(tx store.Tx) error {
			return tx.PutStockLevel(&model.StockLevel{SKU: "sku_c", OnHand: -1, UpdatedAt: time.Now().UTC()})
		}},
		{"negative reservation", func(tx store.Tx) error { _, _, err := tx.ReserveStock("sku_c", -1); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.UpdateStock(ctx, []string{"sku_c"}, tt.fn)
			if err == nil || !strings.Contains(err.Error(), "stock_levels_counts_not_negative") {
				t.Errorf("UpdateStock = %v; want the constraint's refusal", err)
			}
			if l, err := levelOf(ctx, s, "sku_c"); err != nil || l.OnHand != 2 || l.Reserved != 0 {
				t.Errorf("level after the refusal = %+v, %v; want on hand 2, none reserved", l, err)
			}
		})
	}
}
