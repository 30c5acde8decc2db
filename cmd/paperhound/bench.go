package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/bench"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/evaluate"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// benchRun is what one bench run measures, as its flags say.
type benchRun struct {
	papers          int
	seed            uint64
	db              string // a postgres:// URL, or "" for a fresh SQLite file
	dir             string // where the SQLite file and snapshot are kept, or "" for a temporary folder
	requests        int
	budget          time.Duration // most time for each latency figure
	duration, idle  time.Duration
	load            time.Duration // the mixed load before memory is read again
	refresh         time.Duration // serve's --refresh
	corpus          *bench.Corpus
	log             *slog.Logger
	url, adminToken string // the server's, once started
	client          *http.Client
}

// The shape of the measured requests, as the table has them.
const (
	benchClients = 8   // concurrent clients of the throughput figure
	benchUpvotes = 100 // upvotes of the user whose feed is measured,
	benchTopics  = 5   // on this many topics: a paper and its nearest papers each
	benchUser    = "bench"
)

// serveCommand is the command that runs "paperhound ARGS": this program.
// Tests, whose program is the test binary, replace it.
var serveCommand = func(args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this program to run serve: %w", err)
	}
	return exec.Command(exe, args...), nil
}

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var data string
	var ready time.Duration
	r := benchRun{}
	fs := cfg.flags("bench", stderr)
	fs.IntVar(&r.papers, "papers", 10000, "how many papers to make and ingest")
	fs.StringVar(&data, "data", "../shared/data/citeulike-a", "the citeulike-a data set folder, whose titles and abstract sentences make the papers")
	fs.Uint64Var(&r.seed, "seed", 1, "the seed that recombines titles and sentences into papers")
	fs.StringVar(&r.db, "db", "", "a postgres:// URL to measure PostgreSQL (a scratch database is created there and dropped); default a fresh SQLite file in a temporary folder")
	fs.StringVar(&r.dir, "dir", "", "keep the SQLite database and index snapshot in this folder; run again with the same folder, --papers and --seed, and bench measures serve on them, skipping the ingest and first start")
	fs.IntVar(&r.requests, "requests", 200, "requests for each latency figure")
	fs.DurationVar(&r.budget, "budget", time.Minute, "most time for each latency figure: fewer requests are made when they are slow")
	fs.DurationVar(&r.duration, "duration", 10*time.Second, "how long each throughput figure runs")
	fs.DurationVar(&r.idle, "idle", 30*time.Second, "how long the server's idle CPU is measured")
	fs.DurationVar(&r.load, "load", 5*time.Minute, "how long 8 clients ask for every measured kind of request, in turn, before resident memory is read again")
	fs.DurationVar(&r.refresh, "refresh", 10*time.Second, "serve's --refresh, its default; 0 measures serve without it")
	fs.DurationVar(&ready, "ready-timeout", 30*time.Minute, "how long the server may take to load its index")
	log, err := cfg.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case r.papers < benchUpvotes:
		return fmt.Errorf("--papers must be %d or more: the measured feed is that of a user with %d upvotes", benchUpvotes, benchUpvotes)
	case r.requests < 1 || r.budget <= 0 || r.duration <= 0 || r.idle <= 0 || r.load <= 0 || ready <= 0 || r.refresh < 0:
		return errors.New("--requests must be 1 or more; --budget, --duration, --idle, --load and --ready-timeout above 0; --refresh 0 or more")
	case r.db != "" && !schema.IsPostgres(r.db):
		return fmt.Errorf("--db takes a postgres:// URL, got %q: SQLite is measured in a fresh temporary file, the default", r.db)
	case r.db != "" && r.dir != "":
		return errors.New("--dir keeps a SQLite database: it cannot be given with --db")
	}
	if fi, err := os.Stat(data); err != nil || !fi.IsDir() {
		return fmt.Errorf("--data %s: no such folder; bench makes its papers from the citeulike-a data set (items.tsv, abstracts_subset.tsv, ...): point --data at it", data)
	}
	d, err := evaluate.LoadCiteULike(data)
	if err != nil {
		return err
	}
	if r.corpus, err = bench.NewCorpus(d, r.seed); err != nil {
		return fmt.Errorf("--data %s: %w", data, err)
	}
	r.log = log
	return r.run(ctx, ready, stdout)
}

// run measures in the order: ingest, disk, start-up, memory, idle
// CPU, latencies, throughput; each figure is printed as soon as it is known.
func (r *benchRun) run(ctx context.Context, ready time.Duration, stdout io.Writer) (err error) {
	dir, reuse, err := r.folder()
	if err != nil {
		return err
	}
	if r.dir == "" {
		defer os.RemoveAll(dir)
	}
	snapshot := filepath.Join(dir, "bench.index")
	dsn, kind := r.db, "PostgreSQL"
	if dsn == "" {
		dsn, kind = filepath.Join(dir, "bench.db"), "SQLite"
	} else {
		scratch, drop, err := bench.ScratchPostgres(ctx, dsn)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, drop()) }()
		dsn = scratch
	}
	fmt.Fprintf(stdout, "paperhound bench: %d papers of citeulike-a titles and sentences, %s, %d CPUs\n", r.papers, kind, runtime.NumCPU())
	row := func(name, format string, a ...any) {
		fmt.Fprintf(stdout, "%-44s %s\n", name, fmt.Sprintf(format, a...))
	}

	if reuse {
		row("ingest and first start", "skipped: the database and snapshot in %s are reused", dir)
	} else if err := r.prepare(ctx, dsn, snapshot, ready, row); err != nil {
		return err
	}
	srv, err := r.startServe(ctx, dsn, snapshot, ready)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, srv.stop()) }()
	row("serve: /healthz 200 after", "%.3f s", srv.healthy.Seconds())
	row("serve: /readyz 200 after", "%.3f s (from the snapshot)", srv.ready.Seconds())
	mem, err := bench.MemoryOf(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	row("serve: resident memory once ready", "%.0f MB (peak %.0f MB)", float64(mem.RSS)/1e6, float64(mem.Peak)/1e6)
	cpu, err := idleCPU(ctx, srv.cmd.Process.Pid, r.idle)
	if err != nil {
		return err
	}
	row(fmt.Sprintf("serve: idle CPU over %s", r.idle), "%.1f%% of a core (--refresh %s)", 100*cpu, r.refresh)

	if err := r.upvote(ctx); err != nil {
		return err
	}
	if r.db == "" {
		size, took, err := readThrough(dsn)
		if err != nil {
			return err
		}
		row("database read into the page cache", "%.1f MB in %.1f s", float64(size)/1e6, took.Seconds())
	}
	pid := srv.cmd.Process.Pid
	before, err := spentBy(pid)
	if err != nil {
		return err
	}
	for _, q := range r.queries() {
		l, err := bench.Latencies(ctx, r.requests, r.budget, q.do)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		after, err := spentBy(pid)
		if err != nil {
			return err
		}
		n := float64(l.Requests)
		row(q.name+", 1 client", "p50 %s, p99 %s (%d requests; serve's CPU %s, disk reads %.0f KB a request)", ms(l.P50), ms(l.P99), l.Requests,
			ms(time.Duration(float64(after.cpu-before.cpu)/n)), float64(after.read-before.read)/n/1e3)
		before = after
	}
	similar := r.queries()[0]
	one, err := bench.Throughput(ctx, 1, r.duration, similar.do)
	if err != nil {
		return fmt.Errorf("throughput: %w", err)
	}
	many, err := bench.Throughput(ctx, benchClients, r.duration, similar.do)
	if err != nil {
		return fmt.Errorf("throughput: %w", err)
	}
	row("throughput, similar papers, 1 client", "%.1f requests/s", one)
	row(fmt.Sprintf("throughput, similar papers, %d clients", benchClients), "%.1f requests/s (%.2fx 1 client)", many, many/one)

	queries := r.queries()
	mixed, err := bench.Throughput(ctx, benchClients, r.load, func(ctx context.Context, i int) error {
		return queries[i%len(queries)].do(ctx, i/len(queries))
	})
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if mem, err = bench.MemoryOf(srv.cmd.Process.Pid); err != nil {
		return err
	}
	row(fmt.Sprintf("serve: resident memory after %s of load", r.load), "%.0f MB (peak %.0f MB; %d clients, %.1f requests/s of every kind)",
		float64(mem.RSS)/1e6, float64(mem.Peak)/1e6, benchClients, mixed)
	return nil
}

// prepare ingests the papers and starts serve a first time, which loads
// the store and saves the index's snapshot; the start measured after it
// begins from that snapshot. Once both are there, --dir's manifest
// records what they hold.
func (r *benchRun) prepare(ctx context.Context, dsn, snapshot string, ready time.Duration, row func(name, format string, a ...any)) error {
	took, size, err := r.ingest(ctx, dsn)
	if err != nil {
		return err
	}
	row("ingest", "%.0f papers/s (%s)", float64(r.papers)/took.Seconds(), took.Round(time.Millisecond))
	row("database on disk", "%.1f KB/paper (%.1f MB)", float64(size)/float64(r.papers)/1e3, float64(size)/1e6)
	first, err := r.startServe(ctx, dsn, snapshot, ready)
	if err != nil {
		return err
	}
	row("serve, first start: /healthz 200 after", "%.3f s", first.healthy.Seconds())
	row("serve, first start: /readyz 200 after", "%.3f s (the index loaded from the store)", first.ready.Seconds())
	saved, snapSize, err := waitForFile(ctx, snapshot, ready)
	if err != nil {
		return errors.Join(fmt.Errorf("the index snapshot: %w", err), first.stop())
	}
	row("index snapshot saved", "%.1f s after ready, %.1f KB/paper (%.1f MB)", saved.Seconds(), float64(snapSize)/float64(r.papers)/1e3, float64(snapSize)/1e6)
	if err := first.stop(); err != nil {
		return err
	}
	if r.dir == "" {
		return nil
	}
	raw, _ := json.Marshal(r.manifest())
	return os.WriteFile(filepath.Join(r.dir, benchManifest), raw, 0o644)
}

// benchManifest, in a --dir folder, says what a finished run left there.
const benchManifest = "bench.json"

type benchManifestData struct {
	Papers int    `json:"papers"`
	Seed   uint64 `json:"seed"`
}

func (r *benchRun) manifest() benchManifestData {
	return benchManifestData{Papers: r.papers, Seed: r.seed}
}

// folder is where the run keeps its files: a new temporary folder, or
// --dir, which may hold a finished run of the same papers to reuse.
func (r *benchRun) folder() (dir string, reuse bool, err error) {
	if r.dir == "" {
		dir, err = os.MkdirTemp("", "paperhound-bench-")
		return dir, false, err
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return "", false, fmt.Errorf("--dir: %w", err)
	}
	raw, err := os.ReadFile(filepath.Join(r.dir, benchManifest))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Stat(filepath.Join(r.dir, "bench.db")); err == nil {
			return "", false, fmt.Errorf("--dir %s holds an unfinished run's bench.db: remove its bench.* files, or choose another folder", r.dir)
		}
		return r.dir, false, nil
	case err != nil:
		return "", false, fmt.Errorf("--dir: %w", err)
	}
	var m benchManifestData
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", false, fmt.Errorf("--dir %s: %s: %w", r.dir, benchManifest, err)
	}
	if m != r.manifest() {
		return "", false, fmt.Errorf("--dir %s holds %d papers of seed %d, not %d of seed %d: give those flags, or another folder", r.dir, m.Papers, m.Seed, r.papers, r.seed)
	}
	return r.dir, true, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// ingest stores the corpus through the real ingest path, as "paperhound
// ingest" does (the lexical channels, no index in this process), with the
// feed user's upvotes, and returns how long the papers took and the
// database's size on disk then.
func (r *benchRun) ingest(ctx context.Context, dsn string) (time.Duration, int64, error) {
	store, err := schema.Open(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer store.Close()
	engine := recommend.New(store, nil, recommend.LexicalChannels(), r.log)
	// Chunks of papers, so that a million never sit in memory at once.
	const chunk = 10 * recommend.IngestBatch
	var took time.Duration
	for first := 0; first < r.papers; first += chunk {
		papers := make([]paperhound.Paper, min(chunk, r.papers-first))
		for i := range papers {
			papers[i] = r.corpus.Paper(first + i)
		}
		start := time.Now()
		if _, err := engine.Ingest(ctx, papers); err != nil {
			return 0, 0, fmt.Errorf("ingest: %w", err)
		}
		took += time.Since(start)
		r.log.Debug("bench ingest", "papers", first+len(papers), "of", r.papers)
	}
	// The feed's user, created by a first upvote; upvote adds the others
	// once serve can find their topics.
	if _, _, err := engine.ImportVotes(ctx, []paperhound.Vote{{User: benchUser, Paper: bench.ID(r.paper(0)), Value: 1}}); err != nil {
		return 0, 0, fmt.Errorf("the feed user: %w", err)
	}
	size, err := store.DiskBytes(ctx)
	return took, size, err
}

// serveProcess is a "paperhound serve" child process and when it answered.
type serveProcess struct {
	cmd            *exec.Cmd
	stderr         bytes.Buffer // read once the process has ended
	exited         chan error
	healthy, ready time.Duration // from the process's start
}

// startServe starts "paperhound serve" on a free port over dsn, with
// --refresh r.refresh and an admin token for the feed, and waits for
// /healthz and then /readyz to answer 200.
func (r *benchRun) startServe(ctx context.Context, dsn, snapshot string, ready time.Duration) (*serveProcess, error) {
	cmd, err := serveCommand("serve", "--db", dsn, "--addr", "127.0.0.1:0", "--drain", "0", "--refresh", r.refresh.String(),
		"--index-snapshot", snapshot)
	if err != nil {
		return nil, err
	}
	token := make([]byte, 16)
	rand.Read(token)
	r.adminToken = hex.EncodeToString(token)
	// The embedded mode is what is measured, with serve's defaults: the
	// settings that would change it are blanked (an empty variable is
	// unset to paperhound); the token goes by the environment, out of ps.
	cmd.Env = append(cmd.Environ(), "PAPERHOUND_ADMIN_TOKEN="+r.adminToken,
		"PAPERHOUND_EMBED_URL=", "PAPERHOUND_EMBED_MODEL=", "PAPERHOUND_QDRANT_URL=", "PAPERHOUND_DB_MAX_CONNS=")
	// Killed with bench, should bench be killed before it can stop it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &serveProcess{cmd: cmd, exited: make(chan error, 1)}
	cmd.Stderr = &s.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start serve: %w", err)
	}
	// The banner names the address; the rest of stdout is not needed but
	// must be read, lest serve block writing it.
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, url, ok := strings.Cut(sc.Text(), " on http://"); ok && strings.HasPrefix(sc.Text(), "paperhound is serving ") {
				urls <- "http://" + url
			}
		}
		s.exited <- cmd.Wait()
	}()
	fail := func(err error) (*serveProcess, error) {
		return nil, errors.Join(err, s.stop())
	}
	deadline := time.After(ready)
	select {
	case r.url = <-urls:
	case err := <-s.exited:
		return nil, fmt.Errorf("serve ended before it listened: %v; its log:\n%s", err, s.stderr.String())
	case <-deadline:
		return fail(fmt.Errorf("serve did not listen within %s", ready))
	}
	r.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchClients}, Timeout: time.Minute}
	for _, probe := range []struct {
		path string
		at   *time.Duration
	}{{"/healthz", &s.healthy}, {"/readyz", &s.ready}} {
		for {
			if r.get(ctx, probe.path, "") == nil {
				*probe.at = time.Since(start)
				break
			}
			select {
			case err := <-s.exited:
				s.exited <- err
				return fail(fmt.Errorf("serve ended before %s answered 200", probe.path))
			case <-deadline:
				return fail(fmt.Errorf("%s did not answer 200 within %s (--ready-timeout)", probe.path, ready))
			case <-ctx.Done():
				return fail(ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return s, nil
}

// waitForFile waits up to limit for path to exist, and returns how long
// that took and its size.
func waitForFile(ctx context.Context, path string, limit time.Duration) (time.Duration, int64, error) {
	start := time.Now()
	for {
		info, err := os.Stat(path)
		if err == nil {
			return time.Since(start), info.Size(), nil
		}
		if time.Since(start) > limit {
			return 0, 0, fmt.Errorf("%s not written within %s", path, limit)
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop ends serve as Ctrl-C would and waits for it; its log is returned
// with an error when it did not end cleanly.
func (s *serveProcess) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			return fmt.Errorf("serve: %w; its log:\n%s", err, s.stderr.String())
		}
		return nil
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("serve did not stop within a minute of SIGTERM; killed")
	}
}

// idleCPU is the share of a core process pid uses over d while nothing is
// asked of it.
func idleCPU(ctx context.Context, pid int, d time.Duration) (float64, error) {
	before, err := bench.CPUTime(pid)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	after, err := bench.CPUTime(pid)
	if err != nil {
		return 0, err
	}
	return (after - before).Seconds() / time.Since(start).Seconds(), nil
}

// readThrough reads a file once, so that the figures after it are those
// of a server whose database is in the page cache, as one that has served
// a while with the memory for it is, and not of whatever pages earlier
// runs left there (the same papers are asked in the same order every run):
// at 1M papers a similar-paper request read 88 KB from disk and took 14 ms
// p50 with the cache emptied, none and 10 ms right after a run that had
// asked for the same papers. The disk reads column still shows a page
// cache emptied during the run, as this project's test machines' host does
// within minutes.
func readThrough(path string) (int64, time.Duration, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("read the database through: %w", err)
	}
	defer f.Close()
	n, err := io.Copy(io.Discard, f)
	if err != nil {
		return n, 0, fmt.Errorf("read the database through: %w", err)
	}
	return n, time.Since(start), nil
}

// spent is what a process has used so far: CPU time and bytes read from
// storage. Over a latency figure's requests they tell whether a slow one
// was computing or waiting for the disk (a page cache too small, or
// emptied by the host, as on this project's test machines).
type spent struct {
	cpu  time.Duration
	read int64
}

func spentBy(pid int) (spent, error) {
	cpu, err := bench.CPUTime(pid)
	if err != nil {
		return spent{}, err
	}
	read, err := bench.DiskRead(pid)
	return spent{cpu, read}, err
}

// benchQuery is one kind of measured request; do makes request i.
type benchQuery struct {
	name string
	do   func(ctx context.Context, i int) error
}

// queries are the measured requests, similar papers first. Request i asks
// about a paper spread over the corpus by i; the whole-abstract search
// sends the abstract of a paper past the corpus, which is not stored.
func (r *benchRun) queries() []benchQuery {
	paper := r.paper
	return []benchQuery{
		{"similar papers", func(ctx context.Context, i int) error {
			return r.get(ctx, "/v1/papers/"+neturl.PathEscape(bench.ID(paper(i)))+"/similar?limit=10", "")
		}},
		{"search, 3 words", func(ctx context.Context, i int) error {
			// The first searchable words of a paper, as a reader would
			// type them: "How do we" would be refused, having none.
			p := r.corpus.Paper(paper(i))
			words := embed.Tokens(p.Title + " " + p.Abstract)
			return r.get(ctx, "/v1/search?limit=10&q="+neturl.QueryEscape(strings.Join(words[:min(3, len(words))], " ")), "")
		}},
		{"search, a whole abstract (POST)", func(ctx context.Context, i int) error {
			body, _ := json.Marshal(map[string]any{"text": r.corpus.Paper(r.papers + i).Abstract, "limit": 10})
			return r.do(ctx, "POST", "/v1/search", "", bytes.NewReader(body), nil)
		}},
		{fmt.Sprintf("feed page of 50, %d upvotes", benchUpvotes), func(ctx context.Context, _ int) error {
			return r.get(ctx, "/v1/users/"+benchUser+"/recommendations?limit=50", r.adminToken)
		}},
	}
}

// paper is the paper request i asks about: spread over the corpus.
func (r *benchRun) paper(i int) int { return i * 7919 % r.papers }

// upvote gives the feed's user benchUpvotes upvotes through the API, as a
// reader would: on benchTopics topics, each a paper and the papers most
// similar to it. Upvotes spread at random over the corpus would make a
// reader of everything, whose feed is the slowest to rank and no one's.
func (r *benchRun) upvote(ctx context.Context) error {
	upvoted := map[string]bool{}
	for seed := 0; len(upvoted) < benchUpvotes && seed < r.papers; seed++ {
		var similar struct{ Papers []struct{ ID string } }
		id := bench.ID(r.paper(seed))
		if err := r.do(ctx, "GET", "/v1/papers/"+neturl.PathEscape(id)+"/similar?limit="+fmt.Sprint(benchUpvotes/benchTopics-1), "", nil, &similar); err != nil {
			return fmt.Errorf("the feed user's upvotes: %w", err)
		}
		topic := []string{id}
		for _, p := range similar.Papers {
			topic = append(topic, p.ID)
		}
		for _, id := range topic {
			if len(upvoted) == benchUpvotes || upvoted[id] {
				continue
			}
			if err := r.do(ctx, "PUT", "/v1/users/"+benchUser+"/upvotes/"+neturl.PathEscape(id), r.adminToken, nil, nil); err != nil {
				return fmt.Errorf("the feed user's upvotes: %w", err)
			}
			upvoted[id] = true
		}
	}
	return nil
}

func (r *benchRun) get(ctx context.Context, path, token string) error {
	return r.do(ctx, "GET", path, token, nil, nil)
}

// do makes a request of the server and reads its answer, which must be a
// success; out, unless nil, gets it decoded from JSON.
func (r *benchRun) do(ctx context.Context, method, path, token string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, r.url+path, body)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
	case resp.StatusCode/100 != 2:
		err = fmt.Errorf("%s %s: %s: %.300s", method, path, resp.Status, answer)
	case out != nil:
		err = json.Unmarshal(answer, out)
	}
	return err
}
