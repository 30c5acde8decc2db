// Package schematest gives tests fresh stores on every backend: a temporary
// SQLite file and a throwaway database on a PostgreSQL server. Each store is
// closed, and its database removed, when the test ends.
//
// The PostgreSQL server is $PAPERHOUND_TEST_POSTGRES, or the local default.
// When the variable is set the server is required and a test fails without
// it; when it is not, the postgres backend is skipped and SQLite still runs.
//
// Fault tests that stop and start PostgreSQL use a server of their own
// instead (Cluster, cluster.go).
package schematest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq" // registers "postgres"

	"github.com/paperhound/paperhound/schema"
)

// EnvPostgres names the variable holding the test server's URL.
const EnvPostgres = "PAPERHOUND_TEST_POSTGRES"

// DefaultPostgres is the server tried when EnvPostgres is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Backend is one database to run a test against.
type Backend struct {
	Name  string // "sqlite" or "postgres", the dialect, fit for t.Run
	Store *schema.Store
}

// Backends returns a fresh store on each available backend. Use it as
//
//	for _, b := range schematest.Backends(t) {
//		t.Run(b.Name, func(t *testing.T) { ... b.Store ... })
//	}
//
// When PostgreSQL is optional and absent, a skipped "postgres" subtest
// records why, and only SQLite is returned.
func Backends(t testing.TB) []Backend {
	t.Helper()
	backends := []Backend{{Name: "sqlite", Store: Open(t, "sqlite")}}
	server, err := postgresServer(t)
	if err != nil {
		if tt, ok := t.(*testing.T); ok {
			tt.Run("postgres", func(t *testing.T) { t.Skip(err) })
		} else {
			t.Log(err)
		}
		return backends
	}
	return append(backends, Backend{Name: "postgres", Store: openPostgres(t, server)})
}

// Open returns a fresh store of the given dialect, "sqlite" or "postgres".
// An optional PostgreSQL that is absent skips the test.
func Open(t testing.TB, dialect string) *schema.Store {
	t.Helper()
	switch dialect {
	case "sqlite":
		path := filepath.Join(t.TempDir(), "paperhound.db")
		st, err := schema.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	case "postgres":
		server, err := postgresServer(t)
		if err != nil {
			t.Skip(err)
		}
		return openPostgres(t, server)
	}
	t.Fatalf("schematest: unknown dialect %q, want sqlite or postgres", dialect)
	return nil
}

// reach checks the server once per test binary, so an absent server costs
// one connection attempt, not one per test.
var reach = sync.OnceValues(func() (string, error) {
	server := os.Getenv(EnvPostgres)
	if server == "" {
		server = DefaultPostgres
	}
	db, err := sql.Open("postgres", server)
	if err != nil {
		return server, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return server, db.PingContext(ctx)
})

// postgresServer returns the server URL, or the reason to skip the postgres
// backend. It fails the test when the server was asked for and is absent.
func postgresServer(t testing.TB) (string, error) {
	t.Helper()
	server, err := reach()
	if err == nil {
		return server, nil
	}
	if os.Getenv(EnvPostgres) != "" {
		t.Fatalf("PostgreSQL from %s=%s: %v", EnvPostgres, redact(server), err)
	}
	return "", fmt.Errorf("postgres backend skipped: no PostgreSQL at %s (%v); set %s to require one",
		redact(server), err, EnvPostgres)
}

// openPostgres creates a uniquely named database on server, opens a store on
// it and drops both at cleanup.
func openPostgres(t testing.TB, server string) *schema.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := schema.Open(ctx, postgresDatabase(t, server))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// PostgresURL creates a uniquely named, empty database on the test server,
// dropped at cleanup, and returns its URL: for tests that open a store
// themselves. An optional PostgreSQL that is absent skips the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	dsn, ok := Postgres(t)
	if !ok {
		t.Skip("no PostgreSQL (see the log)")
	}
	return dsn
}

// Postgres is PostgresURL for tests that go on without PostgreSQL: ok is
// false, with the reason logged, when it is optional and absent.
func Postgres(t testing.TB) (dsn string, ok bool) {
	t.Helper()
	server, err := postgresServer(t)
	if err != nil {
		t.Log(err)
		return "", false
	}
	return postgresDatabase(t, server), true
}

func postgresDatabase(t testing.TB, server string) string {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: invalid URL", EnvPostgres)
	}
	var b [8]byte
	rand.Read(b[:])
	name := "paperhound_test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminExec(ctx, server, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

// adminExec runs one statement on the server's own database; CREATE and
// DROP DATABASE cannot run inside the database they affect.
func adminExec(ctx context.Context, server, stmt string) error {
	db, err := sql.Open("postgres", server)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

func redact(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
