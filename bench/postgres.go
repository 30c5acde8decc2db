package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "github.com/lib/pq" // registers "postgres"
)

// ScratchPostgres creates an empty database on the PostgreSQL server of
// dsn, so that a measurement starts fresh and leaves the server as it was,
// and returns its URL and the function that drops it. The user of dsn
// needs the CREATEDB privilege.
func ScratchPostgres(ctx context.Context, dsn string) (string, func() error, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("database URL: %w", err)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("paperhound_bench_%d_%d", os.Getpid(), time.Now().UnixNano())
	// A name made here, never the user's: nothing to quote but the rule.
	if _, err := db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create a scratch database on %s: %w", u.Host, err)
	}
	drop := func() error {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP DATABASE "`+name+`" WITH (FORCE)`); err != nil {
			return fmt.Errorf("drop the scratch database %s: %w", name, err)
		}
		return nil
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
