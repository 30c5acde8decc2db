package schema

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// DiskBytes is how much disk the database takes: on SQLite the file and
// its write-ahead log after a checkpoint has folded the log into the file
// (what a reader of the directory sees at rest); on PostgreSQL
// pg_database_size, tables, indexes and TOAST together.
func (s *Store) DiskBytes(ctx context.Context) (int64, error) {
	if s.dialect == "postgres" {
		var n int64
		err := s.db.GetContext(ctx, &n, "SELECT pg_database_size(current_database())")
		return n, queryErr(ctx, err)
	}
	if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return 0, queryErr(ctx, err)
	}
	var file string
	if err := s.db.GetContext(ctx, &file, "SELECT file FROM pragma_database_list WHERE name = 'main'"); err != nil {
		return 0, queryErr(ctx, err)
	}
	var total int64
	for _, path := range []string{file, file + "-wal"} {
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && path != file:
		case err != nil:
			return 0, fmt.Errorf("size of the database: %w", err)
		default:
			total += fi.Size()
		}
	}
	return total, nil
}
