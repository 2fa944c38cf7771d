package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/core/store/badgerstore"
	"github.com/acp-sidecar/acp/core/store/pgstore"
	"github.com/acp-sidecar/acp/core/store/storetest"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// postgresConfig writes the demo config switched to the postgres driver,
// its DSN read from ACP_TEST_DSN.
func postgresConfig(t *testing.T) string {
	t.Helper()
	demo, err := os.ReadFile("../../acp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(demo), "store:\n", "store:\n  driver: postgres\n  postgres:\n    dsn_env: ACP_TEST_DSN\n", 1)
	return writeFile(t, "acp.yaml", cfg)
}

// envOf is a getenv reading env.
func envOf(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func schemaExists(t *testing.T, dsn string) bool {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'acp'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestMigrateCommand: --dry-run lists the migration and changes nothing;
// migrate applies it, once; a Badger store holding every record kind is
// copied in whole, refused a second time and copied again with
// --overwrite; the DSN is never printed.
func TestMigrateCommand(t *testing.T) {
	dsn := pgtest.DSN(t)
	env := map[string]string{"ACP_TEST_DSN": dsn}
	cfg := postgresConfig(t)

	code, out, errOut := runWithEnv(envOf(env), "migrate", "--config", cfg, "--dry-run")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d pending (dry run", pgstore.NewestSchema())) || !strings.Contains(out, "00001_initial.sql") {
		t.Fatalf("migrate --dry-run = %d\n%s%s", code, out, errOut)
	}
	if schemaExists(t, dsn) {
		t.Fatal("migrate --dry-run created the schema")
	}
	if code, out, errOut = runWithEnv(envOf(env), "migrate", "--config", cfg); code != 0 || !strings.Contains(out, fmt.Sprintf("from version 0 to %d", pgstore.NewestSchema())) {
		t.Fatalf("migrate = %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = runWithEnv(envOf(env), "migrate", "--config", cfg); code != 0 || !strings.Contains(out, "no migration pending") {
		t.Fatalf("migrate again = %d\n%s%s", code, out, errOut)
	}

	dir := filepath.Join(t.TempDir(), "data")
	src, err := badgerstore.Open(badgerstore.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	data := storetest.Fill(t, src)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runWithEnv(envOf(env), "migrate", "--config", cfg, "--from-badger", dir)
	want := "4 sessions, 4 orders, 4 idempotency records, 3 stock levels, 4 reservations, 4 failed orders, 3 feed targets, 9 feed products, 4 pending and 1 dead webhook events"
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("migrate --from-badger = %d\n%s%s\nwant %q", code, out, errOut, want)
	}
	verify := func() {
		t.Helper()
		dst, err := pgstore.Open(context.Background(), pgstore.Options{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		storetest.Verify(t, dst, data)
	}
	verify()
	if code, out, errOut = runWithEnv(envOf(env), "migrate", "--config", cfg, "--from-badger", dir); code != 1 || !strings.Contains(errOut, "already holds records") {
		t.Errorf("a second --from-badger = %d\n%s%s; want refused", code, out, errOut)
	}
	if code, out, errOut = runWithEnv(envOf(env), "migrate", "--config", cfg, "--from-badger", dir, "--overwrite"); code != 0 || !strings.Contains(out, want) {
		t.Errorf("--from-badger --overwrite = %d\n%s%s", code, out, errOut)
	}
	verify()
	for _, s := range []string{out, errOut} {
		if strings.Contains(s, dsn) {
			t.Error("the DSN was printed")
		}
	}
	// The order commands read the database the copy went to.
	if code, out, errOut := runWithEnv(envOf(env), "orders", "list", "--config", cfg); code != 0 || !strings.Contains(out, "ord_fill_3") {
		t.Errorf("orders list on the database = %d\n%s%s; want the copied orders", code, out, errOut)
	}

}

// TestMigrateRefuses: the badger driver, a missing DSN and a missing
// Badger directory are refused with a message, and nothing runs.
func TestMigrateRefuses(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg := postgresConfig(t)
	cases := map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"badger driver": {nil, []string{"migrate", "--config", "../../acp.yaml"}, "acp migrate is for the postgres driver"},
		"no DSN":        {nil, []string{"migrate", "--config", cfg}, "ACP_TEST_DSN is not set"},
		"no directory":  {map[string]string{"ACP_TEST_DSN": dsn}, []string{"migrate", "--config", cfg, "--from-badger", filepath.Join(t.TempDir(), "none")}, "no such file"},
		"dry run copy":  {map[string]string{"ACP_TEST_DSN": dsn}, []string{"migrate", "--config", cfg, "--dry-run", "--from-badger", "x"}, "cannot be combined"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runWithEnv(envOf(c.env), c.args...)
			if code == 0 || !strings.Contains(errOut, c.want) {
				t.Errorf("= %d\n%s%s\nwant an error containing %q", code, out, errOut, c.want)
			}
		})
	}
}

// TestMigrateCheckLive: check --live connects to the database and asks
// for acp migrate until it has run; check warns of a catalog plugin that
// counts stock per host with the postgres driver.
func TestMigrateCheckLive(t *testing.T) {
	env := map[string]string{"ACP_TEST_DSN": pgtest.DSN(t)}
	cfg := postgresConfig(t)
	code, out, errOut := runWithEnv(envOf(env), "check", "--config", cfg, "--live")
	if code != 1 || !strings.Contains(out, "store.postgres") || !strings.Contains(out, "acp migrate") {
		t.Errorf("check --live of an unmigrated database = %d\n%s%s; want a problem naming acp migrate", code, out, errOut)
	}
	if code, out, errOut = runWithEnv(envOf(env), "migrate", "--config", cfg); code != 0 {
		t.Fatalf("migrate = %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut = runWithEnv(envOf(env), "check", "--config", cfg, "--live"); code != 0 || !strings.Contains(out, "live checks passed") {
		t.Errorf("check --live of a migrated database = %d\n%s%s", code, out, errOut)
	}

	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withPlugin := writeFile(t, "plugin.yaml", string(data)+"\ncapabilities:\n  catalog: files\nplugins:\n  - name: files\n    command: /opt/acp/acp-plugin-catalog-file\n")
	code, out, errOut = runWithEnv(envOf(env), "check", "--config", withPlugin)
	if code != 0 || !strings.Contains(out, "warning: plugins[0]: acp-plugin-catalog-file counts stock on the host") {
		t.Errorf("check with a per-host stock plugin = %d\n%s%s; want a warning", code, out, errOut)
	}
}

// TestMigrateEncryptedBadger: an encrypted Badger store is copied with
// its key from the variable --badger-key-env names, and refused without.
func TestMigrateEncryptedBadger(t *testing.T) {
	key := strings.Repeat("ab", 32)
	env := map[string]string{"ACP_TEST_DSN": pgtest.DSN(t), "OLD_STORE_KEY": key}
	cfg := postgresConfig(t)
	dir := filepath.Join(t.TempDir(), "data")
	raw, err := hex.DecodeString(key)
	if err != nil {
		t.Fatal(err)
	}
	src, err := badgerstore.Open(badgerstore.Options{Dir: dir, EncryptionKey: raw})
	if err != nil {
		t.Fatal(err)
	}
	data := storetest.Fill(t, src)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runWithEnv(envOf(env), "migrate", "--config", cfg, "--from-badger", dir); code != 1 {
		t.Errorf("--from-badger of an encrypted store without its key = %d\n%s%s; want refused", code, out, errOut)
	}
	if code, out, errOut := runWithEnv(envOf(env), "migrate", "--config", cfg, "--from-badger", dir, "--badger-key-env", "OLD_STORE_KEY"); code != 0 {
		t.Fatalf("--from-badger with the key = %d\n%s%s", code, out, errOut)
	}
	dst, err := pgstore.Open(context.Background(), pgstore.Options{DSN: env["ACP_TEST_DSN"]})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	storetest.Verify(t, dst, data)
}
