package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // registers "postgres"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed/embedtest"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// kvCache are the sample papers about KV caches.
var kvCache = ingest.SampleKVCache

// samplePapers is the built-in sample papers as a JSON Lines file, for the
// commands that read files.
var samplePapers = func() []byte {
	papers, err := ingest.SamplePapers()
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, p := range papers {
		if err := enc.Encode(p); err != nil {
			panic(err)
		}
	}
	return b.Bytes()
}()

// syncBuffer is a bytes.Buffer that the server's goroutine can write while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// database is one place to run paperhound against: a SQLite file path or a
// postgres:// URL.
type database struct {
	name, dsn string
}

// databases returns a fresh SQLite path and, when a PostgreSQL server is
// there (required when $PAPERHOUND_TEST_POSTGRES is set), a fresh database
// on it, dropped at cleanup.
func databases(t *testing.T) []database {
	t.Helper()
	dbs := []database{{"sqlite", filepath.Join(t.TempDir(), "x.db")}}
	if dsn, ok := postgresDB(t); ok {
		dbs = append(dbs, database{"postgres", dsn})
	}
	return dbs
}

// postgresDB creates a throwaway database as schematest does, and returns
// its URL. The server has trust authentication in tests, so when the URL has
// no password one is added: the test then checks that it is never shown.
func postgresDB(t *testing.T) (string, bool) {
	t.Helper()
	dsn, ok := schematest.Postgres(t)
	if !ok {
		return "", false
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, has := u.User.Password(); !has && u.User != nil {
		withPassword := *u
		withPassword.User = url.UserPassword(u.User.Username(), testPassword)
		if db, err := sql.Open("postgres", withPassword.String()); err == nil {
			if db.PingContext(ctx) == nil {
				u = &withPassword
			}
			db.Close()
		}
	}
	return u.String(), true
}

// testPassword goes in the PostgreSQL URL; it must never be printed.
const testPassword = "s3cret-pw"

// server is an App serving in the test on port 0.
type server struct {
	*App
	url  string
	logs *syncBuffer
}

// startServe opens and starts an App configured by serve's flags args,
// on port 0, with no drain and its log in logs, and waits until its index
// is loaded; it is closed when the test ends.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	cfg, _, err := serveConfig(append([]string{"--addr", "127.0.0.1:0", "--drain", "0"}, args...), io.Discard)
	if err != nil {
		t.Fatalf("serve %q: %v", args, err)
	}
	s := &server{logs: &syncBuffer{}}
	ctx := context.Background()
	if s.App, err = Listen(cfg, slog.New(slog.NewTextHandler(s.logs, nil))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Open(ctx); err != nil {
		t.Fatalf("open: %v; log:\n%s", err, s.logs)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.loaded:
	case err := <-s.failed:
		t.Fatalf("load: %v; log:\n%s", err, s.logs)
	}
	s.url = s.URL()
	return s
}

type rankedPaper struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Authors   []string `json:"authors"`
	Published *string  `json:"published"`
	URL       string   `json:"url"`
	Score     float64  `json:"score"`
}

// fetch makes a real request and decodes the JSON answer into out.
func fetch(t *testing.T, method, target, body string, wantStatus int, wantType string, out any) {
	t.Helper()
	resp, b := request(t, method, target, body, "")
	if resp.StatusCode != wantStatus {
		t.Errorf("%s %s: status %d, want %d; body %s", method, target, resp.StatusCode, wantStatus, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != wantType {
		t.Errorf("%s %s: Content-Type %q, want %q", method, target, ct, wantType)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Errorf("%s %s: %v in %s", method, target, err, b)
	}
}

func ranked(t *testing.T, method, target, body string) []rankedPaper {
	t.Helper()
	var out struct{ Papers []rankedPaper }
	fetch(t, method, target, body, http.StatusOK, "application/json", &out)
	return out.Papers
}

func idsOf(ps []rankedPaper) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// storedPapers reads every sample paper back from the database at dsn.
func storedPapers(t *testing.T, dsn string) (map[string]paperhound.Paper, int) {
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
	papers, err := st.Papers(ctx, sampleIDs(t))
	if err != nil {
		t.Fatal(err)
	}
	return papers, n
}

func sampleIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for line := range bytes.Lines(samplePapers) {
		var p struct{ ID string }
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	return ids
}

var servingLine = regexp.MustCompile(`(?m)^paperhound is serving (.*) on (http://127\.0\.0\.1:[0-9]+)$`)

// serving waits for the banner of a serve run writing to stdout and
// stderr, and returns servingLine's match in it; done has the run's end.
func serving(t *testing.T, stdout, stderr *syncBuffer, done <-chan error) []string {
	t.Helper()
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; m = servingLine.FindStringSubmatch(stdout.String()) {
		select {
		case err := <-done:
			t.Fatalf("run returned %v before serving; stdout %q, stderr:\n%s", err, stdout.String(), stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL on stdout after 30s: %q; stderr:\n%s", stdout.String(), stderr.String())
		}
	}
	return m
}

// TestServeCommand runs "paperhound serve" itself on port 0, reads the URL
// from the banner it prints, and stops it as Ctrl-C would: the banner
// names the database, never its password nor the embeddings API key, and
// with --demo says what to try.
func TestServeCommand(t *testing.T) {
	const key = "sk-banner-never-shown-0123456789"
	t.Setenv("PAPERHOUND_EMBED_API_KEY", key)
	srv := embedtest.Start(t, embedtest.Options{APIKey: key})
	type serveCase struct {
		name string
		args []string
		demo bool
	}
	var cases []serveCase
	for _, db := range databases(t) {
		cases = append(cases, serveCase{db.name + " demo", []string{"--db", db.dsn, "--demo", "--embed-url", srv.URL, "--embed-model", "fake-embed"}, true})
	}
	cases = append(cases, serveCase{"sqlite empty", []string{"--db", filepath.Join(t.TempDir(), "x.db")}, false})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--drain", "0"}, tt.args...), &stdout, &stderr)
			}()
			m := serving(t, &stdout, &stderr, done)
			url, out := m[2], stdout.String()
			if m[1] == "" {
				t.Errorf("the serving line does not say which database: %q", out)
			}
			for _, secret := range []string{testPassword, key} {
				if strings.Contains(out+stderr.String(), secret) {
					t.Errorf("%q is shown:\nstdout %s\nstderr %s", secret, out, stderr.String())
				}
			}
			for _, try := range []string{
				"curl '" + url + "/v1/papers/2407.18121'",
				"curl '" + url + "/v1/papers/2407.18121/similar?limit=5'",
				"curl '" + url + "/v1/search?q=speculative+decoding&limit=5'",
				"curl -X POST '" + url + "/v1/search'",
			} {
				if strings.Contains(out, try) != tt.demo {
					t.Errorf("stdout has %q: %v, want %v:\n%s", try, !tt.demo, tt.demo, out)
				}
			}
			if strings.Contains(out, "or try:") != tt.demo {
				t.Errorf("demo hints %v, want %v: %s", !tt.demo, tt.demo, out)
			}
			var health map[string]string
			fetch(t, "GET", url+"/healthz", "", 200, "application/json", &health)

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run after cancel: %v, want nil (clean shutdown)", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("run did not return within 20s of the cancel")
			}
			if _, err := http.Get(url + "/healthz"); err == nil {
				t.Error("the server still answers after run returned")
			}
		})
	}
}

// TestServe serves a fresh database on each backend through App, asks it
// what the demo suggests, closes it, then serves the same database again
// to check that --demo is idempotent.
func TestServe(t *testing.T) {
	t.Parallel()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			s := startServe(t, "--db", db.dsn, "--demo")
			if strings.Contains(s.logs.String(), testPassword) {
				t.Errorf("the database password is logged:\n%s", s.logs)
			}

			var health map[string]string
			fetch(t, "GET", s.url+"/healthz", "", 200, "application/json", &health)
			if health["status"] != "ok" {
				t.Errorf("healthz: %v", health)
			}

			var paper paperhound.Paper
			fetch(t, "GET", s.url+"/v1/papers/2407.18121", "", 200, "application/json", &paper)
			if paper.Title != "Efficient Inference of Vision Instruction-Following Models with Elastic Cache" {
				t.Errorf("paper: %+v", paper)
			}

			similar := ranked(t, "GET", s.url+"/v1/papers/2407.18121/similar?limit=5", "")
			if len(similar) != 5 || slices.Contains(idsOf(similar), "2407.18121") {
				t.Errorf("similar: %v, want 5 papers without 2407.18121", idsOf(similar))
			}
			kv := 0
			for _, p := range similar {
				if slices.Contains(kvCache, p.ID) {
					kv++
				}
			}
			if kv < 3 {
				t.Errorf("similar: %d KV-cache papers in %v, want 3 or more", kv, idsOf(similar))
			}

			search := ranked(t, "GET", s.url+"/v1/search?q=speculative+decoding&limit=5", "")
			if len(search) != 5 || !slices.Contains([]string{"2407.01955", "2512.05033"}, search[0].ID) {
				t.Errorf("search: %v, want 5 with a speculative decoding paper first", idsOf(search))
			}

			post := ranked(t, "POST", s.url+"/v1/search", `{"text": "compressing the KV cache of long-context LLMs", "limit": 5}`)
			if len(post) != 5 || !slices.Contains(kvCache, post[0].ID) {
				t.Errorf("POST search: %v, want 5 with a KV-cache paper first", idsOf(post))
			}

			var problem struct {
				Status int
				Detail string
			}
			fetch(t, "GET", s.url+"/v1/papers/9999.99999", "", 404, "application/problem+json", &problem)
			if !strings.Contains(problem.Detail, "9999.99999") {
				t.Errorf("404 detail %q does not name the paper", problem.Detail)
			}

			// The feed is tuned on the votes once the index is loaded.
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(s.logs.String(), "feed tuned"); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no feed tuning logged:\n%s", s.logs)
				}
			}

			if err := s.Close(); err != nil {
				t.Fatalf("close: %v, want nil (clean shutdown)", err)
			}
			if _, err := http.Get(s.url + "/healthz"); err == nil {
				t.Error("the server still answers after Close returned")
			}
			before, n := storedPapers(t, db.dsn)
			if n != 38 || len(before) != 38 {
				t.Fatalf("%d papers stored (%d of the sample), want 38", n, len(before))
			}

			// Again on the same database: nothing is written.
			s = startServe(t, "--db", db.dsn, "--demo")
			if got := ranked(t, "GET", s.url+"/v1/papers/2407.18121/similar?limit=5", ""); !slices.Equal(idsOf(got), idsOf(similar)) {
				t.Errorf("second run: similar %v, first run %v", idsOf(got), idsOf(similar))
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second run, close: %v", err)
			}
			if !strings.Contains(s.logs.String(), "added=0 updated=0 unchanged=38") {
				t.Errorf("second run's log does not say the 38 papers were unchanged:\n%s", s.logs)
			}
			if logs := s.logs.String(); !strings.Contains(logs, "feed tuning restored") || strings.Contains(logs, "feed tuned") {
				t.Errorf("second run: want the first run's feed tuning restored, not tuned again a day early:\n%s", logs)
			}
			after, n := storedPapers(t, db.dsn)
			if n != 38 || !reflect.DeepEqual(after, before) {
				t.Errorf("second --demo changed the store: %d papers, equal %v", n, reflect.DeepEqual(after, before))
			}
		})
	}
}

// Without --demo an empty database serves, and finds nothing (the banner
// has no demo hints: TestServeCommand).
func TestServeEmpty(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--db", filepath.Join(t.TempDir(), "x.db"))
	if got := ranked(t, "GET", s.url+"/v1/search?q=kv+cache", ""); len(got) != 0 {
		t.Errorf("empty store found %v", idsOf(got))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestServeErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		mention string
	}{
		{"bad db path", []string{"serve", "--db", file + "/x.db", "--addr", "127.0.0.1:0"}, file},
		{"bad addr", []string{"serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--addr", "127.0.0.1:99999"}, "--addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("run: %v, want an error mentioning %q", err, tt.mention)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want error
	}{
		{nil, errUsage},
		{[]string{"frobnicate"}, errUsage},
		{[]string{"serve", "--no-such-flag"}, errUsage},
		{[]string{"ingest"}, errUsage},
		{[]string{"similar"}, errUsage},
		{[]string{"search"}, errUsage},
		{[]string{"help"}, nil},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tt.args, &stdout, &stderr)
		if !errors.Is(err, tt.want) {
			t.Errorf("run %q: %v, want %v", tt.args, err, tt.want)
		}
		if stdout.Len()+stderr.Len() == 0 {
			t.Errorf("run %q: printed nothing to help the user", tt.args)
		}
	}
}

// -h and --help print help and succeed, on every command.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-h"}, {"--help"}, {"help"},
		{"serve", "-h"}, {"ingest", "--help"}, {"similar", "-h"}, {"search", "-h"}, {"reindex", "-h"},
		{"users", "-h"}, {"users", "add", "-h"}, {"users", "feed-key", "--help"},
		{"eval", "-h"}, {"eval", "similar", "-h"}, {"eval", "recommend", "--help"}, {"bench", "-h"},
		{"similar", "--db", "x.db", "2407.18121", "-h"}, // anywhere among the arguments
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Errorf("run %q: %v, want nil", args, err)
		}
		if stdout.Len()+stderr.Len() == 0 {
			t.Errorf("run %q printed no help", args)
		}
	}
}

// The usage names every command.
func TestUsageListsEveryCommand(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"serve", "ingest", "sync", "similar", "search", "reindex", "users add", "users feed-key",
		"eval similar", "eval recommend", "bench", "version"} {
		if !strings.Contains(usage, "paperhound "+cmd+" ") {
			t.Errorf("the usage does not list %q", cmd)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"version", "--version"} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{arg}, &stdout, &stderr); err != nil {
			t.Fatalf("run %s: %v", arg, err)
		}
		// A test binary has no VCS stamp: its version is (devel).
		if out := stdout.String(); !strings.HasPrefix(out, "paperhound (devel)") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("run %s printed %q, want the module version and %s", arg, out, runtime.Version())
		}
	}
}

// Flags may follow the positional arguments; after "--" nothing is a flag.
func TestInterspersedFlags(t *testing.T) {
	t.Parallel()
	db := sampleDB(t)
	if ids := table(t, "similar", "2407.18121", "--db", db, "--limit", "3"); len(ids) != 3 {
		t.Errorf("similar ID --db --limit 3: %v, want 3 papers", ids)
	}
	if ids := table(t, "search", "--db", db, "kv", "--limit", "2", "cache"); len(ids) != 2 {
		t.Errorf("search kv --limit 2 cache: %v, want 2 papers", ids)
	}
	if ids := table(t, "similar", "--db", db, "--", "2407.18121"); len(ids) != 10 {
		t.Errorf("similar -- ID: %v, want 10 papers", ids)
	}
	out, errOut, err := users(t, "add", "alice", "--db", db)
	if err != nil || !strings.HasPrefix(out, "ph_") {
		t.Errorf("users add alice --db DB: %v; stdout %q, stderr %s", err, out, errOut)
	}
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"search", "--db", db, "--", "-x"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no searchable words") {
		t.Errorf("search -- -x: %v, want the text -x searched (no searchable words)", err)
	}
}

// Settings that cannot be right are refused with a message that names
// them, from flags and environment alike; before, each of these started a
// server (so a run ends after a few seconds as a failure, not a hang).
func TestSettingErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		mention string // in the error, or in stderr for a flag fs refused
	}{
		{"blank admin token", nil, []string{"serve", "--admin-token", strings.Repeat(" ", 16)}, "only white space"},
		{"padded admin token", map[string]string{"PAPERHOUND_ADMIN_TOKEN": testAdminToken + "\n"}, []string{"serve"}, "starts or ends with white space"},
		{"negative refresh", nil, []string{"serve", "--refresh", "-1s"}, "must be 0 or more"},
		{"negative refresh in env", map[string]string{"PAPERHOUND_REFRESH": "-1s"}, []string{"serve"}, `PAPERHOUND_REFRESH="-1s": must be 0 or more`},
		{"bad refresh in env", map[string]string{"PAPERHOUND_REFRESH": "soon"}, []string{"serve"}, `PAPERHOUND_REFRESH="soon": want a duration`},
		{"unknown sync source", nil, []string{"sync", "--db", db, "--sources", "arxiv,s2"}, `unknown source "s2": want arxiv,hf`},
		{"sync since tomorrow", nil, []string{"sync", "--db", db, "--since", time.Now().AddDate(0, 0, 2).Format(time.DateOnly)}, "a day not yet come"},
		{"sync since no day", nil, []string{"sync", "--db", db, "--since", "last week"}, "want YYYY-MM-DD"},
		{"negative sync pause", nil, []string{"sync", "--db", db, "--pause", "-1s"}, "must be 0 or more"},
		{"zero query timeout", nil, []string{"serve", "--embed-url", "http://127.0.0.1:9/v1", "--embed-model", "m", "--embed-query-timeout", "0"}, "--embed-query-timeout above 0"},
		{"negative sync-every in env", map[string]string{"PAPERHOUND_SYNC_EVERY": "-6h"}, []string{"serve"}, `PAPERHOUND_SYNC_EVERY="-6h": must be 0 or more`},
		{"sync arguments", nil, []string{"sync", "--db", db, "arxiv"}, "takes no arguments"},
		{"eval k", nil, []string{"eval", "similar", "--data", t.TempDir(), "--k", "0"}, "--k must be 1 or more"},
		{"eval validation", nil, []string{"eval", "recommend", "--data", t.TempDir(), "--validation", "-1"}, "--validation must be 0"},
		{"eval users", nil, []string{"eval", "recommend", "--data", t.TempDir(), "--users", "-1"}, "--users must be 0"},
		{"eval seeds", nil, []string{"eval", "recommend", "--data", t.TempDir(), "--random-split", "5-1"}, `want seeds such as 3, 1-5 or 1,2,7, got "5-1"`},
		{"eval seeds not numbers", nil, []string{"eval", "recommend", "--data", t.TempDir(), "--random-split", "1,x"}, `got "x"`},
		{"eval weights key", nil, []string{"eval", "recommend", "--data", t.TempDir(), "--weights", "content=1;novelty=2"}, `unknown key "novelty"`},
		{"eval weights value", nil, []string{"eval", "recommend", "--data", t.TempDir(), "--weights", "halflife=3"}, `"halflife=3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args := tt.args
			if args[0] == "serve" {
				args = append(args, "--db", db, "--addr", "127.0.0.1:0")
			}
			var stdout, stderr syncBuffer
			err := run(ctx, args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tt.mention) {
				t.Errorf("run %q: %v; stderr %s\nwant an error mentioning %q", args, err, stderr.String(), tt.mention)
			}
		})
	}
}

// request makes a real request, with body as JSON if any and a bearer
// token if any, and returns the answer and its body.
func request(t *testing.T, method, target, body, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// lockedSample is a PostgreSQL database holding the sample papers, with
// table locked by a transaction until the returned one ends or the test
// does: what a server reads of it waits meanwhile.
func lockedSample(t *testing.T, table string) (string, *sql.Tx) {
	t.Helper()
	dsn, ok := postgresDB(t)
	if !ok {
		t.Skip("needs PostgreSQL to hold the server's start")
	}
	if r := ingestFiles(t, "--db", dsn, writeFile(t, t.TempDir(), "sample.jsonl", samplePapers)); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	lock, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Rollback() })
	if _, err := lock.Exec(`LOCK TABLE ` + table + ` IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	return dsn, lock
}

// The server listens before it loads the index: while the load runs,
// /healthz answers 200, /readyz 503 "loading N of M", and every route that
// needs the index 503 with Retry-After, JSON for the API and a page for
// people; once loaded, everything answers. The load is held by a lock on
// the table of vectors, which PostgreSQL can hold and SQLite cannot (its
// readers never wait).
func TestServeListensWhileLoading(t *testing.T) {
	t.Parallel()
	dsn, lock := lockedSample(t, "embeddings")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--drain", "0"}, &stdout, &stderr)
	}()
	url := serving(t, &stdout, &stderr, done)[2]

	var health map[string]string
	fetch(t, "GET", url+"/healthz", "", http.StatusOK, "application/json", &health)
	// The server listens before it counts the papers to load ("0 of 0"
	// until then, a moment that a busy machine can stretch).
	var rz struct{ Status, Detail string }
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		fetch(t, "GET", url+"/readyz", "", http.StatusServiceUnavailable, "application/json", &rz)
		if rz.Status != "loading" || strings.Contains(rz.Detail, "0 of 38 papers") || time.Now().After(deadline) {
			break
		}
	}
	if rz.Status != "loading" || !strings.Contains(rz.Detail, "0 of 38 papers") {
		t.Errorf("readyz while loading: %+v, want loading 0 of 38 papers", rz)
	}
	var problem struct{ Detail string }
	fetch(t, "GET", url+"/v1/search?q=kv+cache", "", http.StatusServiceUnavailable, "application/problem+json", &problem)
	if !strings.Contains(problem.Detail, "the index is loading: 0 of 38 papers") {
		t.Errorf("search while loading: detail %q", problem.Detail)
	}
	for _, path := range []string{"/v1/search?q=kv+cache", "/v1/papers/2407.18121/similar", "/search?q=kv+cache"} {
		resp, body := request(t, "GET", url+path, "", "")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "0 of 38") {
			t.Errorf("%s while loading: %d, Retry-After %q, body %s", path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	if resp, _ := request(t, "GET", url+"/search?q=kv+cache", "", ""); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("a page while loading is %q, want HTML", resp.Header.Get("Content-Type"))
	}

	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, url, &stderr)
	if got := ranked(t, "GET", url+"/v1/search?q=kv+cache&limit=5", ""); len(got) != 5 {
		t.Errorf("search once loaded: %v", idsOf(got))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// A server listens before it opens its store: after an upgrade the
// migrations take seconds on a big database (held here by a lock on
// goose's table, which opening reads), and meanwhile /healthz answers
// 200, /readyz 503 "starting" and every other route 503 with Retry-After.
func TestServeListensWhileOpening(t *testing.T) {
	t.Parallel()
	dsn, lock := lockedSample(t, "goose_db_version")

	cfg, _, err := serveConfig([]string{"--db", dsn, "--addr", "127.0.0.1:0", "--drain", "0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	app, err := Listen(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var opened error
	openDone := make(chan struct{})
	go func() { opened = app.Open(context.Background()); close(openDone) }()
	t.Cleanup(func() { lock.Rollback(); <-openDone; app.Close() })
	url := app.URL()
	// A server that does not answer yet would hold the requests below.
	probe := &http.Client{Timeout: 5 * time.Second}
	if resp, err := probe.Get(url + "/healthz"); err != nil {
		t.Fatalf("/healthz while the store opens: %v", err)
	} else {
		resp.Body.Close()
	}

	tests := []struct {
		path, mention string
		status        int
	}{
		{"/healthz", `"status":"ok"`, http.StatusOK},
		{"/readyz", `"status":"starting","detail":"opening the database (after an upgrade, migrating it)"`, http.StatusServiceUnavailable},
		{"/v1/search?q=kv+cache", "the server is opening its database; try again in a few seconds", http.StatusServiceUnavailable},
		{"/v1/papers/2407.18121/similar", "opening its database", http.StatusServiceUnavailable},
		{"/search?q=kv+cache", "opening its database; try again in a few seconds. This page reloads by itself", http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		resp, body := request(t, "GET", url+tt.path, "", "")
		if resp.StatusCode != tt.status || (tt.status == http.StatusServiceUnavailable) != (resp.Header.Get("Retry-After") != "") || !strings.Contains(string(body), tt.mention) {
			t.Errorf("%s while opening: %d, Retry-After %q, body %s; want %d, %q", tt.path, resp.StatusCode, resp.Header.Get("Retry-After"), body, tt.status, tt.mention)
		}
	}
	select {
	case <-openDone:
		t.Fatalf("the store opened while goose's table was locked: %v", opened)
	default:
	}

	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	<-openDone
	if opened != nil {
		t.Fatalf("open: %v; log:\n%s", opened, logs)
	}
	if err := app.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, url, logs)
	if got := ranked(t, "GET", url+"/v1/search?q=kv+cache&limit=5", ""); len(got) != 5 {
		t.Errorf("search once open and loaded: %v", idsOf(got))
	}
}

// On shutdown the server drains: /readyz answers 503 "shutting down" at
// once while every route still answers for the grace period (--drain);
// then it stops accepting connections, lets the request in flight finish
// with its answer, and closes without error. The request is held in the
// embeddings endpoint, which POST /v1/search calls.
func TestServeDrains(t *testing.T) {
	t.Parallel()
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			srv := embedtest.Start(t, embedtest.Options{})
			s := startServe(t, "--db", db.dsn, "--demo", "--embed-url", srv.URL, "--embed-model", "fake-embed", "--drain", "1s")
			addr := strings.TrimPrefix(s.url, "http://")

			held, hold := make(chan struct{}), make(chan struct{})
			release := sync.OnceFunc(func() { close(hold) })
			defer release() // a failed test lets go too
			var once sync.Once
			srv.OnRequest(func(int) bool {
				once.Do(func() { close(held) })
				<-hold
				return true
			})
			type answer struct {
				status int
				body   string
				err    error
			}
			searched := make(chan answer, 1)
			go func() {
				resp, err := http.Post(s.url+"/v1/search", "application/json",
					strings.NewReader(`{"text": "compressing the KV cache of long-context LLMs", "limit": 5}`))
				if err != nil {
					searched <- answer{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				searched <- answer{resp.StatusCode, string(b), err}
			}()
			<-held

			closed := make(chan error, 1)
			go func() { closed <- s.Close() }()
			// Close runs on its own goroutine: wait until it has begun.
			for deadline := time.Now().Add(5 * time.Second); !strings.Contains(s.logs.String(), "draining"); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no drain logged 5 s after Close; log:\n%s", s.logs)
				}
			}
			var rz struct{ Status, Detail string }
			fetch(t, "GET", s.url+"/readyz", "", http.StatusServiceUnavailable, "application/json", &rz)
			if rz.Status != "shutting down" {
				t.Errorf("readyz once shutting down: %+v", rz)
			}
			var paper paperhound.Paper
			fetch(t, "GET", s.url+"/v1/papers/2407.18121", "", http.StatusOK, "application/json", &paper)

			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					break
				}
				conn.Close()
				if time.Now().After(deadline) {
					t.Fatal("new connections are still accepted 10 s after Close began")
				}
			}
			select {
			case got := <-searched:
				t.Fatalf("the search in flight ended before it was let go: %+v", got)
			case err := <-closed:
				t.Fatalf("Close returned %v with a request in flight", err)
			default:
			}
			release()
			var out struct{ Papers []rankedPaper }
			if got := <-searched; got.err != nil || got.status != http.StatusOK || json.Unmarshal([]byte(got.body), &out) != nil || len(out.Papers) != 5 {
				t.Errorf("the search in flight answered %+v, want 200 and 5 papers", got)
			}
			if err := <-closed; err != nil {
				t.Errorf("Close: %v, want nil", err)
			}
		})
	}
}

// The real serve, in a child process, receives SIGTERM: /readyz turns 503
// during the grace period, and the process exits 0; a second SIGTERM
// stops it at once, without waiting for the rest of the grace period.
func TestServeSIGTERM(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		drain string
		twice bool
	}{
		// A grace period well past the 2 s the test allows itself to see
		// /readyz turn 503: under load, a shorter one could close the
		// listener before the first look.
		{"drained", "6s", false},
		{"stopped by a second signal", "1m", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, _ := json.Marshal([]string{"serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--addr", "127.0.0.1:0", "--drain", tt.drain})
			child := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
			child.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
			var stdout, stderr syncBuffer
			child.Stdout, child.Stderr = &stdout, &stderr
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- child.Wait() }()
			defer child.Process.Kill()
			url := serving(t, &stdout, &stderr, done)[2]
			waitReady(t, url, &stderr)

			if err := child.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				resp, err := http.Get(url + "/readyz")
				if err != nil {
					t.Fatalf("readyz after SIGTERM: %v, want 503 for the grace period", err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("readyz still %d 2 s after SIGTERM", resp.StatusCode)
				}
			}
			if tt.twice {
				if err := child.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case err := <-done:
				ee := (*exec.ExitError)(nil)
				killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGTERM
				if tt.twice && !killed || !tt.twice && err != nil {
					t.Errorf("after SIGTERM (twice %v): %v; stderr:\n%s", tt.twice, err, stderr.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("still running 20 s after SIGTERM; stderr:\n%s", stderr.String())
			}
		})
	}
}

// waitReady waits until the server at url answers /readyz with 200;
// stderr has its log.
func waitReady(t *testing.T, url string, stderr *syncBuffer) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, _ := request(t, "GET", url+"/readyz", "", ""); resp.StatusCode == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 20 s; stderr:\n%s", stderr.String())
		}
	}
}

// A load that fails after the server listens ends the run with its error,
// as a failure to open the store does: the server never half-serves.
func TestServeLoadFails(t *testing.T) {
	t.Parallel()
	corrupt := map[string]string{
		"sqlite":   `UPDATE papers SET categories = 'not a list'`,
		"postgres": `UPDATE papers SET categories = 'not a list'`,
	}
	sample := writeFile(t, t.TempDir(), "sample.jsonl", samplePapers)
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			if r := ingestFiles(t, "--db", db.dsn, sample); r.err != nil {
				t.Fatal(r.err, r.stderr)
			}
			raw, err := sql.Open(db.name, db.dsn)
			if err != nil {
				t.Fatal(err)
			}
			_, err = raw.Exec(corrupt[db.name])
			raw.Close()
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(context.Background(), []string{"serve", "--db", db.dsn, "--addr", "127.0.0.1:0", "--drain", "0"}, &stdout, &stderr)
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "load index") {
					t.Errorf("run: %v, want the load's error", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("still serving 20 s after its load failed; stderr:\n%s", stderr.String())
			}
		})
	}
}

// serve saves the embedded index's snapshot beside a SQLite file once it
// has loaded, and the next serve starts from it with the same answers; a
// damaged snapshot is reported and the index loaded from the store.
func TestServeSnapshot(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "papers.db")
	first := startServe(t, "--db", db, "--demo")
	want := ranked(t, "GET", first.url+"/v1/papers/2407.18121/similar?limit=10", "")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(first.logs.String(), "index snapshot saved") {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot saved; log:\n%s", first.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	first.Close()

	tests := []struct {
		name    string
		args    []string
		damage  bool
		wantLog string
	}{
		{"from the snapshot", nil, false, "index loaded from its snapshot"},
		{"snapshot off", []string{"--index-snapshot", "off"}, false, "msg=\"index loaded\""},
		{"damaged snapshot", nil, true, "loading the index from the store instead"},
	}
	for _, tt := range tests {
		if tt.damage {
			if err := os.WriteFile(db+".index", []byte("not a snapshot\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s := startServe(t, append([]string{"--db", db}, tt.args...)...)
		if !strings.Contains(s.logs.String(), tt.wantLog) {
			t.Errorf("%s: the log does not say %q:\n%s", tt.name, tt.wantLog, s.logs)
		}
		if got := ranked(t, "GET", s.url+"/v1/papers/2407.18121/similar?limit=10", ""); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: similar papers = %v, want %v", tt.name, idsOf(got), idsOf(want))
		}
		s.Close()
	}
}

// --debug-addr serves the profiles on an address of their own, never on
// the API's.
func TestServeDebugAddr(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--db", filepath.Join(t.TempDir(), "p.db"), "--debug-addr", "127.0.0.1:0")
	resp, body := request(t, "GET", s.DebugURL()+"/debug/pprof/", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine") {
		t.Errorf("profiles: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := request(t, "GET", s.url+"/debug/pprof/", "", ""); resp.StatusCode != 404 {
		t.Errorf("the API's address serves the profiles: %d", resp.StatusCode)
	}
}
