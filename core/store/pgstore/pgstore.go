package pgstore

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/acp-sidecar/acp/core/store"
)

// maxRetries bounds how often a transaction that lost a serialization
// race (40001) or a deadlock (40P01) is run again.
const maxRetries = 16

// Options configure the store.
type Options struct {
	// DSN is the database's connection string. It is a secret: it is
	// never logged.
	DSN string
	// Schema is the PostgreSQL schema holding the store's tables
	// (default "acp").
	Schema string
	// MaxConns is the pool's size (default 10).
	MaxConns int32
	// StatementTimeout ends any statement running longer (default 10s).
	StatementTimeout time.Duration
	// MigrateOnStart applies pending migrations when the store opens,
	// under an advisory lock.
	MigrateOnStart bool
	// SessionRetention is how long a session is kept after its expiry
	// before the purge job deletes it; 0 keeps sessions for ever.
	SessionRetention time.Duration
	// Registry receives the pool and retry metrics; nil registers none.
	Registry prometheus.Registerer
	// Logger receives the store's own messages.
	Logger *slog.Logger
	// Migrations replaces the embedded migrations (tests of rolling
	// upgrades only); nil means Migrations().
	Migrations fs.FS
}

// withDefaults fills in the defaults.
func (o Options) withDefaults() Options {
	if o.Schema == "" {
		o.Schema = "acp"
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 10
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Migrations == nil {
		o.Migrations = Migrations()
	}
	return o
}

// Store is a PostgreSQL-backed store.Store that several processes share.
type Store struct {
	pool      *pgxpool.Pool
	opts      Options
	logger    *slog.Logger
	retention time.Duration
	now       func() time.Time
	owner     string
	metrics   *metrics
	channel   string // the outbox's NOTIFY channel
	// leaseChannel carries the names of released leases (release.go).
	leaseChannel string
	releases     *releaseHub
	closeOnce    sync.Once
}

// Interface guards.
var (
	_ store.Store         = (*Store)(nil)
	_ store.OutboxWatcher = (*Store)(nil)
)

// errBadDSN is the error of a DSN that does not parse; pgx's own may
// quote the DSN, and with it a password.
var errBadDSN = errors.New("parse the PostgreSQL DSN: it is not a valid connection string or URL")

// CheckDSN reports whether dsn is a connection string the store can use,
// without connecting and without quoting it.
func CheckDSN(dsn string) error {
	if _, err := pgxpool.ParseConfig(dsn); err != nil {
		return errBadDSN
	}
	return nil
}

// newPool opens a connection pool for opts, with the schema first on the
// search path and the statement timeout set on every connection.
func newPool(ctx context.Context, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(opts.DSN)
	if err != nil {
		return nil, errBadDSN
	}
	cfg.MaxConns = opts.MaxConns
	cfg.ConnConfig.RuntimeParams["search_path"] = opts.Schema
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["application_name"] = "acp"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return pool, nil
}

// Open connects to the database, migrates it when opts.MigrateOnStart,
// and refuses a schema this release cannot run on.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if err := checkSchema(ctx, opts, opts.Logger); err != nil {
		return nil, err
	}
	pool, err := newPool(ctx, opts)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = crand.Read(b[:])
	s := &Store{
		pool: pool, opts: opts, logger: opts.Logger, retention: opts.SessionRetention, now: time.Now,
		owner:   host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:]),
		channel: opts.Schema + "_outbox", leaseChannel: opts.Schema + "_lease_released", releases: newReleaseHub(),
	}
	s.metrics = newMetrics(pool)
	if opts.Registry != nil {
		if err := opts.Registry.Register(s.metrics); err != nil {
			pool.Close()
			return nil, fmt.Errorf("register store metrics: %w", err)
		}
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stopReleases()
		if s.opts.Registry != nil {
			s.opts.Registry.Unregister(s.metrics)
		}
		s.pool.Close()
	})
	return nil
}

// probeTimeout bounds the readiness probe's own connection.
const probeTimeout = 3 * time.Second

// Ping reports whether the database answers: the readiness probe. It
// pings on a pooled connection; when every one is in use (a busy replica
// is not a broken one, and a probe must not wait behind the work), it
// connects once more, outside the pool and for at most probeTimeout, so
// that a database that stopped answering is reported although the pool
// is full.
func (s *Store) Ping(ctx context.Context) error {
	if st := s.pool.Stat(); st.AcquiredConns() < st.MaxConns() {
		if err := s.pool.Ping(ctx); err != nil {
			return fmt.Errorf("ping PostgreSQL: %w", err)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("ping PostgreSQL (every pooled connection busy): %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if err := conn.Ping(ctx); err != nil {
		return fmt.Errorf("ping PostgreSQL (every pooled connection busy): %w", err)
	}
	return nil
}

// View runs fn in a read-only snapshot (REPEATABLE READ).
func (s *Store) View(ctx context.Context, fn func(store.Reader) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, nil, func(t *tx) error { return fn(t) })
}

// Update runs fn in a SERIALIZABLE transaction, running it again after a
// short, jittered, growing pause when it loses a serialization race or a
// deadlock, as the embedded store does on a conflict.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, nil, func(t *tx) error { return fn(t) })
}

// run runs fn in a transaction of opts on one connection and retries it
// on a serialization failure or deadlock. For UpdateStock (skus non-nil)
// it takes the advisory locks of the SKUs' stock before the transaction's
// snapshot (acquireLocked), and gives them up after it.
func (s *Store) run(ctx context.Context, opts pgx.TxOptions, skus []string, fn func(*tx) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.once(ctx, opts, skus, fn)
		again := retryable(err)
		if !again || attempt >= maxRetries {
			if again {
				s.metrics.exhausted.Inc()
			}
			return err
		}
		s.metrics.retries.WithLabelValues(sqlState(err)).Inc()
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// once is one attempt of run.
func (s *Store) once(ctx context.Context, opts pgx.TxOptions, skus []string, fn func(*tx) error) (err error) {
	locks := s.stockLocks(skus)
	conn, err := s.acquireLocked(ctx, locks)
	if err != nil {
		return err
	}
	defer conn.Release()
	if len(locks) > 0 {
		defer s.unlockStock(ctx, conn)
	}
	ptx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() { _ = ptx.Rollback(context.WithoutCancel(ctx)) }()
	t := &tx{ctx: ctx, tx: ptx, store: s, stockSKUs: skus}
	if err := fn(t); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// maxStockPause is the longest pause between two tries for the stock
// locks.
const maxStockPause = 50 * time.Millisecond

// acquireLocked acquires a connection and, when locks are given, takes
// them all on it as session locks, before any transaction begins (so that
// the transaction's snapshot sees the commit of the one it waited for).
// It only tries: when another connection holds one of them, it gives up
// what it took, returns the connection to the pool and tries again after
// a growing, jittered pause. No connection waits on a lock, so that
// waiters on a hot SKU never fill the pool (lease renewals and every
// other transaction keep their connections) nor run into the statement
// timeout.
func (s *Store) acquireLocked(ctx context.Context, locks []int64) (*pgxpool.Conn, error) {
	pause := time.Millisecond
	for {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("acquire a database connection: %w", err)
		}
		if len(locks) == 0 {
			return conn, nil
		}
		var got bool
		err = conn.QueryRow(ctx, "SELECT bool_and(pg_try_advisory_lock(k)) FROM unnest($1::bigint[]) AS k", locks).Scan(&got)
		if err == nil && got {
			return conn, nil
		}
		s.unlockStock(ctx, conn)
		conn.Release()
		if err != nil {
			return nil, fmt.Errorf("lock stock: %w", err)
		}
		s.metrics.stockWaits.Inc()
		d := pause/2 + time.Duration(rand.Int64N(int64(pause/2)+1))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock stock: %w", ctx.Err())
		case <-time.After(d):
		}
		pause = min(pause*2, maxStockPause)
	}
}

// unlockStock gives up every advisory lock conn holds; a connection that
// cannot is closed, which ends its locks.
func (s *Store) unlockStock(ctx context.Context, conn *pgxpool.Conn) {
	if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock_all()"); err != nil {
		_ = conn.Conn().Close(context.Background())
	}
}

// retryable reports whether err is a serialization failure or deadlock.
func retryable(err error) bool {
	switch sqlState(err) {
	case "40001", "40P01":
		return true
	}
	return false
}

// sqlState is err's SQLSTATE, or "" when it has none.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
