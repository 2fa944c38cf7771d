package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// benchDSNEnv is the variable the PostgreSQL store reads its DSN from
// (store.postgres.dsn_env).
const benchDSNEnv = "ACP_BENCH_DATABASE_URL"

// benchMaxConns is the PostgreSQL store's pool size in the run.
const benchMaxConns = 16

// postgresStore is the store section of the PostgreSQL configuration.
func postgresStore() string {
	return fmt.Sprintf("store:\n  driver: postgres\n  postgres:\n    dsn_env: %s\n    max_conns: %d\n", benchDSNEnv, benchMaxConns)
}

// database is a database made for the run on a PostgreSQL server.
type database struct {
	// dsn reaches the database; server the server's maintenance database.
	dsn, server, name string
	// version is the server's version string.
	version string
}

// createDatabase makes a fresh database on the server at server.
func createDatabase(server string) (*database, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	db := &database{server: server, name: "acp_bench_" + hex.EncodeToString(b[:])}
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&db.version); err != nil {
		return nil, fmt.Errorf("PostgreSQL version: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db.name); err != nil {
		return nil, fmt.Errorf("create the benchmark database: %w", err)
	}
	u, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL DSN: %w", err)
	}
	u.Path = "/" + db.name
	db.dsn = u.String()
	return db, nil
}

// drop removes the database.
func (db *database) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.server)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db.name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop the benchmark database: %w", err)
	}
	return nil
}

// startPostgres makes the run's database, migrates it with `acp migrate`
// and starts the demo store on it.
func (b *bench) startPostgres() (*server, error) {
	db, err := createDatabase(b.postgres)
	if err != nil {
		return nil, err
	}
	b.db = db
	s, err := b.startServer("postgres", "acp.yaml", "", false, false, db.dsn)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// migrate runs `acp migrate` on a config written by startServer.
func (b *bench) migrate(config, dsn string) error {
	cmd := exec.Command(filepath.Join(b.bin, "acp"), "migrate", "--config", config)
	cmd.Env = []string{benchDSNEnv + "=" + dsn}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("acp migrate: %w\n%s", err, out)
	}
	return nil
}

// printPostgres writes the PostgreSQL section's figures: create alone
// and the full flow on the demo store on PostgreSQL against the same
// store on Badger, measured in the same rounds.
func (b *bench) printPostgres() {
	p := &b.pgFigures
	if b.db == nil {
		fmt.Fprintf(p, "Not measured in this run: %s.\n\n", b.pgSkipped)
		return
	}
	res := b.results
	fmt.Fprintf(p, "PostgreSQL %s on the same machine, a database made for the run; `store.postgres.max_conns: %d`. Closed loop, %d connections, acp load, %s of %s.\n\n",
		strings.Fields(b.db.version)[0], benchMaxConns, b.connections, plural(b.rounds, "round"), b.round)
	fmt.Fprintf(p, "| Measure | demo on Badger | demo on PostgreSQL | PostgreSQL / Badger |\n|---|---|---|---|\n")
	cb, cp := res["create/demo/acp"], res["create/postgres/acp"]
	fmt.Fprintf(p, "| create alone (creates/s) | %s | %s | %s |\n", cb.format(0), cp.format(0), cp.ratios(cb).format(2))
	fb, fp := res["full/demo"], res["full/postgres"]
	fmt.Fprintf(p, "| full flow (req/s) | %s | %s | %s |\n", fb.format(0), fp.format(0), fp.ratios(fb).format(2))
	lb, lp := res["flows/demo"], res["flows/postgres"]
	fmt.Fprintf(p, "| full flow (flows/s) | %s | %s | %s |\n", lb.format(0), lp.format(0), lp.ratios(lb).format(2))
	fmt.Fprintf(p, "| create alone, p99 (ms) | %s | %s | %s |\n\n",
		res["create-p99/demo/acp"].format(2), res["create-p99/postgres/acp"].format(2), res["create-p99/postgres/acp"].ratios(res["create-p99/demo/acp"]).format(2))
}
