package schema_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/paperhound/paperhound/schema"
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

// Migration 00012 drops the vectors of the offline channels, which are no
// longer stored, and keeps a remote embedder's.
func TestMigrationDropsOfflineVectors(t *testing.T) {
	ctx := context.Background()
	for _, db := range oldSchema(t, 9) {
		t.Run(db.driver, func(t *testing.T) {
			for _, space := range []string{"lexical-words/v1", "lexical-chars/v1", "endpoint/some-model"} {
				q := `INSERT INTO embeddings (space, text_hash, data, created_at) VALUES (?, 'h', ?, CURRENT_TIMESTAMP)`
				if db.driver == "postgres" {
					q = strings.NewReplacer("(?, 'h', ?", "($1, 'h', $2").Replace(q)
				}
				if _, err := db.raw.ExecContext(ctx, q, space, []byte{1}); err != nil {
					t.Fatal(err)
				}
			}
			st, err := schema.Open(ctx, db.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var left []string
			rows, err := db.raw.QueryContext(ctx, `SELECT space FROM embeddings ORDER BY space`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				left = append(left, s)
			}
			if len(left) != 1 || left[0] != "endpoint/some-model" {
				t.Errorf("vectors left: %v, want the remote one only", left)
			}
		})
	}
}
