package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/ingest"
	"github.com/paperhound/paperhound/recommend"
)

// maxShownProblems caps the problems printed; the rest are counted.
const maxShownProblems = 100

// summary counts one ingest run: lines rejected, files that failed whole or
// from some line on, and warnings about records stored less a field.
type summary struct {
	recommend.IngestStats
	Rejected, Files, Warnings int
	shown                     int
	votes                     bool // a votes import, counted by Changed and Unchanged
	Changed                   int  // votes added, replaced or brought back
}

func (s *summary) reject(w io.Writer, p ingest.Problem) {
	switch {
	case p.Warning:
		s.Warnings++
	case p.Line == 0:
		s.Files++
	default:
		s.Rejected++
	}
	if s.shown < maxShownProblems {
		fmt.Fprintln(w, p.Error())
		s.shown++
	}
}

// String is the closing line: the counts always, warnings and failed files
// when there are any.
func (s *summary) String() string {
	line := fmt.Sprintf("added %d, updated %d, unchanged %d, rejected %d", s.Added, s.Updated, s.Unchanged, s.Rejected)
	if s.votes {
		line = fmt.Sprintf("votes: %d changed, %d unchanged, %d rejected", s.Changed, s.Unchanged, s.Rejected)
	}
	if s.Warnings > 0 {
		line += fmt.Sprintf(", warnings %d", s.Warnings)
	}
	if s.Files > 0 {
		line += fmt.Sprintf(", files failed %d", s.Files)
	}
	return line
}

// err says what was not stored, or is nil; it never claims more was stored
// than the counts show.
func (s *summary) err() error {
	var failed []string
	if s.Files > 0 {
		failed = append(failed, plural(s.Files, "file")+" failed")
	}
	if s.Rejected > 0 {
		failed = append(failed, plural(s.Rejected, "line")+" rejected")
	}
	if len(failed) == 0 {
		return nil
	}
	stored := "nothing was stored"
	if s.Added+s.Updated+s.Unchanged+s.Changed > 0 {
		stored = "every other record read was stored"
	}
	return fmt.Errorf("%s (listed above); %s", strings.Join(failed, ", "), stored)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
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

	sum := summary{votes: votes}
	for _, path := range fs.Args() {
		if err := ingestFile(ctx, engine, path, votes, &sum, stderr, log); err != nil {
			var p ingest.Problem
			if !errors.As(err, &p) {
				return err
			}
			sum.reject(stderr, p)
		}
	}
	if all := sum.Rejected + sum.Files + sum.Warnings; sum.shown < all {
		fmt.Fprintf(stderr, "... and %d more problems\n", all-sum.shown)
	}
	line := sum.String()
	var pendingErr error
	if b.endpoint != nil && !votes && ctx.Err() == nil {
		pending, err := completePending(ctx, b, stdout, log)
		if err != nil && !errors.Is(err, embed.ErrUnavailable) {
			return err
		}
		line += fmt.Sprintf(", pending %d", pending)
		pendingErr = err
	}
	fmt.Fprintln(stdout, line)
	if err := errors.Join(sum.err(), pendingErr); err != nil {
		return err
	}
	return ctx.Err()
}

// completePending computes the dense vectors left pending (by this run or
// an earlier one) and builds the Qdrant collection that ingest deferred. It
// returns the papers still pending, with an error wrapping
// embed.ErrUnavailable that says what becomes of them while the endpoint
// is down.
func completePending(ctx context.Context, b *backend, stdout io.Writer, log *slog.Logger) (int, error) {
	stats, err := b.engine.CompletePending(ctx)
	if stats.Embedded > 0 {
		fmt.Fprintf(stdout, "embedded %d papers whose dense vectors were pending\n", stats.Embedded)
	}
	if err != nil && !errors.Is(err, embed.ErrUnavailable) {
		return stats.Pending, err
	}
	if b.deferred {
		n, built, buildErr := b.buildDeferred(ctx, log)
		if buildErr != nil {
			return stats.Pending, buildErr
		}
		if built {
			fmt.Fprintf(stdout, "filled Qdrant collection %q with %d papers\n", b.qconfig.Collection, n)
		}
	}
	if err != nil {
		return stats.Pending, fmt.Errorf("%d papers are stored, but their dense vectors are pending because the embeddings endpoint does not answer; "+
			"the next ingest run computes them, and so does serve once the endpoint answers (%w)", stats.Pending, err)
	}
	return stats.Pending, nil
}

// ingestFile reads one file with progress on stderr. A file that can't be
// opened is a Problem of its own, so the other files still go in.
func ingestFile(ctx context.Context, engine *recommend.Engine, path string, votes bool, sum *summary, stderr io.Writer, log *slog.Logger) error {
	f, err := ingest.Open(path)
	if err != nil {
		reason := strings.TrimPrefix(err.Error(), "open "+path+": ")
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		return ingest.Problem{File: path, Reason: "cannot be read: " + reason}
	}
	defer f.Close()
	var size int64 = -1
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	r, stop := progress(path, f, size, stderr, log)
	defer stop()
	if votes {
		return ingestVotes(ctx, engine, path, r, sum, stderr)
	}
	return ingestPapers(ctx, engine, path, r, sum, stderr)
}

// ingestPapers streams papers into the engine.
func ingestPapers(ctx context.Context, engine *recommend.Engine, name string, r io.Reader, sum *summary, problems io.Writer) error {
	return inChunks(ctx, ingest.ReadPapers, r, name, sum, problems, func(papers []paperhound.Paper, _ []int) error {
		stats, err := engine.Ingest(ctx, papers)
		sum.Add(stats)
		return err
	})
}

// ingestVotes streams votes into the engine; a vote for a paper not in the
// store is rejected with its line. Votes are counted as changed (added,
// replaced or brought back) or unchanged.
func ingestVotes(ctx context.Context, engine *recommend.Engine, name string, r io.Reader, sum *summary, problems io.Writer) error {
	return inChunks(ctx, ingest.ReadVotes, r, name, sum, problems, func(votes []paperhound.Vote, lines []int) error {
		changed, unknown, err := engine.ImportVotes(ctx, votes)
		sum.Changed += changed
		if err == nil {
			sum.Unchanged += len(votes) - len(unknown) - changed
		}
		for _, i := range unknown {
			sum.reject(problems, ingest.Problem{File: name, Line: lines[i], Reason: fmt.Sprintf("unknown paper %q: ingest the paper first", votes[i].Paper)})
		}
		return err
	})
}

// chunk is how many records are read before they are handed on: it bounds
// memory on a file of any size, and is one batch of Engine.Ingest, so a
// stopped run keeps every chunk handed on.
const chunk = recommend.IngestBatch

// inChunks reads the records of r with read, rejecting bad lines into sum,
// and hands the good ones to save a chunk at a time with their lines.
func inChunks[T any](ctx context.Context,
	read func(context.Context, io.Reader, string, func(int, T) error, func(ingest.Problem) error) error,
	r io.Reader, name string, sum *summary, problems io.Writer, save func(records []T, lines []int) error,
) error {
	records, lines := make([]T, 0, chunk), make([]int, 0, chunk)
	flush := func() error {
		if len(records) == 0 {
			return nil
		}
		err := save(records, lines)
		records, lines = records[:0], lines[:0]
		return err
	}
	err := read(ctx, r, name,
		func(line int, rec T) error {
			records, lines = append(records, rec), append(lines, line)
			if len(records) == chunk {
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
