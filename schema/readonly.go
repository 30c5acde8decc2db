package schema

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/paperhound/paperhound"
)

// OpenReadOnly opens an existing store for commands that only read it: it
// never creates the database nor migrates it, so it works for a user who
// may read the database but not write it, and every write through it
// fails. A missing database, or one without paperhound's schema, is
// ErrNotFound ("ingest papers first"); a schema older than this binary's is
// ErrConflict, since upgrading it would be a write.
func OpenReadOnly(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("open database: invalid PostgreSQL URL: %w", paperhound.ErrInvalid)
		}
		// lib/pq sends parameters it does not know to the server as the
		// session's settings: every transaction of the session is then
		// read-only, whatever the role may do.
		q := u.Query()
		q.Set("default_transaction_read_only", "on")
		u.RawQuery = q.Encode()
		return openPostgres(ctx, u.String(), true)
	}
	return openSQLiteReadOnly(ctx, dsn)
}

func openSQLiteReadOnly(ctx context.Context, path string) (*Store, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no database at %q: ingest papers first: %w", path, paperhound.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("open database %q: %w", path, cause(err))
	case fi.IsDir():
		return nil, fmt.Errorf("open database %q: path is a directory, not a database file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	s, err := sqliteReadOnly(ctx, abs, "mode=ro")
	if sqliteCode(err) == sqliteReadOnlyDirectory {
		// A WAL database needs its -shm file to be read, and none can be
		// created in a directory we may not write: no process has it open
		// then, so read it as immutable. A writer that starts during the
		// command may make it fail; it can never damage the file.
		s, err = sqliteReadOnly(ctx, abs, "immutable=1")
	}
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	return s, nil
}

// sqliteReadOnlyDirectory is SQLITE_READONLY_DIRECTORY: the database is
// read-only because its directory is (it cannot create the -shm file).
const sqliteReadOnlyDirectory = 8 | 6<<8

func sqliteCode(err error) int {
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		return lite.Code()
	}
	return 0
}

// sqliteReadOnly opens the SQLite file at abs as a file: URI with mode,
// which the driver leaves to SQLite (it drops the query of a plain path),
// and checks its schema. No journal_mode pragma: that would be a write.
func sqliteReadOnly(ctx context.Context, abs, mode string) (*Store, error) {
	db, err := sqlx.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?"+mode+
		"&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_time_format=sqlite")
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, dialect: "sqlite", readOnly: true, Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// checkSchema stands in for migrate on a read-only store: it refuses a
// database without paperhound's schema, or with an older one than this
// binary's, rather than create or upgrade it.
func (s *Store) checkSchema(ctx context.Context) error {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`
	if s.dialect == "postgres" {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'`
	}
	var tables int
	if err := s.get(ctx, &tables, q); err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if tables == 0 {
		return fmt.Errorf("it holds no paperhound data: ingest papers first: %w", paperhound.ErrNotFound)
	}
	var current int64
	if err := s.get(ctx, &current, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`); err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	want, err := latestMigration(s.dialect)
	if err != nil {
		return err
	}
	if current < want {
		return fmt.Errorf("its schema is version %d, older than this paperhound's %d, and a read-only command does not upgrade it: "+
			"run \"paperhound ingest\" (or serve) on it once, as a user who may write it: %w", current, want, paperhound.ErrConflict)
	}
	return nil
}

// latestMigration is the version the migrations of dialect bring a
// database to: its SQL files' and titleKeyMigration's.
func latestMigration(dialect string) (int64, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+dialect)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	latest := int64(titleKeyVersion)
	for _, e := range entries {
		v, err := goose.NumericComponent(e.Name())
		if err != nil {
			return 0, fmt.Errorf("migrations: %w", err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}
