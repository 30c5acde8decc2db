package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// sampleDB is a SQLite database holding the sample papers, stored through
// "paperhound ingest".
func sampleDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	if r := ingestFiles(t, "--db", db, writeFile(t, dir, "sample.jsonl", samplePapers)); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	return db
}

// table runs a query command and returns the ids of its table, in order.
func table(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run %q: %v; stderr %s", args, err, &stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"SCORE", "ID", "PUBLISHED", "TITLE"}) {
		t.Fatalf("header %q, want SCORE ID PUBLISHED TITLE", lines[0])
	}
	var ids []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 3 {
			t.Fatalf("row %q has too few columns", l)
		}
		ids = append(ids, f[1])
	}
	return ids
}

func TestQueryCommands(t *testing.T) {
	t.Parallel()
	db := sampleDB(t)

	ids := table(t, "similar", "--db", db, "2407.18121")
	if len(ids) != 10 || slices.Contains(ids, "2407.18121") {
		t.Errorf("similar: %v, want 10 papers without 2407.18121", ids)
	}
	kv := 0
	for _, id := range ids[:5] {
		if slices.Contains(kvCache, id) {
			kv++
		}
	}
	if kv < 3 {
		t.Errorf("similar: %d KV-cache papers in the top 5 %v, want 3 or more", kv, ids[:5])
	}

	ids = table(t, "search", "--db", db, "--limit", "3", "KV", "cache", "compression")
	if len(ids) != 3 {
		t.Errorf("search: %v, want 3", ids)
	}
	for _, id := range ids {
		if !slices.Contains(kvCache, id) {
			t.Errorf("search: %s in %v is not about KV caches", id, ids)
		}
	}

	// The date filters, as in the API.
	ids = table(t, "similar", "--db", db, "--after", "2024-07-21", "--before", "2024-07-21", "2407.18121")
	if !slices.Equal(ids, []string{"2407.15891"}) {
		t.Errorf("similar on 2024-07-21: %v, want [2407.15891]", ids)
	}
}

func TestQueryCommandErrors(t *testing.T) {
	t.Parallel()
	db := sampleDB(t)
	tests := []struct {
		args    []string
		mention string
	}{
		{[]string{"similar", "--db", db, "9999.99999"}, "not found"},
		{[]string{"similar", "--db", db, "9999.99999"}, "9999.99999"},
		{[]string{"similar", "--db", db, "--limit", "0", "2407.18121"}, "--limit"},
		{[]string{"similar", "--db", db, "--limit", "101", "2407.18121"}, "--limit"},
		{[]string{"search", "--db", db, "--limit", "0", "kv cache"}, "--limit"},
		{[]string{"similar", "--db", db, "--after", "2024-13-01", "2407.18121"}, "--after"},
		{[]string{"search", "--db", db, "--before", "soon", "kv cache"}, "--before"},
		{[]string{"search", "--db", db, "!!!"}, "no searchable words"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("run %q: %v, want an error mentioning %q", tt.args, err, tt.mention)
		}
		if stdout.Len() > 0 {
			t.Errorf("run %q printed %q", tt.args, &stdout)
		}
	}
}

// The query commands open the store read-only: a database that is missing
// or empty is reported, not created, on both backends.
func TestQueryReadOnly(t *testing.T) {
	t.Parallel()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn // a file not there, or a database with no tables
			for _, args := range [][]string{{"similar", "--db", dsn, "2407.18121"}, {"search", "--db", dsn, "kv cache"}} {
				var stdout, stderr bytes.Buffer
				err := run(context.Background(), args, &stdout, &stderr)
				if err == nil || !strings.Contains(err.Error(), "ingest papers first") {
					t.Errorf("run %q: %v, want it to say to ingest papers first", args, err)
				}
			}
			if db.name == "sqlite" {
				if _, err := os.Stat(dsn); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("the database file was created: %v", err)
				}
				return
			}
			sqlDB, err := sql.Open("postgres", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer sqlDB.Close()
			var tables int
			if err := sqlDB.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Errorf("%d tables were created", tables)
			}
		})
	}
}

// helperArgs, when set, makes this test binary run paperhound with its
// arguments (one a line) instead of the tests: TestQueryNotWritable runs
// it as another user.
const helperArgs = "PAPERHOUND_TEST_HELPER_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(helperArgs); ok {
		if err := run(context.Background(), strings.Split(args, "\n"), os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "paperhound:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// similar and search work on a SQLite database that their user may read but
// not write: the file 0444 in a 0555 directory, so that not even the WAL's
// -shm file can be made. Root ignores permissions, so as root this test
// binary runs itself again as nobody.
func TestQueryNotWritable(t *testing.T) {
	t.Parallel()
	db := sampleDB(t)
	dir := filepath.Dir(db)
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(p, 0o755); err != nil { // t.TempDir's are 0700
			t.Fatal(err)
		}
	}
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	runAs := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	if os.Geteuid() == 0 {
		bin := nobodyCanRun(t)
		runAs = func(args ...string) (string, string, error) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), helperArgs+"="+strings.Join(args, "\n"))
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			err := cmd.Run()
			return stdout.String(), stderr.String(), err
		}
	}
	for _, args := range [][]string{{"similar", "--db", db, "2407.18121"}, {"search", "--db", db, "kv cache"}} {
		stdout, stderr, err := runAs(args...)
		if err != nil || !strings.Contains(stdout, "SCORE") {
			t.Errorf("run %q: %v; stdout %q, stderr %s", args, err, stdout, stderr)
		}
	}
	// Writing commands are still refused, with the reason.
	if _, stderr, err := runAs("users", "add", "--db", db, "alice"); err == nil || !strings.Contains(stderr, "not writable") {
		t.Errorf("users add on a read-only database: %v; stderr %s", err, stderr)
	}
}

// nobodyCanRun returns a copy of this test binary that user nobody may run.
func nobodyCanRun(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "paperhound.test")
	if os.Link(exe, bin) != nil {
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}
