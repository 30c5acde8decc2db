package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// ingestBatch papers go to the store in one transaction: big enough to
// amortise a commit, small enough that a crash loses little work.
const ingestBatch = 500

// maxShownProblems caps the rejected lines printed; the rest are counted.
const maxShownProblems = 100

// summary counts one ingest run.
type summary struct {
	recommend.IngestStats
	Rejected int
	shown    int
}

func (s *summary) reject(w io.Writer, p ingest.Problem) {
	s.Rejected++
	if s.shown < maxShownProblems {
		fmt.Fprintln(w, p.Error())
		s.shown++
	}
}

func ingestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var votes bool
	fs := cfg.flags("ingest", stderr)
	cfg.storeFlags(fs)
	cfg.backendFlags(fs)
	fs.BoolVar(&votes, "upvotes", false, "the files hold votes, not papers")
	log, err := cfg.parse(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "paperhound ingest: name at least one file to read")
		return errUsage
	}
	b, err := openBackend(ctx, cfg, roleIngest, log)
	if err != nil {
		return err
	}
	defer b.Close()
	engine := b.engine

	var sum summary
	for _, path := range fs.Args() {
		if err := ingestFile(ctx, engine, path, votes, &sum, stderr, log); err != nil {
			var p ingest.Problem
			if !errors.As(err, &p) {
				return err
			}
			sum.reject(stderr, p)
		}
	}
	if sum.shown < sum.Rejected {
		fmt.Fprintf(stderr, "... and %d more rejected lines\n", sum.Rejected-sum.shown)
	}
	line := fmt.Sprintf("added %d, updated %d, unchanged %d, rejected %d", sum.Added, sum.Updated, sum.Unchanged, sum.Rejected)
	var pendingErr error
	if b.endpoint != nil && !votes && ctx.Err() == nil {
		pending, err := finishIngest(ctx, b, stdout, log)
		if err != nil && !errors.Is(err, embed.ErrUnavailable) {
			return err
		}
		line += fmt.Sprintf(", pending %d", pending)
		pendingErr = err
	}
	fmt.Fprintln(stdout, line)
	var rejectedErr error
	if sum.Rejected > 0 {
		rejectedErr = fmt.Errorf("%d lines rejected (listed above); the others were stored", sum.Rejected)
	}
	if err := errors.Join(rejectedErr, pendingErr); err != nil {
		return err
	}
	return ctx.Err()
}

// ingestFile reads one file with progress on stderr. A file that can't be
// opened is a Problem of its own, so the other files still go in.
func ingestFile(ctx context.Context, engine *recommend.Engine, path string, votes bool, sum *summary, stderr io.Writer, log *slog.Logger) error {
	f, err := ingest.Open(path)
	if err != nil {
		reason := err.Error()
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		return ingest.Problem{File: path, Reason: reason}
	}
	defer f.Close()
	var size int64 = -1
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	r, stop := progress(path, f, size, stderr, log)
	defer stop()
	if votes {
		return ingestVotes(ctx, engine.Store(), path, r, sum, stderr)
	}
	return ingestPapers(ctx, engine, path, r, sum, stderr)
}

// ingestPapers streams papers into the engine in batches.
func ingestPapers(ctx context.Context, engine *recommend.Engine, name string, r io.Reader, sum *summary, problems io.Writer) error {
	batch := make([]paperhound.Paper, 0, ingestBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		stats, err := engine.Ingest(ctx, batch)
		if err != nil {
			return err
		}
		sum.Add(stats)
		batch = batch[:0]
		return nil
	}
	err := ingest.ReadPapers(ctx, r, name,
		func(_ int, p paperhound.Paper) error {
			batch = append(batch, p)
			if len(batch) == ingestBatch {
				return flush()
			}
			return nil
		},
		func(p ingest.Problem) error { sum.reject(problems, p); return nil })
	if err != nil {
		return err
	}
	return flush()
}

// ingestVotes stores votes in batches; a vote for a paper not in the store
// is rejected with its line.
func ingestVotes(ctx context.Context, store *schema.Store, name string, r io.Reader, sum *summary, problems io.Writer) error {
	type lineVote struct {
		line int
		vote paperhound.Vote
	}
	var batch []lineVote
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids := make([]string, len(batch))
		for i, lv := range batch {
			ids[i] = lv.vote.Paper
		}
		missing, err := store.MissingPapers(ctx, ids)
		if err != nil {
			return err
		}
		unknown := map[string]bool{}
		for _, id := range missing {
			unknown[id] = true
		}
		votes := make([]paperhound.Vote, 0, len(batch))
		now := time.Now().UTC()
		for _, lv := range batch {
			if unknown[lv.vote.Paper] {
				sum.reject(problems, ingest.Problem{File: name, Line: lv.line, Reason: fmt.Sprintf("unknown paper %q: ingest the paper first", lv.vote.Paper)})
				continue
			}
			if lv.vote.At.IsZero() {
				lv.vote.At = now
			}
			votes = append(votes, lv.vote)
		}
		if err := store.SaveVotes(ctx, votes); err != nil {
			return err
		}
		sum.Added += len(votes)
		batch = batch[:0]
		return nil
	}
	err := ingest.ReadVotes(ctx, r, name,
		func(line int, v paperhound.Vote) error {
			batch = append(batch, lineVote{line, v})
			if len(batch) == ingestBatch {
				return flush()
			}
			return nil
		},
		func(p ingest.Problem) error { sum.reject(problems, p); return nil })
	if err != nil {
		return err
	}
	return flush()
}

// progress wraps r to show how far reading has got: a bar when stderr is a
// terminal, a log line every few seconds otherwise.
func progress(name string, r io.Reader, size int64, stderr io.Writer, log *slog.Logger) (io.Reader, func()) {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
		pr := progressbar.NewReader(r, bar)
		return &pr, func() { _ = bar.Finish() }
	}
	cr := &countReader{r: r}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				n := cr.n.Load()
				if size > 0 {
					log.Info("ingest progress", "file", name, "read_bytes", n, "percent", 100*n/size)
				} else {
					log.Info("ingest progress", "file", name, "read_bytes", n)
				}
			}
		}
	}()
	return cr, func() { close(done) }
}

type countReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// discard is the index of processes that only write the store.
type discard struct{}

func (discard) Upsert(context.Context, []index.Doc) error { return nil }
func (discard) Delete(context.Context, []string) error    { return nil }
func (discard) Search(context.Context, index.Query) ([]index.Hit, error) {
	return nil, nil
}
