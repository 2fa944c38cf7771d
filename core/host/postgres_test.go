package host_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/logging"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

// postgresTestConfig is the test config on the postgres driver, its DSN
// in ACP_TEST_DSN.
func postgresTestConfig(t *testing.T, migrate bool) *config.Config {
	t.Helper()
	cfg := loadTestConfig(t, t.TempDir())
	cfg.Store.Driver = config.StorePostgres
	cfg.Store.Postgres.DSNEnv = "ACP_TEST_DSN"
	cfg.Store.Postgres.MigrateOnStart = migrate
	return cfg
}

// TestPostgresReplicas: two servers on one database serve one session:
// created on the first, updated on the second, read back on the first;
// each reports its database on /readyz and its pool on /metrics.
func TestPostgresReplicas(t *testing.T) {
	env := map[string]string{"ACP_TEST_DSN": pgtest.DSN(t)}
	a := startServerEnv(t, postgresTestConfig(t, true), env)
	b := startServerEnv(t, postgresTestConfig(t, true), env)

	created := a.do(t, request{path: "/checkout_sessions", body: createBody})
	wantStatus(t, created, http.StatusCreated)
	id := created.json(t)["id"].(string)
	updated := b.do(t, request{path: "/checkout_sessions/" + id, body: addressBody})
	wantStatus(t, updated, http.StatusOK)
	if status(t, updated) != "ready_for_payment" {
		t.Fatalf("update on the second replica: %s", updated.body)
	}
	got := a.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	wantStatus(t, got, http.StatusOK)
	if !bytes.Equal(got.body, updated.body) {
		t.Errorf("the first replica reads\n%s\nthe second wrote\n%s", got.body, updated.body)
	}
	completed := b.do(t, request{path: "/checkout_sessions/" + id + "/complete", body: fmt.Sprintf(completeBody, "spt_ok")})
	wantStatus(t, completed, http.StatusOK)
	order, _ := completed.json(t)["order"].(map[string]any)
	if status(t, completed) != "completed" || order == nil {
		t.Fatalf("complete on the second replica: %s", completed.body)
	}
	again := a.do(t, request{method: http.MethodGet, path: "/checkout_sessions/" + id})
	if status(t, again) != "completed" || !bytes.Contains(again.body, []byte(order["id"].(string))) {
		t.Errorf("the first replica after the second completed: %s", again.body)
	}

	// A path segment PostgreSQL text cannot hold is an unknown session.
	wantStatus(t, a.do(t, request{method: http.MethodGet, path: "/checkout_sessions/cs_%FF%00"}), http.StatusNotFound)

	ready := a.do(t, request{method: http.MethodGet, path: "/readyz", noAuth: true, noVersion: true})
	wantStatus(t, ready, http.StatusOK)
	if !bytes.Contains(ready.body, []byte(`"store":{"driver":"postgres","state":"ready"}`)) {
		t.Errorf("/readyz = %s; want the database reported ready", ready.body)
	}
	metrics := a.do(t, request{method: http.MethodGet, path: "/metrics", noAuth: true, noVersion: true})
	if !bytes.Contains(metrics.body, []byte("acp_store_pool_max_connections 10")) {
		t.Errorf("/metrics lacks the pool's metrics:\n%.2000s", metrics.body)
	}
	if strings.Contains(a.logs.String(), env["ACP_TEST_DSN"]) {
		t.Error("the DSN was logged")
	}
}

// TestPostgresRefusesUnmigrated: without migrate_on_start, a database
// lacking the schema is refused with the command that fixes it; an unset
// DSN variable is a problem of CheckSecrets.
func TestPostgresRefusesUnmigrated(t *testing.T) {
	env := map[string]string{"ACP_TEST_DSN": pgtest.DSN(t)}
	cfg := postgresTestConfig(t, false)
	_, err := host.New(cfg, logging.New(io.Discard, slog.LevelWarn), func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "acp migrate") {
		t.Errorf("host.New on an unmigrated database = %v; want a refusal naming acp migrate", err)
	}
	if err := host.CheckDatabase(context.Background(), cfg, func(k string) string { return env[k] }); err == nil {
		t.Error("CheckDatabase of an unmigrated database: no problem")
	}
	problems := host.CheckSecrets(cfg, func(string) string { return "" })
	if len(problems) != 1 || problems[0].Path != "store.postgres.dsn_env" {
		t.Errorf("CheckSecrets without the DSN = %v; want one problem at store.postgres.dsn_env", problems)
	}
	problems = host.CheckSecrets(cfg, func(string) string { return "host=%zz port=notaport" })
	if len(problems) != 1 || strings.Contains(problems[0].Message, "notaport") {
		t.Errorf("CheckSecrets with a bad DSN = %v; want one problem that does not quote it", problems)
	}
}

// TestStoreWarnings: a catalog plugin counting stock per host is warned of
// with the postgres driver only.
func TestStoreWarnings(t *testing.T) {
	cases := map[string]struct {
		driver, command, catalog string
		want                     int
	}{
		"per-host plugin on postgres":        {config.StorePostgres, "/opt/acp/acp-plugin-catalog-file", "files", 1},
		"per-host plugin on badger":          {config.StoreBadger, "/opt/acp/acp-plugin-catalog-file", "files", 0},
		"other catalog plugin":               {config.StorePostgres, "/opt/acp/shop-catalog", "files", 0},
		"per-host plugin serving no catalog": {config.StorePostgres, "/opt/acp/acp-plugin-catalog-file", config.Builtin, 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := &config.Config{}
			cfg.Store.Driver = c.driver
			cfg.Plugins = []config.Plugin{{Name: "files", Command: c.command}}
			cfg.Capabilities.Catalog = c.catalog
			if got := host.StoreWarnings(cfg); len(got) != c.want {
				t.Errorf("StoreWarnings = %v; want %d", got, c.want)
			}
		})
	}
}
