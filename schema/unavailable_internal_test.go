package schema

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paperhound/paperhound"
)

// A SQLite database that another connection holds past the busy timeout is
// paperhound.ErrUnavailable. The store here waits 50 ms instead of the ten
// seconds Open sets, so that the test need not wait them.
func TestBusySQLiteIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "paperhound.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	holder, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `ROLLBACK`)

	db, err := sqlx.Open("sqlite", path+"?_pragma=busy_timeout(50)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	busy := &Store{db: db, dialect: "sqlite", Now: time.Now}
	defer busy.Close()
	err = busy.SavePapers(ctx, []paperhound.Paper{{ID: "a", Title: "alpha"}})
	if !errors.Is(err, paperhound.ErrUnavailable) {
		t.Errorf("SavePapers while the database is locked = %v, want %v", err, paperhound.ErrUnavailable)
	}
}
