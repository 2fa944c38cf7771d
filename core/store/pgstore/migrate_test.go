package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

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

// expand is a later release's expand migration: it adds and removes
// nothing the first release uses.
const expand = `-- +goose Up
ALTER TABLE orders ADD COLUMN channel text;
-- +goose Down
ALTER TABLE orders DROP COLUMN channel;
`

// contract is a later release's contract migration: releases that do not
// know it must no longer run.
const contract = `-- +goose Up
UPDATE acp_schema_compat SET min_compatible = 3;
-- +goose Down
UPDATE acp_schema_compat SET min_compatible = 1;
`

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
	if res.Before != 0 || res.After != 0 || len(res.Pending) != 1 || res.Pending[0].Name != "00001_initial.sql" {
		t.Errorf("dry run = %+v; want one pending 00001_initial.sql", res)
	}
	if n := query[int64](t, dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'acp'"); n != 0 {
		t.Error("the dry run created the schema")
	}
	if res, err = Migrate(ctx, opts, false); err != nil || res.After != 1 || len(res.Pending) != 1 {
		t.Fatalf("Migrate = %+v, %v; want version 1", res, err)
	}
	if res, err = Migrate(ctx, opts, false); err != nil || res.Before != 1 || len(res.Pending) != 0 {
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
	newer := withExtra(t, map[string]string{"00002_expand.sql": expand})
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

	newest := withExtra(t, map[string]string{"00002_expand.sql": expand, "00003_contract.sql": contract})
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

// TestPurge: what is past its expiry or retention goes, the rest stays.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{SessionRetention: time.Hour})
	now := time.Now()
	err := s.Update(ctx, func(tx store.Tx) error {
		for i, exp := range []time.Duration{time.Minute, 10 * time.Hour} {
			id := []string{"cs_short", "cs_long"}[i]
			if err := tx.PutSession(&model.Session{ID: id, Status: model.StatusCompleted, ExpiresAt: now.Add(exp)}); err != nil {
				return err
			}
			if err := tx.PutIdempotencyRecord(id, &model.IdempotencyRecord{ExpiresAt: now.Add(exp), Status: 200}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FirstUse(ctx, "sig/1", time.Minute); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return now.Add(2 * time.Hour) }
	n, err := s.Purge(ctx)
	if err != nil || n != 3 {
		t.Errorf("Purge = %d, %v; want 3 rows (a session, an idempotency record, a one-time key)", n, err)
	}
	s.now = time.Now
	err = s.View(ctx, func(r store.Reader) error {
		if _, err := r.Session("cs_short"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("purged session: %v", err)
		}
		if _, err := r.Session("cs_long"); err != nil {
			t.Errorf("kept session: %v", err)
		}
		if _, err := r.IdempotencyRecord("cs_long"); err != nil {
			t.Errorf("kept record: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if first, _ := s.FirstUse(ctx, "sig/1", time.Minute); !first {
		t.Error("a purged one-time key is still known")
	}
}

// TestWatchOutbox: an event committed by one replica wakes another's
// watcher; the watcher takes no connection of the pool (a pool of one
// still serves transactions).
func TestWatchOutbox(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn, MaxConns: 1})
	b := open(t, Options{DSN: dsn})
	ctx, cancel := context.WithCancel(context.Background())
	woken := make(chan struct{}, 16)
	done := make(chan error)
	go func() { done <- a.WatchOutbox(ctx, func() { woken <- struct{}{} }) }()
	deadline := time.After(30 * time.Second)
	for got := false; !got; {
		// The watcher may not listen yet: commit until it is woken.
		e := &model.WebhookEvent{ID: "evt_1", OrderID: "ord_1", State: model.EventPending}
		if err := b.Update(context.Background(), func(tx store.Tx) error { return tx.PutWebhookEvent(e) }); err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
			got = true
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("the watcher was never woken")
		}
	}
	short, cancelShort := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShort()
	if err := a.Update(short, func(tx store.Tx) error { return tx.PutSession(&model.Session{ID: "cs_1"}) }); err != nil {
		t.Errorf("Update beside the watcher with a pool of one: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("WatchOutbox: %v", err)
	}
}

// TestMetrics: the pool and retry metrics reach the registry.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := open(t, Options{Registry: reg, MaxConns: 7})
	if err := s.View(context.Background(), func(r store.Reader) error { _, err := r.Orders("", 1); return err }); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			got[f.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	if got["acp_store_pool_max_connections"] != 7 || got["acp_store_pool_acquires_total"] < 1 {
		t.Errorf("metrics %v; want a pool of 7 with acquires", got)
	}
	if _, ok := got["acp_store_tx_retries_exhausted_total"]; !ok {
		t.Error("no retry metric")
	}
}

// TestReleaseNotifies: a release by one replica reaches the waiters of
// another through the lease channel, not only through polling.
func TestReleaseNotifies(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn})
	b := open(t, Options{DSN: dsn})
	woken, unsubscribe := b.releases.subscribe("session/cs_n")
	defer unsubscribe()
	b.listenReleases()
	deadline := time.After(30 * time.Second)
	for got := false; !got; {
		// b's listener may not listen yet: release until it is woken.
		l, err := a.Leases().Acquire(ctx, "session/cs_n", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Leases().Release(ctx, l); err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
			got = true
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("the release never reached the other replica")
		}
	}
}

// TestSchemaWindow: this release runs on schemas from OldestSchema to the
// newest migration it embeds.
func TestSchemaWindow(t *testing.T) {
	if n := NewestSchema(); n < 1 || OldestSchema > n {
		t.Errorf("schema window %d to %d; want OldestSchema within the embedded migrations", OldestSchema, n)
	}
	extended := withExtra(t, map[string]string{"00002_expand.sql": expand, "00003_contract.sql": contract, "README.md": "x"})
	if got := migrationVersions(fileNames(extended)); len(got) != 3 {
		t.Errorf("versions of the extended migrations = %v; want three", got)
	}
	// A build with knownUpTo set knows the migrations up to it only.
	older := upTo{extended, 2}
	if got := migrationVersions(fileNames(older)); fmt.Sprint(got) != "[1 2]" {
		t.Errorf("versions up to 2 = %v; want [1 2]", got)
	}
	if _, err := fs.ReadFile(older, "00003_contract.sql"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reading a hidden migration = %v; want ErrNotExist", err)
	}
	knownUpTo = "0"
	defer func() { knownUpTo = "" }()
	if n := NewestSchema(); n != 0 {
		t.Errorf("NewestSchema of a build knowing no migration = %d", n)
	}
}

// TestRollingUpgradeBuilds: the build knowing one migration fewer (the
// migrations of an upTo filesystem, as knownUpTo makes them) runs beside
// the current one on the database the current one migrated, through goose.
func TestRollingUpgradeBuilds(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	current := withExtra(t, map[string]string{"00002_expand.sql": expand})
	previous := upTo{current, 1}
	if res, err := Migrate(ctx, Options{DSN: dsn, Migrations: previous}, false); err != nil || res.After != 1 {
		t.Fatalf("the previous build's migrate = %+v, %v; want version 1", res, err)
	}
	if res, err := Migrate(ctx, Options{DSN: dsn, Migrations: current}, false); err != nil || res.After != 2 {
		t.Fatalf("the current build's migrate = %+v, %v; want version 2", res, err)
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

// TestPing: a store answers; a pool busy in every connection counts as
// answering; a closed one does not.
func TestPing(t *testing.T) {
	ctx := context.Background()
	s := open(t, Options{MaxConns: 1})
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.Ping(short); err != nil {
		t.Errorf("Ping with every connection busy: %v", err)
	}
	conn.Release()
	_ = s.Close()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping of a closed store: no error")
	}
}

// TestFencingAcrossReplicas: a replica's commit checked by HoldsLease
// precedes any takeover by another: the other's TryAcquire, racing the
// commit, returns only once it is committed, and so sees what it wrote.
func TestFencingAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a := open(t, Options{DSN: dsn})
	b := open(t, Options{DSN: dsn})
	old, _, ok, err := a.Leases().TryAcquire(ctx, "session/cs_x", 50*time.Millisecond)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	time.Sleep(100 * time.Millisecond) // lapsed, not yet taken over
	taken := make(chan error, 1)
	var once sync.Once
	err = a.Update(ctx, func(tx store.Tx) error {
		if err := tx.HoldsLease(old); err != nil {
			return err
		}
		once.Do(func() {
			go func() {
				l, _, ok, err := b.Leases().TryAcquire(ctx, "session/cs_x", time.Minute)
				if err == nil && !ok {
					err = errors.New("not granted")
				}
				if err == nil {
					err = b.View(ctx, func(r store.Reader) error { _, err := r.Session("cs_x"); return err })
				}
				if err == nil {
					err = b.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(l) })
				}
				taken <- err
			}()
			// Give the takeover every chance to overtake the commit.
			time.Sleep(200 * time.Millisecond)
		})
		return tx.PutSession(&model.Session{ID: "cs_x", Status: model.StatusCompleted})
	})
	if err != nil {
		t.Fatalf("the holder's commit: %v", err)
	}
	if err := <-taken; err != nil {
		t.Errorf("the takeover after the commit: %v (it must see the holder's session)", err)
	}
	if err := a.Update(ctx, func(tx store.Tx) error { return tx.HoldsLease(old) }); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("the old holder after the takeover = %v; want ErrLeaseLost", err)
	}
}
