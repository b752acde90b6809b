// Package historytest gives tests a history database of their own: a
// fresh PostgreSQL schema on the test server, or a SQLite file.
//
// The Postgres server is PRODREADY_TEST_POSTGRES, by default
// postgres://postgres@127.0.0.1:5432/test (trust auth). When it cannot be
// reached the test is skipped with a message, unless
// PRODREADY_TEST_POSTGRES_REQUIRED=1 (CI), where that is a failure.
package historytest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Environment variables that steer the Postgres tests.
const (
	EnvDSN      = "PRODREADY_TEST_POSTGRES"
	EnvRequired = "PRODREADY_TEST_POSTGRES_REQUIRED"
	DefaultDSN  = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// Backend is a kind of database the store runs on.
type Backend struct {
	Name string
	// Fresh returns PRODREADY_DB for an empty database of the test's own,
	// removed when the test ends; it skips the test when the backend is
	// not available.
	Fresh func(tb testing.TB) string
}

// Backends lists the databases every store test runs against.
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", Fresh: SQLiteDSN},
		{Name: "postgres", Fresh: PostgresDSN},
	}
}

// SQLiteDSN returns a database file in a temporary directory.
func SQLiteDSN(tb testing.TB) string {
	return filepath.Join(tb.TempDir(), "history.db")
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// PostgresDSN creates a schema of the test's own on the test server and
// returns a URL whose search_path is that schema. The schema is dropped
// when the test ends.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := strings.TrimSpace(os.Getenv(EnvDSN))
	if base == "" {
		base = DefaultDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		msg := "no PostgreSQL server for the Postgres store tests at " + redact(base) + " (set " + EnvDSN + " to another): " + err.Error()
		if os.Getenv(EnvRequired) == "1" {
			tb.Fatal(msg + "; " + EnvRequired + "=1 makes this a failure")
		}
		tb.Skip(msg)
	}
	defer admin.Close()
	var rnd [6]byte
	rand.Read(rnd[:])
	name := unsafeChars.ReplaceAllString(strings.ToLower(tb.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	schema := "t_" + name + "_" + hex.EncodeToString(rnd[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("create test schema %s at %s: %v", schema, redact(base), err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", base)
		if err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	return WithParam(tb, base, "search_path", schema)
}

// WithParam returns the Postgres URL dsn with the query parameter k set
// to v (search_path, application_name…).
func WithParam(tb testing.TB, dsn, k, v string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("historytest: bad Postgres URL %s: %v", redact(dsn), err)
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}
