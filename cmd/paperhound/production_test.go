package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperhound/paperhound/embed/embedtest"
	"github.com/paperhound/paperhound/index/qdranttest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// probeText is what the endpoint embedder sends to check it answers.
const probeText = "paperhound start-up probe"

// The production path end to end: serve on a database, with the index in
// (a fake) Qdrant and a dense channel from (a fake) OpenAI-compatible
// endpoint; then reindex, which calls no embedder.
func TestQdrantProduction(t *testing.T) {
	const key = "sk-test-never-shown-0123456789"
	t.Setenv("PAPERHOUND_EMBED_API_KEY", key)
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			srv := embedtest.Start(t, embedtest.Options{APIKey: key})
			qd := qdranttest.Start(t)
			backend := []string{"--db", db.dsn, "--qdrant-url", qd.URL, "--embed-url", srv.URL, "--embed-model", "fake-embed", "--embed-batch", "8"}
			s := startServe(t, append([]string{"--demo"}, backend...)...)

			similar := ranked(t, "GET", s.url+"/v1/papers/2407.18121/similar?limit=5", "")
			kv := 0
			for _, p := range similar {
				if slices.Contains(kvCache, p.ID) {
					kv++
				}
			}
			if len(similar) != 5 || kv < 3 || slices.Contains(idsOf(similar), "2407.18121") {
				t.Errorf("similar: %v, want 5 papers, 3 or more about KV caches, not 2407.18121", idsOf(similar))
			}
			search := ranked(t, "GET", s.url+"/v1/search?q=speculative+decoding&limit=5", "")
			if len(search) != 5 || !slices.Contains([]string{"2407.01955", "2512.05033"}, search[0].ID) {
				t.Errorf("search: %v, want 5 with a speculative decoding paper first", idsOf(search))
			}
			post := ranked(t, "POST", s.url+"/v1/search", `{"text": "compressing the KV cache of long-context LLMs", "limit": 5}`)
			if len(post) != 5 || !slices.Contains(kvCache, post[0].ID) {
				t.Errorf("POST search: %v, want 5 with a KV-cache paper first", idsOf(post))
			}
			rz := readyz(t, s.url)
			if rz.Status != "ready" || rz.Checks["index"].Detail != "qdrant" || !rz.Checks["embedder"].OK || !rz.Checks["store"].OK {
				t.Errorf("readyz: %+v", rz)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if n := qd.Points("papers"); n != 38 {
				t.Errorf("Qdrant holds %d points, want 38", n)
			}
			if r := srv.Repeated(probeText); len(r) > 0 {
				t.Errorf("%d texts embedded twice", len(r))
			}
			// The banner is checked by TestServeCommand.
			if strings.Contains(s.logs.String(), key) {
				t.Errorf("the API key is logged:\n%s", s.logs)
			}

			// A mistyped --db: reindex --recreate fails before it drops
			// the collection that only the right store can rebuild.
			typo := append(append([]string{"reindex"}, backend...), "--recreate", "--db", filepath.Join(t.TempDir(), "typo.db"))
			if err := run(context.Background(), typo, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "ingest papers first") {
				t.Errorf("reindex --recreate on a missing database: %v, want it to say to ingest papers first", err)
			}
			if n := qd.Points("papers"); n != 38 {
				t.Errorf("after reindex --recreate on a missing database Qdrant holds %d points, want 38", n)
			}

			// reindex rebuilds the collection from the store alone.
			requests := srv.Requests()
			for _, args := range [][]string{nil, {"--recreate"}} {
				var stdout, stderr bytes.Buffer
				if err := run(context.Background(), append(append([]string{"reindex"}, backend...), args...), &stdout, &stderr); err != nil {
					t.Fatalf("reindex %v: %v; stderr %s", args, err, stderr.String())
				}
				if !strings.Contains(stdout.String(), `indexed 38 papers into Qdrant collection "papers"`) || strings.Contains(stdout.String(), "pending") {
					t.Errorf("reindex %v printed %q", args, stdout.String())
				}
				if n := qd.Points("papers"); n != 38 {
					t.Errorf("after reindex %v Qdrant holds %d points, want 38", args, n)
				}
			}
			if srv.Requests() != requests {
				t.Errorf("reindex made %d requests to the endpoint, want none", srv.Requests()-requests)
			}

			// A new server on the same store and collection embeds nothing
			// again, and answers alike.
			s = startServe(t, backend...)
			if got := ranked(t, "GET", s.url+"/v1/papers/2407.18121/similar?limit=5", ""); !slices.Equal(idsOf(got), idsOf(similar)) {
				t.Errorf("second server: similar %v, first %v", idsOf(got), idsOf(similar))
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(s.logs.String(), "fewer papers than the store") {
				t.Errorf("a full collection is reported short:\n%s", s.logs)
			}
			if r := srv.Repeated(probeText); len(r) > 0 {
				t.Errorf("%d texts embedded twice after a restart", len(r))
			}

			// The command line on the same backend.
			ids := table(t, append([]string{"search"}, append(backend, "speculative decoding")...)...)
			if len(ids) != 10 || !slices.Contains([]string{"2407.01955", "2512.05033"}, ids[0]) {
				t.Errorf("search on the command line: %v, want a speculative decoding paper first", ids)
			}
		})
	}
}

// An endpoint outage during ingest: the papers are stored at once with
// their vectors pending, the run says so and fails; the next run, with the
// endpoint back, computes them, each text once.
func TestIngestEndpointOutage(t *testing.T) {
	t.Parallel()
	sample := writeFile(t, t.TempDir(), "sample.jsonl", samplePapers)
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			srv := embedtest.Start(t, embedtest.Options{})
			srv.SetDown(true)
			args := []string{"--db", db.dsn, "--embed-url", srv.URL, "--embed-model", "fake-embed", sample}
			r := ingestFiles(t, args...)
			if r.err == nil || !strings.Contains(r.err.Error(), "38 papers are stored, but their dense vectors are pending") {
				t.Errorf("ingest while down: %v, want an error saying 38 are pending", r.err)
			}
			if !strings.Contains(r.stdout, "added 38, updated 0, unchanged 0, rejected 0, pending 38") {
				t.Errorf("ingest while down printed %q", r.stdout)
			}
			if _, n := allPapers(t, db.dsn); n != 38 {
				t.Errorf("%d papers stored, want 38", n)
			}

			srv.SetDown(false)
			r = ingestFiles(t, args...)
			if r.err != nil {
				t.Fatalf("ingest after the outage: %v; stderr %s", r.err, r.stderr)
			}
			for _, want := range []string{"embedded 38 papers whose dense vectors were pending", "added 0, updated 0, unchanged 38, rejected 0, pending 0"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("ingest after the outage printed %q, want %q", r.stdout, want)
				}
			}
			if r := srv.Repeated(probeText); len(r) > 0 {
				t.Errorf("%d texts embedded twice", len(r))
			}
			// The probe's answers settle the vectors' length.
			if n := srv.Texts() - srv.Count(probeText); n != 38 {
				t.Errorf("%d texts embedded besides the probe's, want 38", n)
			}
		})
	}
}

// Behind a load balancer where three requests in ten reach a replica
// serving another model version (vectors of half the length, the first
// answer among them), ingest finishes with nothing pending, pays for no
// text twice but the discarded answers, and the commands that follow are
// not refused.
func TestIngestWrongLengthReplicas(t *testing.T) {
	t.Parallel()
	sample := writeFile(t, t.TempDir(), "sample.jsonl", samplePapers)
	for _, db := range databases(t) {
		t.Run(db.name, func(t *testing.T) {
			srv := embedtest.Start(t, embedtest.Options{})
			srv.SetFault(embedtest.WrongLength, 0.3)
			backend := []string{"--db", db.dsn, "--embed-url", srv.URL, "--embed-model", "fake-embed", "--embed-batch", "4"}
			r := ingestFiles(t, append(backend, sample)...)
			if r.err != nil || !strings.Contains(r.stdout, "added 38, updated 0, unchanged 0, rejected 0, pending 0") {
				t.Fatalf("ingest: %v, printed %q; stderr %s", r.err, r.stdout, r.stderr)
			}
			if n := strings.Count(r.stderr, "answered vectors of another length"); n != 1 {
				t.Errorf("the discarded answers are logged %d times, want once:\n%s", n, r.stderr)
			}
			if r := srv.Repeated(probeText); len(r) > 0 {
				t.Errorf("%d texts answered twice with a vector that was kept", len(r))
			}
			st, err := schema.Open(context.Background(), db.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if dims, err := recommend.StoredDims(context.Background(), st, "endpoint/fake-embed"); err != nil || dims != 64 {
				t.Errorf("stored vectors have %d dimensions (%v), want 64", dims, err)
			}
			if ids := table(t, append(append([]string{"search"}, backend...), "speculative decoding")...); len(ids) != 10 {
				t.Errorf("search after the ingest: %v", ids)
			}
			r = ingestFiles(t, append(backend, sample)...)
			if r.err != nil || !strings.Contains(r.stdout, "unchanged 38") {
				t.Errorf("a second ingest: %v, printed %q", r.err, r.stdout)
			}
		})
	}
}

// Ingest with Qdrant while the endpoint is down, before the collection
// exists: its dense vectors' size is unknown, so the papers go to the store
// only, and into Qdrant on the next run that can embed.
func TestQdrantIngestOutageBeforeCollection(t *testing.T) {
	t.Parallel()
	sample := writeFile(t, t.TempDir(), "sample.jsonl", samplePapers)
	db := filepath.Join(t.TempDir(), "x.db")
	srv := embedtest.Start(t, embedtest.Options{})
	qd := qdranttest.Start(t)
	args := []string{"--db", db, "--qdrant-url", qd.URL, "--embed-url", srv.URL, "--embed-model", "fake-embed", sample}
	srv.SetDown(true)
	if r := ingestFiles(t, args...); r.err == nil || !strings.Contains(r.stdout, "pending 38") {
		t.Fatalf("ingest while down: %v, %q", r.err, r.stdout)
	}
	if n := qd.Points("papers"); n != -1 {
		t.Errorf("the collection holds %d points, want none made", n)
	}
	srv.SetDown(false)
	r := ingestFiles(t, args...)
	if r.err != nil || !strings.Contains(r.stdout, "pending 0") {
		t.Fatalf("ingest after the outage: %v, %q, %s", r.err, r.stdout, r.stderr)
	}
	if n := qd.Points("papers"); n != 38 {
		t.Errorf("the collection holds %d points, want 38", n)
	}
}

// synthPapers writes n distinct sample-like papers (a title and an
// abstract of so many words from a 3,000-word vocabulary) as JSON Lines.
func synthPapers(n, abstractWords int) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	vocab := make([]string, 3000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("%s%s%s", syllables[r.IntN(len(syllables))], syllables[r.IntN(len(syllables))], syllables[r.IntN(len(syllables))])
	}
	words := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = vocab[int(float64(len(vocab))*r.Float64()*r.Float64())] // skewed toward the first words
		}
		return strings.Join(w, " ")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for i := range n {
		_ = enc.Encode(map[string]any{
			"id": fmt.Sprintf("2501.%05d", i), "title": words(8), "abstract": words(abstractWords),
			"published": "2025-01-15", "authors": []string{"A. Author"},
		})
	}
	return b.Bytes()
}

var syllables = strings.Fields("ka to mi re su no ha ti lo be ra de fu gi po ze vu ny")

// Settings that cannot work are refused at start-up, saying what to fix;
// the API key is never shown.
func TestProductionConfigErrors(t *testing.T) {
	const key = "sk-wrong-key-never-shown-42"
	t.Setenv("PAPERHOUND_EMBED_API_KEY", key)
	db := filepath.Join(t.TempDir(), "x.db")
	up := embedtest.Start(t, embedtest.Options{APIKey: key})
	strict := embedtest.Start(t, embedtest.Options{APIKey: "another-key"})
	qd := qdranttest.Start(t)
	sample := writeFile(t, t.TempDir(), "sample.jsonl", samplePapers)
	if err := run(context.Background(), []string{"ingest", "--db", db, "--embed-url", up.URL, "--embed-model", "m", sample}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	// Papers stored without the endpoint: none of their dense vectors is.
	noVectors := filepath.Join(t.TempDir(), "y.db")
	if err := run(context.Background(), []string{"ingest", "--db", noVectors, sample}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	up.SetDims(32) // the model behind the name changed

	tests := []struct {
		name    string
		env     [2]string
		args    []string
		mention string
	}{
		{"model without url", [2]string{}, []string{"search", "--db", db, "--embed-model", "m", "kv"}, "--embed-url"},
		{"url without model", [2]string{}, []string{"similar", "--db", db, "--embed-url", up.URL, "x"}, "--embed-model"},
		{"bad env number", [2]string{"PAPERHOUND_EMBED_DIMS", "many"}, []string{"search", "--db", db, "kv"}, "PAPERHOUND_EMBED_DIMS"},
		{"zero batch", [2]string{}, []string{"search", "--db", db, "--embed-batch", "0", "kv"}, "--embed-batch"},
		{"key refused", [2]string{}, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--embed-url", strict.URL, "--embed-model", "m"}, "401"},
		{"key refused at ingest", [2]string{}, []string{"ingest", "--db", db, "--embed-url", strict.URL, "--embed-model", "m", sample}, "401"},
		{"dims changed", [2]string{}, []string{"search", "--db", db, "--embed-url", up.URL, "--embed-model", "m", "kv"}, "holds 64-dimensional vectors, but the embedder now returns 32"},
		{"reindex without qdrant", [2]string{}, []string{"reindex", "--db", db}, "--qdrant-url"},
		{"qdrant unreachable", [2]string{}, []string{"search", "--db", db, "--qdrant-url", "http://127.0.0.1:1", "kv"}, "cannot reach Qdrant"},
		{"reindex before any vector", [2]string{}, []string{"reindex", "--db", noVectors, "--qdrant-url", qd.URL, "--embed-url", up.URL, "--embed-model", "m"}, "every paper is pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env[0] != "" {
				t.Setenv(tt.env[0], tt.env[1])
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("run %q: %v, want an error mentioning %q", tt.args, err, tt.mention)
			}
			if err != nil && strings.Contains(err.Error()+stdout.String()+stderr.String(), key) {
				t.Errorf("the API key is shown: %v", err)
			}
		})
	}
}

// readiness is the /readyz answer.
type readiness struct {
	Status string
	Checks map[string]struct {
		OK     bool
		Detail string
	}
}

// readyz asks the server at url for its readiness, which must be 200.
func readyz(t *testing.T, url string) readiness {
	t.Helper()
	var rz readiness
	fetch(t, "GET", url+"/readyz", "", http.StatusOK, "application/json", &rz)
	return rz
}

// serve starts while the endpoint is down (503s or reset connections):
// degraded, answering from the lexical channels, /readyz 200 "degraded";
// queries do not wait for it. A stall later costs one query the query
// timeout (--embed-query-timeout), not the next.
func TestServeStartsDegraded(t *testing.T) {
	t.Parallel()
	for _, db := range databases(t) {
		for _, fault := range []struct {
			name string
			set  func(*embedtest.Server)
		}{
			{"down", func(s *embedtest.Server) { s.SetDown(true) }},
			{"reset", func(s *embedtest.Server) { s.SetFault(embedtest.Reset, 1) }},
		} {
			t.Run(fault.name+"/"+db.name, func(t *testing.T) {
				srv := embedtest.Start(t, embedtest.Options{})
				fault.set(srv)
				s := startServe(t, "--demo", "--db", db.dsn, "--embed-url", srv.URL, "--embed-model", "fake-embed")
				rz := readyz(t, s.url)
				if rz.Status != "degraded" || rz.Checks["embedder"].OK || !rz.Checks["store"].OK {
					t.Errorf("readyz: %+v, want degraded with the embedder down", rz)
				}
				for i := range 2 {
					start := time.Now()
					search := ranked(t, "GET", s.url+"/v1/search?q=speculative+decoding&limit=5", "")
					if len(search) != 5 || !slices.Contains([]string{"2407.01955", "2512.05033"}, search[0].ID) {
						t.Errorf("search %d: %v, want 5 with a speculative decoding paper first", i+1, idsOf(search))
					}
					if took := time.Since(start); took > time.Second {
						t.Errorf("search %d took %v", i+1, took)
					}
				}
				if n := srv.Received("speculative decoding"); n != 0 {
					t.Errorf("queries made %d requests to the endpoint that failed at start-up", n)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(s.logs.String(), "starting degraded") {
					t.Errorf("serve does not say it starts degraded:\n%s", s.logs)
				}
			})
		}
	}
	t.Run("stall", func(t *testing.T) {
		srv := embedtest.Start(t, embedtest.Options{})
		s := startServe(t, "--demo", "--db", filepath.Join(t.TempDir(), "x.db"), "--embed-url", srv.URL, "--embed-model", "fake-embed",
			"--embed-query-timeout", "1s")
		srv.SetFault(embedtest.Stall, 1)
		for i, most := range []time.Duration{3 * time.Second, time.Second} {
			start := time.Now()
			if got := ranked(t, "GET", s.url+"/v1/search?q=speculative+decoding&limit=5", ""); len(got) != 5 {
				t.Errorf("search %d while the endpoint stalls: %v", i+1, idsOf(got))
			}
			if took := time.Since(start); took > most {
				t.Errorf("search %d took %v, want %v at most", i+1, took, most)
			}
		}
	})
}

// childArgsEnv carries the arguments of a paperhound run in a child
// process: the test binary itself, running TestChildProcess.
const childArgsEnv = "PAPERHOUND_TEST_CHILD_ARGS"

// TestChildProcess is paperhound's main in a child process, signals and
// exit codes included, for tests that kill or signal it; it skips unless
// started so.
func TestChildProcess(t *testing.T) {
	raw := os.Getenv(childArgsEnv)
	if raw == "" {
		t.Skip("runs only as the child process of another test")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Args = append([]string{"paperhound"}, args...)
	main()
	os.Exit(0)
}

// A run interrupted in the middle of ingesting keeps the batches it
// committed; run again, it adds the rest, stores every paper once with its
// vector, and embeds no text twice: vectors are saved as each request
// returns. It is interrupted as Ctrl-C would (its context cancelled while a
// request is in flight) or by SIGKILL (a real process, killed while a
// request is held).
func TestIngestInterruptedAndResumed(t *testing.T) {
	t.Parallel()
	// A batch of recommend.IngestBatch (500) and part of a second. Short
	// abstracts: nothing here depends on their length, and the race
	// detector makes each word cost.
	const n = 600
	// Requests 1 and 2 are the probe's (two answers settle the vectors'
	// length), 3 to 34 the first batch's 500 texts, 35 to 41 the second
	// batch's 100; the run is interrupted at request stopAt.
	const stopAt = 37
	file := writeFile(t, t.TempDir(), "synth.jsonl", synthPapers(n, 20))
	interrupts := []struct {
		name string
		// interrupt runs args and interrupts it in the second batch.
		interrupt func(t *testing.T, srv *embedtest.Server, args []string)
	}{
		{"stopped", func(t *testing.T, srv *embedtest.Server, args []string) {
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			// Requests sent while the cancellation spreads are refused, as a
			// stopped process gets no more answers.
			srv.OnRequest(func(n int) bool {
				if n == stopAt {
					stop()
				}
				return n < stopAt
			})
			var stdout, stderr bytes.Buffer
			if err := run(ctx, args, &stdout, &stderr); !errors.Is(err, context.Canceled) {
				t.Fatalf("stopped run: %v, want context.Canceled", err)
			}
		}},
		{"killed", func(t *testing.T, srv *embedtest.Server, args []string) {
			raw, _ := json.Marshal(args)
			child := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
			child.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
			var out bytes.Buffer
			child.Stdout, child.Stderr = &out, &out
			// Request stopAt is held while the process is killed, long
			// enough that every answer before it has been saved.
			started := make(chan *os.Process, 1)
			srv.OnRequest(func(n int) bool {
				if n == stopAt {
					time.Sleep(time.Second)
					(<-started).Kill()
				}
				return n < stopAt
			})
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			started <- child.Process
			err := child.Wait()
			if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want killed; output:\n%s", err, out.String())
			}
		}},
	}
	for _, in := range interrupts {
		for _, db := range databases(t) {
			t.Run(in.name+"/"+db.name, func(t *testing.T) {
				t.Parallel()
				srv := embedtest.Start(t, embedtest.Options{})
				args := []string{"ingest", "--db", db.dsn, "--embed-url", srv.URL, "--embed-model", "fake-embed",
					"--embed-batch", "16", "--embed-concurrency", "1", file}
				in.interrupt(t, srv, args)
				if _, stored := allPapers(t, db.dsn); stored != 500 {
					t.Errorf("%d papers stored by the %s run, want the first batch, 500", stored, in.name)
				}
				answered, interruptedRequests := srv.Texts(), srv.Requests()

				srv.OnRequest(nil)
				var stdout, stderr bytes.Buffer
				if err := run(context.Background(), args, &stdout, &stderr); err != nil {
					t.Fatalf("resumed run: %v; stderr %s", err, stderr.String())
				}
				if !strings.Contains(stdout.String(), "added 100, updated 0, unchanged 500, rejected 0, pending 0") {
					t.Errorf("resumed run printed %q", stdout.String())
				}
				if r := srv.Repeated(probeText); len(r) > 0 {
					t.Errorf("%d texts embedded twice, e.g. %.40q by requests %v (%d before the interruption)", len(r), r[0], srv.Answers(r[0]), interruptedRequests)
				}
				if got := srv.Texts() - srv.Count(probeText); got != n {
					t.Errorf("%d texts embedded in all besides the probes' (%d by the %s run), want %d: each paper once", got, answered, in.name, n)
				}
				st, err := schema.Open(context.Background(), db.dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				if missing, err := st.CountMissingVector(context.Background(), "endpoint/fake-embed"); err != nil || missing != 0 {
					t.Errorf("%d papers without their dense vector (%v)", missing, err)
				}
				if stored, err := st.CountPapers(context.Background()); err != nil || stored != n {
					t.Errorf("%d papers stored (%v), want %d", stored, err, n)
				}
			})
		}
	}
}

// serve computes in the background the vectors an ingest left pending.
func TestServeCompletesPending(t *testing.T) {
	t.Parallel()
	sample := writeFile(t, t.TempDir(), "sample.jsonl", samplePapers)
	db := filepath.Join(t.TempDir(), "x.db")
	srv := embedtest.Start(t, embedtest.Options{})
	qd := qdranttest.Start(t)
	backend := []string{"--db", db, "--qdrant-url", qd.URL, "--embed-url", srv.URL, "--embed-model", "fake-embed"}
	srv.SetDown(true)
	if r := ingestFiles(t, append(backend, sample)...); r.err == nil {
		t.Fatal("ingest while down succeeded")
	}
	srv.SetDown(false)
	s := startServe(t, backend...)
	st, err := schema.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.logs.String(), "pending vectors completed") {
		if time.Now().After(deadline) {
			t.Fatalf("no pending vectors completed 20 s after serve started; log:\n%s", s.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, err := st.CountMissingVector(context.Background(), "endpoint/fake-embed"); err != nil || n != 0 {
		t.Errorf("%d papers still pending (%v)", n, err)
	}
	if n := qd.Points("papers"); n != 38 {
		t.Errorf("Qdrant holds %d points, want 38", n)
	}
	if got := ranked(t, "GET", s.url+"/v1/search?q=speculative+decoding&limit=5", ""); len(got) != 5 {
		t.Errorf("search: %v", idsOf(got))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.logs.String(), "fewer papers than the store") {
		t.Errorf("the collection is reported short while its papers are pending:\n%s", s.logs)
	}
	if r := srv.Repeated(probeText); len(r) > 0 {
		t.Errorf("%d texts embedded twice", len(r))
	}
}

// Moving a store to Qdrant: serve says the collection is short, reindex
// fills it (lexical channels only here, no endpoint).
func TestQdrantReindexExistingStore(t *testing.T) {
	t.Parallel()
	db := sampleDB(t)
	qd := qdranttest.Start(t)
	s := startServe(t, "--db", db, "--qdrant-url", qd.URL)
	if got := ranked(t, "GET", s.url+"/v1/search?q=speculative+decoding", ""); len(got) != 0 {
		t.Errorf("an empty collection found %v", idsOf(got))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.logs.String(), `run \"paperhound reindex\"`) {
		t.Errorf("serve does not say to reindex:\n%s", s.logs)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"reindex", "--db", db, "--qdrant-url", qd.URL}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if n := qd.Points("papers"); n != 38 {
		t.Errorf("Qdrant holds %d points after reindex, want 38", n)
	}
	want := table(t, "search", "--db", db, "speculative decoding")
	if got := table(t, "search", "--db", db, "--qdrant-url", qd.URL, "speculative decoding"); !slices.Equal(got, want) {
		t.Errorf("search on Qdrant %v, in process %v", got, want)
	}
}
