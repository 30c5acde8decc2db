package schema_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// OpenReadOnly reads a store and refuses to write it, on both backends.
// As root the tests cannot make a file unwritable, so this proves what the
// store does, not what the operating system allows: every write fails
// (SQLite mode=ro, a PostgreSQL session whose transactions are read-only),
// and nothing is created or migrated. cmd/paperhound's
// TestQueryNotWritable runs the commands as a user who may not write.
func TestOpenReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type backend struct{ driver, dsn, readOnlyErr string }
	backends := []backend{{"sqlite", filepath.Join(t.TempDir(), "x.db"), "attempt to write a readonly database"}}
	if dsn, ok := schematest.Postgres(t); ok {
		backends = append(backends, backend{"postgres", dsn, "in a read-only transaction"})
	}
	for _, b := range backends {
		t.Run(b.driver, func(t *testing.T) {
			if b.driver == "postgres" {
				// A database with no tables yet: it holds no paperhound data.
				_, err := schema.OpenReadOnly(ctx, b.dsn)
				if !errors.Is(err, paperhound.ErrNotFound) || !strings.Contains(err.Error(), "holds no paperhound data: ingest papers first") {
					t.Errorf("empty database: %v, want not found, ingest papers first", err)
				}
			}
			rw, err := schema.Open(ctx, b.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer rw.Close()
			mustSave(t, rw, []paperhound.Paper{{ID: "kept", Title: "t"}}, nil)
			if _, _, err := rw.IssueToken(ctx, "bob"); err != nil {
				t.Fatal(err)
			}

			ro, err := schema.OpenReadOnly(ctx, b.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := ro.CountPapers(ctx); err != nil || n != 1 {
				t.Errorf("CountPapers = %d, %v; want 1", n, err)
			}
			// A write in a transaction, and one outside any.
			if _, _, err := ro.IssueToken(ctx, "alice"); err == nil || !strings.Contains(err.Error(), b.readOnlyErr) {
				t.Errorf("IssueToken: %v, want %q", err, b.readOnlyErr)
			}
			if _, err := ro.IssueFeedKey(ctx, "bob"); err == nil || !strings.Contains(err.Error(), b.readOnlyErr) {
				t.Errorf("IssueFeedKey: %v, want %q", err, b.readOnlyErr)
			}
			ro.Close()

			// A schema older than the binary's is refused, not upgraded.
			raw, err := sql.Open(b.driver, b.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Exec(`DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)`); err != nil {
				t.Fatal(err)
			}
			_, err = schema.OpenReadOnly(ctx, b.dsn)
			if !errors.Is(err, paperhound.ErrConflict) || !strings.Contains(err.Error(), "older than this paperhound's") {
				t.Errorf("old schema: %v, want a conflict saying it is older", err)
			}
		})
	}
}

func TestOpenReadOnlySQLiteMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	_, err := schema.OpenReadOnly(context.Background(), missing)
	want := `no database at "` + missing + `": ingest papers first: not found`
	if err == nil || err.Error() != want || !errors.Is(err, paperhound.ErrNotFound) {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the file was created: %v", err)
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := schema.OpenReadOnly(context.Background(), empty); !errors.Is(err, paperhound.ErrNotFound) ||
		!strings.Contains(err.Error(), "holds no paperhound data") {
		t.Errorf("empty file: %v, want it to hold no paperhound data", err)
	}
}
