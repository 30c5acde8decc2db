// Package harvest brings new papers in by itself: arXiv's listings over
// OAI-PMH and Hugging Face's daily papers, each from where its last run
// ended. Papers go in through the engine's one ingest path, so an
// unchanged paper is skipped and a text already embedded is not embedded
// again. Where each source stands, and a lease that lets one sync run at a
// time on a database, are kept in the store. It knows the store and the
// engine only through the interfaces below, which schema.Store and
// recommend.Engine satisfy; cmd wires them.
package harvest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// Ingester stores papers with their vectors: recommend.Engine.
type Ingester interface {
	Ingest(ctx context.Context, papers []paperhound.Paper) (recommend.IngestStats, error)
}

// Store reads the papers already stored and keeps the sync's state and
// lease: schema.Store.
type Store interface {
	Papers(ctx context.Context, ids []string) (map[string]paperhound.Paper, error)
	SyncState(ctx context.Context, source string) (schema.SyncState, error)
	SaveSyncState(ctx context.Context, st schema.SyncState) error
	AcquireLease(ctx context.Context, name, holder, replace string, ttl time.Duration) (schema.Lease, error)
	RenewLease(ctx context.Context, name, holder string, ttl time.Duration) error
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Sources are the sources a sync knows, in the order it runs them: arXiv
// first, so that a paper new to both gets arXiv's metadata at once.
var Sources = []string{"arxiv", "hf"}

// Config says what to sync and how.
type Config struct {
	Sources    []string // of Sources
	ArxivURL   string   // the OAI-PMH base URL, https://oaipmh.arxiv.org/oai
	Set        string   // the OAI-PMH set, e.g. "cs"; "" for all of arXiv
	Categories []string // keep only arXiv records in one of these (cs.CL); none keeps all
	HFURL      string   // https://huggingface.co
	// Since is the first day to fetch when a source has not got further.
	// Unset: arXiv's whole set, and Hugging Face's today.
	Since paperhound.Date
	Pause time.Duration // the least time between two requests
	// Progress, when set, hears of each page stored.
	Progress func(Progress)

	Client *http.Client                               // http.DefaultClient when nil
	Now    func() time.Time                           // time.Now when nil
	Sleep  func(context.Context, time.Duration) error // waits between requests; tests replace it
	Log    *slog.Logger
}

// Result is what one source's run did: records fetched, papers added,
// updated and unchanged (the rest of what was fetched was skipped:
// deleted, outside the categories, or unfit to store), and the error that
// stopped it.
type Result struct {
	Source                             string
	Fetched, Added, Updated, Unchanged int
	Err                                error
}

// Skipped is the records fetched but not stored.
func (r Result) Skipped() int { return r.Fetched - r.Added - r.Updated - r.Unchanged }

// String is the summary line of a source: "arxiv: fetched N, added N,
// updated N, unchanged N".
func (r Result) String() string {
	s := fmt.Sprintf("%s: fetched %d, added %d, updated %d, unchanged %d", r.Source, r.Fetched, r.Added, r.Updated, r.Unchanged)
	if n := r.Skipped(); n > 0 {
		s += fmt.Sprintf(", skipped %d", n)
	}
	return s
}

// Progress is one page stored: the source, the page's number in this run,
// and the counts so far.
type Progress struct {
	Source string
	Page   int
	Result
}

// ErrBusy is returned, wrapped with paperhound.ErrConflict, when another
// sync holds the lease.
var ErrBusy = errors.New("another sync is running on this database")

// The lease lasts leaseTTL unless renewed, and is renewed every
// leaseTTL/4: a sync killed without releasing it holds the database up
// for at most leaseTTL (less on the same machine, see acquire). A
// variable, so that a test can watch renewals in under a second.
const leaseName = "sync"

var leaseTTL = 2 * time.Minute

// run is one sync: its settings, where it writes, and the fetcher of the
// source it is on.
type run struct {
	cfg    Config
	store  Store
	ingest Ingester
	fetch  *fetcher
	log    *slog.Logger
}

// Run syncs each source of cfg in turn while holding the store's lease,
// and returns a Result per source run. A source that fails does not stop
// the next; the error returned joins theirs. When another sync holds the
// lease, nothing is fetched and the error wraps ErrBusy.
func Run(ctx context.Context, cfg Config, store Store, ingester Ingester) ([]Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.defaults()
	r := &run{cfg: cfg, store: store, ingest: ingester, log: cfg.Log}
	holder, err := r.acquire(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		r.renew(ctx, holder, cancel)
	}()
	defer func() {
		cancel(nil)
		<-renewed
		// Released even when ctx was cancelled; a release that fails leaves
		// the lease to run out.
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer done()
		if err := store.ReleaseLease(rctx, leaseName, holder); err != nil {
			r.log.Warn("sync: release the lease", "err", err)
		}
	}()

	var results []Result
	var errs []error
	for _, source := range Sources {
		if !slices.Contains(cfg.Sources, source) {
			continue
		}
		// Each service gets its own pause: one's last request does not
		// hold up the other's first.
		r.fetch = &fetcher{client: cfg.Client, pause: cfg.Pause, sleep: cfg.Sleep, now: cfg.Now, log: cfg.Log}
		sync := r.arxiv
		if source == "hf" {
			sync = r.hf
		}
		res, err := sync(ctx)
		if err != nil {
			err = fmt.Errorf("sync %s: %w", source, err)
			res.Err = err
			errs = append(errs, err)
		}
		results = append(results, res)
		if ctx.Err() != nil {
			break
		}
	}
	return results, errors.Join(errs...)
}

func (c *Config) check() error {
	if len(c.Sources) == 0 {
		return fmt.Errorf("sync: no source: name %s: %w", strings.Join(Sources, " or "), paperhound.ErrInvalid)
	}
	for _, s := range c.Sources {
		if !slices.Contains(Sources, s) {
			return fmt.Errorf("sync: unknown source %q: want %s: %w", s, strings.Join(Sources, " or "), paperhound.ErrInvalid)
		}
	}
	if c.Pause < 0 {
		return fmt.Errorf("sync: the pause must be 0 or more: %w", paperhound.ErrInvalid)
	}
	return nil
}

func (c *Config) defaults() {
	if c.Client == nil {
		c.Client = http.DefaultClient
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// save stores a page's papers, merged with the stored copies of those
// already there, and counts them into res with the page's records.
func (r *run) save(ctx context.Context, res *Result, records int, papers []paperhound.Paper, merge func(rec, stored paperhound.Paper) paperhound.Paper) error {
	res.Fetched += records
	if len(papers) == 0 {
		return nil
	}
	ids := make([]string, len(papers))
	for i, p := range papers {
		ids[i] = p.ID
	}
	stored, err := r.store.Papers(ctx, ids)
	if err != nil {
		return err
	}
	for i, p := range papers {
		if old, ok := stored[p.ID]; ok {
			papers[i] = merge(p, old)
		}
	}
	stats, err := r.ingest.Ingest(ctx, papers)
	res.Added += stats.Added
	res.Updated += stats.Updated
	res.Unchanged += stats.Unchanged
	return err
}

func (r *run) progress(p Progress) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(p)
	}
}

// acquire takes the lease for a holder named after this process
// ("host:pid:nonce"). A lease held by a process of this machine that no
// longer runs (a sync killed with -9) is taken over at once rather than
// waited out.
func (r *run) acquire(ctx context.Context) (string, error) {
	host, _ := os.Hostname()
	nonce := make([]byte, 4)
	rand.Read(nonce)
	holder := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(nonce))
	l, err := r.store.AcquireLease(ctx, leaseName, holder, "", leaseTTL)
	if errors.Is(err, paperhound.ErrConflict) && gone(l.Holder, host) {
		r.log.Info("sync: taking over the lease of a sync that no longer runs", "holder", l.Holder)
		l, err = r.store.AcquireLease(ctx, leaseName, holder, l.Holder, leaseTTL)
	}
	if errors.Is(err, paperhound.ErrConflict) {
		return "", fmt.Errorf("sync: %w: %s holds the lease until %s: %w", ErrBusy, l.Holder, l.Expires.Format(time.RFC3339), paperhound.ErrConflict)
	}
	if err != nil {
		return "", fmt.Errorf("sync: %w", err)
	}
	return holder, nil
}

// gone says whether holder names a process of host that does not run.
func gone(holder, host string) bool {
	parts := strings.Split(holder, ":")
	if len(parts) != 3 || parts[0] != host {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid == os.Getpid() {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	return errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// renew renews the lease until ctx ends; when it cannot (the database is
// unreachable for longer than the lease lasts, or another sync took it)
// it stops the sync through cancel.
func (r *run) renew(ctx context.Context, holder string, cancel context.CancelCauseFunc) {
	tick := time.NewTicker(leaseTTL / 4)
	defer tick.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		err := r.store.RenewLease(ctx, leaseName, holder, leaseTTL)
		switch {
		case err == nil:
			lastOK = time.Now()
		case errors.Is(err, paperhound.ErrConflict), time.Since(lastOK) > leaseTTL/2:
			cancel(fmt.Errorf("sync: lost the lease: %w", err))
			return
		default:
			r.log.Warn("sync: renew the lease", "err", err)
		}
	}
}
