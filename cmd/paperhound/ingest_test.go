package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
)

// basePapers are stored before each bad run; they must come through intact.
const basePapers = `{"id": "2407.18121", "title": "Elastic Cache", "abstract": "KV cache merging for vision models.", "published": "2024-07-25"}
{"id": "2407.15891", "title": "RazorAttention", "abstract": "KV cache compression through retrieval heads.", "published": "2024-07-21", "authors": ["Hanlin Tang"]}
{"id": "2402.14903", "title": "Tokenization counts", "abstract": "The impact of tokenization on arithmetic.", "upvotes": 3}
`

const goodLine = `{"id": "2501.00001", "title": "A good paper", "abstract": "It reads fine."}`

// ingestRun is what one "paperhound ingest" returned and printed.
type ingestRun struct {
	err            error
	stdout, stderr string
}

func ingestFiles(t *testing.T, args ...string) ingestRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"ingest"}, args...), &stdout, &stderr)
	return ingestRun{err, stdout.String(), stderr.String()}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// allPapers reads the whole store at dsn.
func allPapers(t *testing.T, dsn string, ids ...string) (map[string]paperhound.Paper, int) {
	t.Helper()
	ctx := context.Background()
	st, err := schema.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountPapers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	papers, err := st.Papers(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	return papers, n
}

var baseIDs = []string{"2407.18121", "2407.15891", "2402.14903"}

// problem is one line expected on stderr: FILE:LINE: reason, or FILE: reason
// when the whole file is rejected (line 0).
type problem struct {
	file   string // name in the test's folder
	line   int
	reason string // a part of the reason
}

func TestIngestBadInput(t *testing.T) {
	t.Parallel()
	big := `{"id": "2501.99999", "title": "Huge", "abstract": "` + strings.Repeat("a", 10<<20) + `"}`
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i * 7919 % 251) // deterministic noise with NULs
	}
	// Two papers, and the gzip trailer cut off.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(goodLine + "\n" + strings.Replace(goodLine, "00001", "00002", 1) + "\n"))
	zw.Close()
	cutGzip := gz.Bytes()[:gz.Len()-4]
	tests := []struct {
		name     string
		files    map[string]string // name -> content; "" names a file never written
		args     []string          // the files, in order
		problems []problem
		summary  string
		err      string   // a part of the error; "" for none
		stored   []string // ids that must be in the store afterwards
	}{
		{
			name:     "malformed JSON",
			files:    map[string]string{"a.jsonl": goodLine + "\n" + `{"id": "2501.00002", "title": ` + "\n"},
			args:     []string{"a.jsonl"},
			problems: []problem{{"a.jsonl", 2, "invalid JSON"}},
			summary:  "added 1, updated 0, unchanged 0, rejected 1",
			err:      "1 line rejected (listed above); every other record read was stored",
			stored:   []string{"2501.00001"},
		},
		{
			name:     "missing id",
			files:    map[string]string{"a.jsonl": `{"title": "No id here"}` + "\n" + goodLine + "\n"},
			args:     []string{"a.jsonl"},
			problems: []problem{{"a.jsonl", 1, `missing "id"`}},
			summary:  "added 1, updated 0, unchanged 0, rejected 1",
			err:      "1 line rejected (listed above); every other record read was stored",
			stored:   []string{"2501.00001"},
		},
		{
			name:     "missing title",
			files:    map[string]string{"a.jsonl": goodLine + "\n\n" + `{"id": "2501.00003", "abstract": "untitled"}` + "\n"},
			args:     []string{"a.jsonl"},
			problems: []problem{{"a.jsonl", 3, `missing "title"`}},
			summary:  "added 1, updated 0, unchanged 0, rejected 1",
			err:      "1 line rejected (listed above); every other record read was stored",
			stored:   []string{"2501.00001"},
		},
		{
			name:     "10 MB line then a good one",
			files:    map[string]string{"a.jsonl": big + "\n" + goodLine + "\n"},
			args:     []string{"a.jsonl"},
			problems: []problem{{"a.jsonl", 1, fmt.Sprintf("line is %d bytes, over the 1 MiB limit", len(big))}},
			summary:  "added 1, updated 0, unchanged 0, rejected 1",
			err:      "1 line rejected (listed above); every other record read was stored",
			stored:   []string{"2501.00001"},
		},
		{
			name:     "binary garbage",
			files:    map[string]string{"a.bin": string(garbage), "b.jsonl": goodLine + "\n"},
			args:     []string{"a.bin", "b.jsonl"},
			problems: []problem{{"a.bin", 0, "binary file"}},
			summary:  "added 1, updated 0, unchanged 0, rejected 0, files failed 1",
			err:      "1 file failed (listed above); every other record read was stored",
			stored:   []string{"2501.00001"},
		},
		{
			name:     "invalid date",
			files:    map[string]string{"a.jsonl": `{"id": "2501.00004", "title": "Dated", "published": "2024-13-45"}` + "\n" + goodLine + "\n"},
			args:     []string{"a.jsonl"},
			problems: []problem{{"a.jsonl", 1, `invalid date "2024-13-45"`}},
			summary:  "added 1, updated 0, unchanged 0, rejected 1",
			err:      "1 line rejected (listed above); every other record read was stored",
			stored:   []string{"2501.00001"},
		},
		{
			name:     "missing file, the others ingested",
			files:    map[string]string{"missing.jsonl": "", "b.jsonl": goodLine + "\n"},
			args:     []string{"missing.jsonl", "b.jsonl"},
			problems: []problem{{"missing.jsonl", 0, "no such file or directory"}},
			summary:  "added 1, updated 0, unchanged 0, rejected 0, files failed 1",
			err:      "1 file failed (listed above); every other record read was stored",
			stored:   []string{"2501.00001"},
		},
		{
			name: "a bad line changes no stored paper",
			files: map[string]string{"a.jsonl": `{"id": "2407.18121", "title": "Elastic Cache", "published": "yesterday"}` + "\n" +
				`{"id": "2407.15891"}` + "\n"},
			args: []string{"a.jsonl"},
			problems: []problem{
				{"a.jsonl", 1, `invalid date "yesterday"`},
				{"a.jsonl", 2, `missing "title"`},
			},
			summary: "added 0, updated 0, unchanged 0, rejected 2",
			err:     "2 lines rejected (listed above); nothing was stored",
		},
		{
			name:     "one damaged line among good ones",
			files:    map[string]string{"a.jsonl": goodLine + "\n\x00\x00garbage\x01\xff\n" + strings.Replace(goodLine, "00001", "00002", 1) + "\n"},
			args:     []string{"a.jsonl"},
			problems: []problem{{"a.jsonl", 2, "binary data (NUL bytes), not JSON text"}},
			summary:  "added 2, updated 0, unchanged 0, rejected 1",
			err:      "1 line rejected (listed above); every other record read was stored",
			stored:   []string{"2501.00001", "2501.00002"},
		},
		{
			name:     "a directory",
			args:     []string{"."},
			problems: []problem{{".", 0, "cannot be read: is a directory"}},
			summary:  "added 0, updated 0, unchanged 0, rejected 0, files failed 1",
			err:      "1 file failed (listed above); nothing was stored",
		},
		{
			name:     "a gzip file cut short",
			files:    map[string]string{"cut.jsonl.gz": string(cutGzip)},
			args:     []string{"cut.jsonl.gz"},
			problems: []problem{{"cut.jsonl.gz", 0, "cannot be read past line 2: unexpected EOF (the file is cut short)"}},
			summary:  "added 2, updated 0, unchanged 0, rejected 0, files failed 1",
			err:      "1 file failed (listed above); every other record read was stored",
			stored:   []string{"2501.00001", "2501.00002"},
		},
		{
			name:     "a copied web page",
			files:    map[string]string{"page.txt": "New\n\nGet trending papers in your email inbox!\n\nSubscribe\n"},
			args:     []string{"page.txt"},
			problems: []problem{{"page.txt", 0, `not JSON Lines or a JSON array: starts with "New"`}},
			summary:  "added 0, updated 0, unchanged 0, rejected 0, files failed 1",
			err:      "1 file failed (listed above); nothing was stored",
		},
		{
			name:     "a javascript: link is dropped, the paper stored",
			files:    map[string]string{"a.jsonl": `{"id": "2501.00001", "title": "A good paper", "url": "javascript:alert(1)"}` + "\n"},
			args:     []string{"a.jsonl"},
			problems: []problem{{"a.jsonl", 1, `warning: "url" "javascript:alert(1)" is not an http or https link`}},
			summary:  "added 1, updated 0, unchanged 0, rejected 0, warnings 1",
			stored:   []string{"2501.00001"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "x.db")
			base := writeFile(t, dir, "base.jsonl", []byte(basePapers))
			if r := ingestFiles(t, "--db", db, base); r.err != nil || r.stdout != "added 3, updated 0, unchanged 0, rejected 0\n" || r.stderr != "" {
				t.Fatalf("base ingest: %v, stdout %q, stderr %q", r.err, r.stdout, r.stderr)
			}
			before, n := allPapers(t, db, baseIDs...)
			if n != 3 || len(before) != 3 {
				t.Fatalf("%d papers after the base ingest", n)
			}

			var args []string
			for _, name := range tt.args {
				path := filepath.Join(dir, name)
				if tt.files[name] != "" {
					writeFile(t, dir, name, []byte(tt.files[name]))
				}
				args = append(args, path)
			}
			r := ingestFiles(t, append([]string{"--db", db}, args...)...)

			if r.stdout != tt.summary+"\n" {
				t.Errorf("stdout %q, want %q", r.stdout, tt.summary+"\n")
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(lines) != len(tt.problems) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(tt.problems), r.stderr)
			}
			for i, p := range tt.problems {
				prefix := filepath.Join(dir, p.file) + ": "
				if p.line > 0 {
					prefix = fmt.Sprintf("%s:%d: ", filepath.Join(dir, p.file), p.line)
				}
				if !strings.HasPrefix(lines[i], prefix) || !strings.Contains(lines[i], p.reason) {
					t.Errorf("stderr line %q, want %q followed by a reason with %q", lines[i], prefix, p.reason)
				}
				if len(lines[i]) > 500 {
					t.Errorf("stderr line is %d bytes long: the record is echoed", len(lines[i]))
				}
			}
			if tt.err == "" && r.err != nil || tt.err != "" && (r.err == nil || !strings.Contains(r.err.Error(), tt.err)) {
				t.Errorf("error %v, want %q", r.err, tt.err)
			}

			after, n := allPapers(t, db, append(baseIDs, tt.stored...)...)
			if want := 3 + len(tt.stored); n != want {
				t.Errorf("%d papers stored, want %d", n, want)
			}
			for _, id := range baseIDs {
				if !reflect.DeepEqual(after[id], before[id]) {
					t.Errorf("paper %s changed:\nbefore %+v\nafter  %+v", id, before[id], after[id])
				}
			}
			for _, id := range tt.stored {
				if p, ok := after[id]; !ok {
					t.Errorf("paper %s was not stored", id)
				} else if p.URL != "" {
					t.Errorf("paper %s stored with url %q", id, p.URL)
				}
			}
		})
	}
}

// A database that cannot be opened stops the run before anything is read,
// and the error says which one. Tests run as root, so the path is made
// impossible (under a regular file) rather than read-only.
func TestIngestUnopenableDB(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDir := writeFile(t, dir, "plain", []byte("a file"))
	db := filepath.Join(notDir, "x.db")
	r := ingestFiles(t, "--db", db, writeFile(t, dir, "a.jsonl", []byte(goodLine+"\n")))
	if r.err == nil || !strings.Contains(r.err.Error(), db) || !strings.Contains(r.err.Error(), "not a directory") {
		t.Errorf("error %v, want one naming %s and saying it is not a directory", r.err, db)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want no summary: nothing was read", r.stdout)
	}
}

func TestIngestAgain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	base := writeFile(t, dir, "base.jsonl", []byte(basePapers))
	steps := []struct {
		name, summary string
	}{
		{"first", "added 3, updated 0, unchanged 0, rejected 0"},
		{"same file", "added 0, updated 0, unchanged 3, rejected 0"},
	}
	for _, s := range steps {
		if r := ingestFiles(t, "--db", db, base); r.err != nil || r.stdout != s.summary+"\n" || r.stderr != "" {
			t.Errorf("%s: %v, stdout %q, stderr %q; want %q", s.name, r.err, r.stdout, r.stderr, s.summary)
		}
	}
	before, _ := allPapers(t, db, baseIDs...)

	changed := strings.Replace(basePapers, `"title": "RazorAttention"`, `"title": "RazorAttention, revised"`, 1)
	writeFile(t, dir, "base.jsonl", []byte(changed))
	if r := ingestFiles(t, "--db", db, base); r.err != nil || r.stdout != "added 0, updated 1, unchanged 2, rejected 0\n" {
		t.Errorf("changed one: %v, stdout %q, stderr %q", r.err, r.stdout, r.stderr)
	}
	after, n := allPapers(t, db, baseIDs...)
	if n != 3 {
		t.Errorf("%d papers, want 3", n)
	}
	if got := after["2407.15891"].Title; got != "RazorAttention, revised" {
		t.Errorf("title %q, want the revised one", got)
	}
	for _, id := range []string{"2407.18121", "2402.14903"} {
		if !reflect.DeepEqual(after[id], before[id]) {
			t.Errorf("unchanged paper %s was rewritten:\nbefore %+v\nafter  %+v", id, before[id], after[id])
		}
	}
}

func TestIngestGzip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(samplePapers)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "x.db")
	// Told apart by content, whatever the name.
	for _, name := range []string{"papers.jsonl.gz", "papers.jsonl"} {
		path := writeFile(t, dir, name, buf.Bytes())
		r := ingestFiles(t, "--db", db, path)
		want := "added 38, updated 0, unchanged 0, rejected 0\n"
		if name == "papers.jsonl" {
			want = "added 0, updated 0, unchanged 38, rejected 0\n"
		}
		if r.err != nil || r.stdout != want || r.stderr != "" {
			t.Errorf("%s: %v, stdout %q, stderr %q; want %q", name, r.err, r.stdout, r.stderr, want)
		}
	}
	papers, n := allPapers(t, db, "2407.18121")
	if n != 38 || papers["2407.18121"].Published.String() != "2024-07-25" {
		t.Errorf("%d papers, Elastic Cache %+v", n, papers["2407.18121"])
	}
}

func TestIngestVotes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	if r := ingestFiles(t, "--db", db, writeFile(t, dir, "base.jsonl", []byte(basePapers))); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	votes := writeFile(t, dir, "votes.jsonl", []byte(
		`{"user": "alice", "paper": "2407.18121", "at": "2024-07-26T10:00:00Z", "vote": 1}`+"\n"+
			`{"user": "alice", "paper": "9999.99999"}`+"\n"+
			`{"user": "alice", "paper": "2407.15891", "vote": 2}`+"\n"+
			`{"user": "bob", "paper": "2402.14903", "vote": -1}`+"\n"))
	start := time.Now().UTC().Add(-time.Second)
	r := ingestFiles(t, "--db", db, "--upvotes", votes)
	if r.stdout != "votes: 2 changed, 0 unchanged, 2 rejected\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	if r.err == nil || !strings.Contains(r.err.Error(), "2 lines rejected") {
		t.Errorf("error %v, want 2 lines rejected", r.err)
	}
	// Unknown papers are found a batch at a time, so their lines may come
	// after later lines: compare as a set.
	got := strings.Split(strings.TrimSpace(r.stderr), "\n")
	slices.Sort(got)
	want := []string{
		votes + `:2: unknown paper "9999.99999": ingest the paper first`,
		votes + `:3: "vote" must be 1 (upvote) or -1 (hide), got 2`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("stderr:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	st, err := schema.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alice, err := st.Votes(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	wantAlice := []paperhound.Vote{{User: "alice", Paper: "2407.18121", Value: 1, At: time.Date(2024, 7, 26, 10, 0, 0, 0, time.UTC)}}
	if !reflect.DeepEqual(alice, wantAlice) {
		t.Errorf("alice's votes %+v, want %+v", alice, wantAlice)
	}
	bob, err := st.Votes(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(bob) != 1 || bob[0].Paper != "2402.14903" || bob[0].Value != -1 || bob[0].At.Before(start) {
		t.Errorf("bob's votes %+v, want a -1 on 2402.14903 stamped now", bob)
	}

	// Again, the same file changes nothing.
	if r := ingestFiles(t, "--db", db, "--upvotes", votes); r.stdout != "votes: 0 changed, 2 unchanged, 2 rejected\n" {
		t.Errorf("the same votes again: stdout %q", r.stdout)
	}
}
