// Package pgtest gives each test a PostgreSQL database of its own: it
// creates a fresh database on the server at 127.0.0.1:5432 (trust
// authentication; ACP_TEST_POSTGRES overrides the server's DSN) and drops
// it when the test ends. When no server answers, it starts a throwaway
// cluster with initdb and postgres on a free port for the test binary's
// run (as the postgres user when the tests run as root, since initdb
// refuses root; ACP_TEST_POSTGRES_NO_CLUSTER=1 does without). When that
// fails too, the PostgreSQL tests are skipped and Main prints one visible
// line saying so; under CI=true they fail instead.
//
// Layer: tool outside the request path (top-level internal/). It imports
// the PostgreSQL driver only.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acp-sidecar/acp/internal/testkit"
)

// defaultServer is the server the tests use unless ACP_TEST_POSTGRES
// names another.
const defaultServer = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	once       sync.Once
	serverDSN  string // the maintenance DSN of the server in use
	problem    error  // why no server is available
	cluster    *exec.Cmd
	clusterDir string
	// used is set by DSN, which parallel tests call at once.
	used atomic.Bool
)

// Main runs the package's tests (call it from TestMain), stops a
// throwaway cluster it started, and prints one visible line when the
// PostgreSQL tests could not run.
func Main(m *testing.M) int { return Run(m.Run) }

// Run is Main for a package whose TestMain runs its tests with run, such
// as another helper's Main.
func Run(run func() int) int {
	code := run()
	stop()
	if used.Load() && problem != nil {
		testkit.Notice(fmt.Sprintf("%s: the PostgreSQL tests did not run: %v", testkit.TestedPackage(), problem))
	}
	return code
}

// DSN creates a fresh database for t and returns its DSN; the database is
// dropped when t ends. Without a server it skips t (fails it under
// CI=true).
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	used.Store(true)
	if problem != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", problem)
		}
		t.Skipf("PostgreSQL tests did not run: %v", problem)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "acp_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec1(ctx, serverDSN, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec1(ctx, serverDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	u, err := url.Parse(serverDSN)
	if err != nil {
		t.Fatalf("parse server DSN: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// exec1 runs one statement on a connection of its own.
func exec1(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// setup finds the server: the configured one, or a throwaway cluster.
func setup() {
	dsn := os.Getenv("ACP_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultServer
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errServer := exec1(ctx, dsn, "SELECT 1")
	if errServer == nil {
		serverDSN = dsn
		return
	}
	var local string
	errCluster := errors.New("ACP_TEST_POSTGRES_NO_CLUSTER is set")
	if os.Getenv("ACP_TEST_POSTGRES_NO_CLUSTER") == "" {
		local, errCluster = startCluster()
	}
	if errCluster != nil {
		problem = fmt.Errorf("no server at %s (%v) and no throwaway cluster (%w)", redact(dsn), errServer, errCluster)
		return
	}
	serverDSN = local
}

// redact drops a password from a DSN for a message.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the configured server"
	}
	return u.Redacted()
}

// startCluster runs initdb and postgres in a temporary directory on a free
// port, as the postgres user when this process is root.
func startCluster() (string, error) {
	bin := "/usr/local/bin"
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		p, err := exec.LookPath("initdb")
		if err != nil {
			return "", errors.New("initdb not found")
		}
		bin = filepath.Dir(p)
	}
	dir, err := os.MkdirTemp("", "acp-pgtest-")
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	clusterDir = dir
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", fmt.Errorf("chown cluster directory: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %w: %s", err, strings.TrimSpace(string(out)))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", dir, "-F")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start postgres: %w", err)
	}
	cluster = cmd
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := exec1(ctx, dsn, "SELECT 1")
		cancel()
		if err == nil {
			return dsn, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("throwaway postgres did not answer: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends a throwaway cluster and removes its directory.
func stop() {
	if cluster != nil {
		_ = cluster.Process.Signal(syscall.SIGINT) // fast shutdown
		_ = cluster.Wait()
		cluster = nil
	}
	if clusterDir != "" {
		_ = os.RemoveAll(clusterDir)
		clusterDir = ""
	}
}
