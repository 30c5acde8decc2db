package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/paperhound/paperhound/schema/schematest"
)

// fakeCiteULike writes a tiny data set in citeulike-a's formats: n titles,
// every other one with an abstract of several sentences.
func fakeCiteULike(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	var items, abstracts, lists strings.Builder
	items.WriteString("item_id\ttitle\n")
	abstracts.WriteString("item_id\tciteulike_id\tabstract\n")
	for i := range n {
		fmt.Fprintf(&items, "%d\tHow do we learn topic %d models of paper collections\n", i, i)
		if i%2 == 0 {
			fmt.Fprintf(&abstracts, "%d\t%d\tWe study topic %d in large corpora. Our method scales to millions of papers. "+
				"Experiments on citation data show gains over baselines. Readers of item %d also cite it.\n", i, 1000+i, i, i)
		}
		lists.WriteString("0\n")
	}
	for name, text := range map[string]string{"items.tsv": items.String(), "abstracts_subset.tsv": abstracts.String(),
		"citations.dat": lists.String(), "users.dat": "1 0\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// latencyRow is the value of a latency figure's row: its p50 is caught.
const latencyRow = `p50 ([0-9.]+) ms, p99 [0-9.]+ ms \(5 requests; serve's CPU [0-9.]+ ms, disk reads [0-9]+ KB a request\)`

// benchRows are the rows bench prints, each with the pattern of its
// value; the numbers caught must be above 0 (idle CPU may be 0).
var benchRows = []struct {
	name, value string
	zero        bool
}{
	{"ingest", `([0-9]+) papers/s \(`, false},
	{"database on disk", `([0-9.]+) KB/paper \(`, false},
	{"serve, first start: /healthz 200 after", `([0-9.]+) s$`, false},
	{"serve, first start: /readyz 200 after", `([0-9.]+) s \(the index loaded from the store\)$`, false},
	{"index snapshot saved", `[0-9.]+ s after ready, ([0-9.]+) KB/paper \(`, false},
	{"serve: /healthz 200 after", `([0-9.]+) s$`, false},
	{"serve: /readyz 200 after", `([0-9.]+) s \(from the snapshot\)$`, false},
	{"serve: resident memory once ready", `([0-9]+) MB \(peak [0-9]+ MB\)`, false},
	{"serve: idle CPU over 500ms", `([0-9.]+)% of a core \(--refresh 10s\)`, true},
	{"similar papers, 1 client", latencyRow, false},
	{"search, 3 words, 1 client", latencyRow, false},
	{"search, a whole abstract (POST), 1 client", latencyRow, false},
	{"feed page of 50, 100 upvotes, 1 client", latencyRow, false},
	{"throughput, similar papers, 1 client", `([0-9.]+) requests/s`, false},
	{"throughput, similar papers, 8 clients", `([0-9.]+) requests/s \([0-9.]+x 1 client\)`, false},
	{"serve: resident memory after 300ms of load", `([0-9]+) MB \(peak [0-9]+ MB; 8 clients, [0-9.]+ requests/s of every kind\)`, false},
}

// serveAsChild makes bench's serve run as this test binary's
// TestChildProcess.
func serveAsChild(t *testing.T) {
	orig := serveCommand
	t.Cleanup(func() { serveCommand = orig })
	serveCommand = func(args ...string) (*exec.Cmd, error) {
		raw, err := json.Marshal(args)
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
		cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
		return cmd, err
	}
}

// tinyBench are the arguments of a bench that runs in seconds.
func tinyBench(t *testing.T) []string {
	return []string{"bench", "--papers", "200", "--data", fakeCiteULike(t, 40), "--requests", "5", "--duration", "200ms", "--idle", "500ms", "--load", "300ms"}
}

// bench runs end to end at a tiny size, on SQLite and on a scratch
// PostgreSQL database that it drops: every figure is printed, and sane.
// How fast is not tested.
func TestBench(t *testing.T) {
	serveAsChild(t)
	args := tinyBench(t)
	dbs := []struct{ name, kind, dsn string }{{"sqlite", "SQLite", ""}}
	if dsn, ok := schematest.Postgres(t); ok {
		dbs = append(dbs, struct{ name, kind, dsn string }{"postgres", "PostgreSQL", dsn})
	}
	for _, db := range dbs {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			args := args
			if db.dsn != "" {
				args = append(args, "--db", db.dsn)
			}
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("bench: %v; stderr:\n%s", err, stderr.String())
			}
			out := stdout.String()
			if !strings.Contains(out, "200 papers") || !strings.Contains(out, db.kind) {
				t.Errorf("the first line does not name 200 papers and %s:\n%s", db.kind, out)
			}
			for _, row := range benchRows {
				m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(row.name) + ` +` + row.value).FindStringSubmatch(out)
				switch {
				case m == nil:
					t.Errorf("no row %q matching %q in:\n%s", row.name, row.value, out)
				case len(m) > 1 && m[1] != "" && !row.zero:
					if v, err := strconv.ParseFloat(m[1], 64); err != nil || v <= 0 {
						t.Errorf("row %q: %s, want above 0", row.name, m[1])
					}
				}
			}
			// Only a SQLite file is read through: PostgreSQL's are the server's.
			read := regexp.MustCompile(`(?m)^database read into the page cache +([0-9.]+) MB in [0-9.]+ s$`).FindStringSubmatch(out)
			if (read != nil) != (db.dsn == "") || read != nil && read[1] == "0.0" {
				t.Errorf("the database's read through: %q, want a size above 0 on SQLite only, in:\n%s", read, out)
			}
			if db.dsn != "" {
				left := scratchDatabases(t, db.dsn)
				if left != 0 {
					t.Errorf("%d scratch databases left on the server", left)
				}
			}
		})
	}
}

// With --dir, a second run measures serve on the first run's database
// and snapshot; a folder holding other papers, or an unfinished run, is
// refused rather than measured or overwritten.
func TestBenchDir(t *testing.T) {
	serveAsChild(t)
	dir := t.TempDir()
	args := append(tinyBench(t), "--dir", dir)
	bench := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		return stdout.String(), err
	}
	first, err := bench(args...)
	if err != nil {
		t.Fatal(err)
	}
	second, err := bench(args...)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ingest +[0-9]+ papers/s`).MatchString(first) || strings.Contains(first, "skipped") {
		t.Errorf("the first run did not ingest:\n%s", first)
	}
	for _, want := range []string{"ingest and first start", "skipped", "serve: /readyz 200 after", "similar papers, 1 client", "after 300ms of load"} {
		if !strings.Contains(second, want) {
			t.Errorf("the second run does not say %q:\n%s", want, second)
		}
	}
	if regexp.MustCompile(`(?m)^(ingest +[0-9]|database on disk|serve, first start)`).MatchString(second) {
		t.Errorf("the second run ingested or started twice:\n%s", second)
	}

	if _, err := bench(append(args, "--papers", "300")...); err == nil || !strings.Contains(err.Error(), "holds 200 papers of seed 1, not 300") {
		t.Errorf("another size in the same folder: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, benchManifest)); err != nil {
		t.Fatal(err)
	}
	if _, err := bench(args...); err == nil || !strings.Contains(err.Error(), "unfinished run") {
		t.Errorf("a folder without its manifest: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bench.db")); err != nil {
		t.Errorf("the unfinished run's database was not left alone: %v", err)
	}
}

// scratchDatabases counts this process's bench databases on dsn's server.
func scratchDatabases(t *testing.T, dsn string) int {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_database WHERE datname LIKE $1",
		fmt.Sprintf("paperhound_bench_%d_%%", os.Getpid())).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBenchErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", filepath.Join(t.TempDir(), "nope")}, "no such folder"},
		{[]string{"--papers", "10"}, "--papers must be 100 or more"},
		{[]string{"--db", "x.db"}, "--db takes a postgres:// URL"},
		{[]string{"--idle", "0s"}, "above 0"},
		{[]string{"--load", "0s"}, "above 0"},
		{[]string{"--db", "postgres://x/y", "--dir", t.TempDir()}, "cannot be given with --db"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"bench"}, tt.args...), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("bench %q: %v, want an error saying %q", tt.args, err, tt.want)
		}
	}
}
