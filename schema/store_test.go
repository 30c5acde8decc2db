package schema_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

func TestOpenSQLiteErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing directory", filepath.Join(dir, "nope", "x.db"),
			fmt.Sprintf(`open database %q: directory %q does not exist`, filepath.Join(dir, "nope", "x.db"), filepath.Join(dir, "nope"))},
		{"missing directories", filepath.Join(dir, "a", "b", "x.db"),
			fmt.Sprintf(`open database %q: directory %q does not exist`, filepath.Join(dir, "a", "b", "x.db"), filepath.Join(dir, "a", "b"))},
		// Root may write anywhere; a path under a file is unusable for all.
		{"directory is a file", filepath.Join(file, "x.db"),
			fmt.Sprintf(`open database %q: %q is not a directory`, filepath.Join(file, "x.db"), file)},
		{"under a file, deeper", filepath.Join(file, "sub", "x.db"),
			fmt.Sprintf(`open database %q: directory %q: not a directory`, filepath.Join(file, "sub", "x.db"), filepath.Join(file, "sub"))},
		{"path is a directory", dir,
			fmt.Sprintf(`open database %q: path is a directory, not a database file`, dir)},
		{"empty path", "", `open database "": empty path: invalid`},
		{"question mark", filepath.Join(dir, "x?.db"),
			fmt.Sprintf(`open database %q: path must not contain '?': invalid`, filepath.Join(dir, "x?.db"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := schema.Open(context.Background(), tt.path)
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q\nwant  %q", err, tt.want)
			}
		})
	}
}

func TestOpenSQLiteReadOnly(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions; TestOpenSQLiteErrors covers a path under a file")
	}
	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	path := filepath.Join(ro, "x.db")
	_, err := schema.Open(context.Background(), path)
	want := fmt.Sprintf(`open database %q: directory %q is not writable: permission denied`, path, ro)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}

	// An existing database file that is read-only.
	dir := t.TempDir()
	path = filepath.Join(dir, "x.db")
	st, err := schema.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	os.Chmod(path, 0o444)
	_, err = schema.Open(context.Background(), path)
	want = fmt.Sprintf(`open database %q: database file is not writable: permission denied`, path)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestOpenPostgresErrors(t *testing.T) {
	t.Parallel()
	// A port that was free a moment ago: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	tests := []struct {
		name, dsn string
		contains  []string
	}{
		{"closed port", "postgres://paperhound:s3cret@" + addr + "/db?sslmode=disable",
			[]string{`open database postgres://paperhound@` + addr + `/db: cannot reach PostgreSQL at ` + addr + `: `}},
		{"password in query", "postgresql://" + addr + "/db?sslmode=disable&password=s3cret",
			[]string{"cannot reach PostgreSQL at " + addr}},
		{"host and port in query", "postgres:///db?host=127.0.0.1&port=" + strings.Split(addr, ":")[1] + "&sslmode=disable&password=s3cret",
			[]string{"cannot reach PostgreSQL at " + addr}},
		{"bad URL", "postgres://u:s3cret@host:port/db", []string{"open database: invalid PostgreSQL URL: invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := schema.Open(context.Background(), tt.dsn)
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded")
			}
			for _, c := range tt.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("err = %q\nwant it to contain %q", err, c)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("err = %q shows the password", err)
			}
		})
	}
}

func TestOpenPostgresNoDatabase(t *testing.T) {
	t.Parallel()
	schematest.Open(t, "postgres") // only to skip or fail as the backend would
	server := os.Getenv(schematest.EnvPostgres)
	if server == "" {
		server = schematest.DefaultPostgres
	}
	dsn := strings.Replace(server, "/postgres?", "/paperhound_no_such_db?", 1)
	if dsn == server {
		t.Skip("server URL has no /postgres? to replace")
	}
	_, err := schema.Open(context.Background(), dsn)
	if err == nil || !strings.Contains(err.Error(), `"paperhound_no_such_db" does not exist`) {
		t.Errorf("err = %v, want it to say the database does not exist", err)
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub.db")
	for i := range 2 {
		st, err := schema.Open(ctx, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if i == 0 {
			mustSave(t, st, []paperhound.Paper{{ID: "kept", Title: "t"}}, nil)
		}
		if n, err := st.CountPapers(ctx); err != nil || n != 1 {
			t.Errorf("open %d: CountPapers = %d, %v; want 1", i, n, err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDialectAndPing(t *testing.T) {
	t.Parallel()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			if got := b.Store.Dialect(); got != b.Name {
				t.Errorf("Dialect = %q, want %q", got, b.Name)
			}
			if err := b.Store.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPingClosed(t *testing.T) {
	t.Parallel()
	st, err := schema.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := st.Ping(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "ping sqlite: ") {
		t.Errorf("Ping after Close = %v, want a ping sqlite error", err)
	}
}
