// Package schema is paperhound's relational store: the SQL migrations and
// the sqlx code that reads and writes papers, vectors, users and votes on
// SQLite or PostgreSQL, written once for both (Rebind turns "?" into "$1").
// It returns the domain types, and wraps errors with the domain's kinds:
// ErrNotFound for a missing row, ErrInvalid for data it refuses,
// ErrUnavailable when the database cannot answer. It is a leaf: it knows
// nothing of embedders, indexes or ranking.
package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // registers "postgres"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/paperhound/paperhound"
)

// Store is the relational store on SQLite or PostgreSQL. The SQL is written
// once for both; Rebind turns its "?" into "$1" for PostgreSQL.
type Store struct {
	db       *sqlx.DB
	dialect  string
	readOnly bool // opened by OpenReadOnly: schema checked, never migrated; transactions read-only

	// Now is the clock behind created_at, updated_at and votes without a
	// time. Tests replace it; set it before using the store.
	Now func() time.Time
}

//go:embed migrations
var migrations embed.FS

// maxIDsPerQuery keeps IN lists well under SQLite's bound-variable limit.
const maxIDsPerQuery = 500

func init() {
	// sqlx only knows the mattn driver name "sqlite3"; without this, Rebind
	// would leave modernc's "sqlite" queries unchanged by luck, not by design.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Open opens the store and brings its schema up to date. dsn is either a
// postgres:// (or postgresql://) URL or the path of a SQLite file, created
// if missing. Errors name the file or the host:port, never a password.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn, false)
	}
	return openSQLite(ctx, dsn)
}

// IsPostgres says whether dsn names a PostgreSQL database (a postgres://
// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if err := checkSQLitePath(path); err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	// _txlock=immediate: every transaction here writes, and taking the write
	// lock at BEGIN lets busy_timeout wait for it instead of failing with
	// SQLITE_BUSY when a deferred transaction tries to upgrade.
	db, err := sqlx.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"+
		"&_pragma=busy_timeout(10000)&_time_format=sqlite&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	if path == ":memory:" {
		// Each connection would get its own empty database.
		db.SetMaxOpenConns(1)
	}
	s := &Store{db: db, dialect: "sqlite", Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	return s, nil
}

// checkSQLitePath explains up front what SQLite would report as "unable to
// open database file (14)".
func checkSQLitePath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("empty path: %w", paperhound.ErrInvalid)
	case path == ":memory:":
		return nil
	case strings.Contains(path, "?"):
		// The driver reads everything after "?" as its own options.
		return fmt.Errorf("path must not contain '?': %w", paperhound.ErrInvalid)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %q does not exist", dir)
	case err != nil:
		return fmt.Errorf("directory %q: %w", dir, cause(err))
	case !fi.IsDir():
		return fmt.Errorf("%q is not a directory", dir)
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return errors.New("path is a directory, not a database file")
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("database file is not writable: %w", cause(err))
		}
		f.Close()
	}
	// WAL mode creates -wal and -shm files next to the database, so the
	// directory must be writable even when the file already exists. A probe
	// file is the only check that is right for root and read-only mounts too.
	probe, err := os.CreateTemp(dir, ".paperhound-probe-*")
	if err != nil {
		return fmt.Errorf("directory %q is not writable: %w", dir, cause(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// cause drops the path from a *fs.PathError, which the caller already names.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func openPostgres(ctx context.Context, dsn string, readOnly bool) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse errors quote the whole URL, password included.
		return nil, fmt.Errorf("open database: invalid PostgreSQL URL: %w", paperhound.ErrInvalid)
	}
	shown := redact(u)
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", shown, err)
	}
	setPool(db, DefaultMaxConns)
	// Without a deadline a dropped SYN waits for the kernel's TCP timeout,
	// minutes during which start-up looks hung.
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = db.PingContext(pingCtx)
	cancel()
	if err != nil {
		db.Close()
		var netErr net.Error
		if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("open database %s: cannot reach PostgreSQL at %s: %w", shown, hostPort(u), unavailable(err))
		}
		return nil, fmt.Errorf("open database %s: %w", shown, err)
	}
	s := &Store{db: db, dialect: "postgres", readOnly: readOnly, Now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", shown, err)
	}
	return s, nil
}

// DefaultMaxConns is how many connections a store opens to PostgreSQL at
// most, unless SetMaxConns says otherwise: well under the server's usual
// max_connections of 100, which several paperhound processes and other
// clients share.
const DefaultMaxConns = 16

// SetMaxConns caps the connections to PostgreSQL at n; callers beyond it
// wait for a free connection, as long as their context lets them, instead
// of failing with "too many clients already". n below 1 changes nothing
// (to database/sql it would mean no cap). SQLite stores ignore it: their
// writers take turns anyway (busy_timeout).
func (s *Store) SetMaxConns(n int) {
	if s.dialect == "postgres" && n >= 1 {
		setPool(s.db, n)
	}
}

// setPool caps the pool at n and keeps as many idle, so that a burst
// reuses connections instead of opening and closing one per query.
func setPool(db *sqlx.DB, n int) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
}

// redact returns the URL without its password and query (which may hold one
// too), for messages.
func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	c.RawQuery = ""
	return c.String()
}

func hostPort(u *url.URL) string {
	host, port := u.Hostname(), u.Port()
	if h := u.Query().Get("host"); h != "" {
		host = h
	}
	if p := u.Query().Get("port"); p != "" {
		port = p
	}
	if host == "" {
		host = "localhost"
	}
	if port == "" {
		port = "5432"
	}
	if strings.HasPrefix(host, "/") {
		return host + "/.s.PGSQL." + port // a Unix socket directory
	}
	return net.JoinHostPort(host, port)
}

func (s *Store) migrate(ctx context.Context) error {
	if s.readOnly {
		return s.checkSchema(ctx)
	}
	fsys, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(titleKeyMigration(s.dialect))}
	if s.dialect == "postgres" {
		dialect = goose.DialectPostgres
		// Several paperhound processes may start at once on one database;
		// the advisory lock makes the others wait for the first to migrate.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.db.DB, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	return s.db.Close()
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string {
	return s.dialect
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect, unavailable(err))
	}
	return nil
}

// now is the store's clock in UTC at PostgreSQL's microsecond precision, so a
// time reads back equal to what was written on both databases.
func (s *Store) now() time.Time {
	return s.Now().UTC().Truncate(time.Microsecond)
}

// eachIn runs query once per chunk of ids and calls scan on every row. The
// query's last placeholder must be the "IN (?)" that takes the chunk.
func (s *Store) eachIn(ctx context.Context, query string, args []any, ids []string, scan func(*sqlx.Rows) error) error {
	for chunk := range slices.Chunk(ids, maxIDsPerQuery) {
		q, a, err := sqlx.In(query, append(slices.Clip(args), chunk)...)
		if err != nil {
			return err
		}
		if err := s.each(ctx, s.db.Rebind(q), a, scan); err != nil {
			return err
		}
	}
	return nil
}

// byKey runs query over ids as eachIn does and keeps each row's value by
// the key scan reads from it.
func byKey[V any](ctx context.Context, s *Store, query string, args []any, ids []string, scan func(*sqlx.Rows) (string, V, error)) (map[string]V, error) {
	out := make(map[string]V, len(ids))
	err := s.eachIn(ctx, query, args, ids, func(rows *sqlx.Rows) error {
		key, v, err := scan(rows)
		if err != nil {
			return err
		}
		out[key] = v
		return nil
	})
	return out, err
}

// The helpers below run every query of the store, so that an error which
// means the database cannot answer now is paperhound.ErrUnavailable, and
// one the caller's cancellation caused is the context's error, however
// each arose (see queryErr).

// get runs a query for one row into dest.
func (s *Store) get(ctx context.Context, dest any, query string, args ...any) error {
	return queryErr(ctx, s.db.GetContext(ctx, dest, query, args...))
}

// selectAll runs a query for rows into the slice dest.
func (s *Store) selectAll(ctx context.Context, dest any, query string, args ...any) error {
	return queryErr(ctx, s.db.SelectContext(ctx, dest, query, args...))
}

// exec runs a statement.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.db.ExecContext(ctx, query, args...)
	return res, queryErr(ctx, err)
}

// each runs query and calls scan on every row, without holding the result
// in memory.
func (s *Store) each(ctx context.Context, query string, args []any, scan func(*sqlx.Rows) error) error {
	rows, err := s.db.QueryxContext(ctx, query, args...)
	if err != nil {
		return queryErr(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return queryErr(ctx, err)
		}
	}
	return queryErr(ctx, rows.Err())
}

// inTx runs fn in a transaction, committed only if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	// lib/pq begins READ WRITE unless told, whatever the session's default.
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: s.readOnly})
	if err != nil {
		return queryErr(ctx, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return queryErr(ctx, err)
	}
	return queryErr(ctx, tx.Commit())
}

// queryErr classifies the error of a query run under ctx. When ctx is done,
// the driver's error (lib/pq says "canceling statement due to user
// request") is the context's: callers tell a stop from a failure with
// errors.Is(err, context.Canceled). Otherwise see unavailable.
func queryErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%v)", context.Cause(ctx), err)
	}
	return unavailable(err)
}

// unavailable marks err paperhound.ErrUnavailable when it says that the
// database cannot be reached or cannot answer now, so that trying later may
// succeed: a refused, reset or broken connection; PostgreSQL's connection
// exceptions (class 08) and shutdown codes (57P01-57P03); SQLite's busy or
// locked database once busy_timeout has passed. Other errors, nil included,
// are returned as they are.
func unavailable(err error) error {
	if err == nil || errors.Is(err, paperhound.ErrUnavailable) || !cannotAnswer(err) {
		return err
	}
	return unavailableError{err}
}

func cannotAnswer(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		code := pg.SQLState()
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		code := lite.Code() & 0xff // the primary code of an extended one
		return code == sqliteBusy || code == sqliteLocked
	}
	var netErr *net.OpError
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// SQLite's primary result codes for a database another connection holds.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// unavailableError is a driver's error, message and all, that is also
// paperhound.ErrUnavailable.
type unavailableError struct{ err error }

func (u unavailableError) Error() string   { return u.err.Error() }
func (u unavailableError) Unwrap() []error { return []error{u.err, paperhound.ErrUnavailable} }
