package schema_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/paperhound/paperhound/schema/schematest"
)

// oldDB is a database migrated only up to an old schema version, for a
// migration test to fill before the store brings it up to date.
type oldDB struct {
	driver, dsn string
	raw         *sql.DB
}

// oldSchema returns a SQLite database, and a PostgreSQL one when the tests
// have a server, each migrated up to version.
func oldSchema(t *testing.T, version int64) []oldDB {
	t.Helper()
	dbs := []oldDB{{driver: "sqlite", dsn: filepath.Join(t.TempDir(), "x.db")}}
	if dsn, ok := schematest.Postgres(t); ok {
		dbs = append(dbs, oldDB{driver: "postgres", dsn: dsn})
	}
	dialects := map[string]goose.Dialect{"sqlite": goose.DialectSQLite3, "postgres": goose.DialectPostgres}
	for i := range dbs {
		db := &dbs[i]
		raw, err := sql.Open(db.driver, db.dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		p, err := goose.NewProvider(dialects[db.driver], raw, os.DirFS(filepath.Join("migrations", db.driver)), goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(context.Background(), version); err != nil {
			t.Fatal(err)
		}
		db.raw = raw
	}
	return dbs
}
