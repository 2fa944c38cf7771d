package pgstore

import (
	"context"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL text holds valid UTF-8 without NUL; the embedded store keys
// records by any bytes, and some keys come from requests (an idempotency
// key is any header value, a session id any path segment). Every string
// argument of a statement passes through dbKey: a string PostgreSQL can
// hold, and without keyMark, is itself; any other is keyMark followed by
// its bytes in hex. The mapping is one-to-one, so that a key that cannot
// be stored as it is still finds its own record and no other.
const keyMark = "\x01"

// dbKey is s as the database stores it.
func dbKey(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) && !strings.Contains(s, keyMark) {
		return s
	}
	return keyMark + hex.EncodeToString([]byte(s))
}

// fromDBKey reverses dbKey.
func fromDBKey(s string) string {
	if rest, ok := strings.CutPrefix(s, keyMark); ok {
		if b, err := hex.DecodeString(rest); err == nil {
			return string(b)
		}
	}
	return s
}

// dbArgs maps the string arguments of a statement through dbKey.
func dbArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			a = dbKey(s)
		}
		out[i] = a
	}
	return out
}

// The statements of a transaction, their arguments mapped by dbArgs.

func (t *tx) queryRow(sql string, args ...any) pgx.Row {
	return t.tx.QueryRow(t.ctx, sql, dbArgs(args)...)
}

func (t *tx) query(sql string, args ...any) (pgx.Rows, error) {
	return t.tx.Query(t.ctx, sql, dbArgs(args)...)
}

// The statements outside a transaction, their arguments mapped by dbArgs.

func (s *Store) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return s.pool.QueryRow(ctx, sql, dbArgs(args)...)
}

func (s *Store) execPool(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return s.pool.Exec(ctx, sql, dbArgs(args)...)
}
