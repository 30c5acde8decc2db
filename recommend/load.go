package recommend

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/schema"
)

// loadBatch bounds memory while the index is rebuilt.
const loadBatch = 2000

// Load loads the votes and fills the index from the store: LoadVotes, then
// LoadIndex.
func (e *Engine) Load(ctx context.Context) (int, error) {
	if err := e.LoadVotes(ctx); err != nil {
		return 0, err
	}
	return e.LoadIndex(ctx)
}

// LoadVotes reads every vote from the store, for the collaborative signal.
// Every engine needs it at start-up, whatever its index.
func (e *Engine) LoadVotes(ctx context.Context) error {
	// The version is read first: a change that lands during the scan moves
	// it again, and the next RefreshVotes reloads.
	version, err := e.store.VotesVersion(ctx)
	if err != nil {
		return fmt.Errorf("load votes: %w", err)
	}
	fresh := newVoteGraph()
	if err := e.store.AllVotes(ctx, func(v paperhound.Vote) error { fresh.set(v); return nil }); err != nil {
		return fmt.Errorf("load votes: %w", err)
	}
	e.votes.replace(fresh)
	e.mu.Lock()
	e.votesVersion = version
	e.mu.Unlock()
	return nil
}

// RefreshVotes reloads the votes when another process (an upvotes import)
// changed them since the last load, and reports whether it did.
func (e *Engine) RefreshVotes(ctx context.Context) (bool, error) {
	version, err := e.store.VotesVersion(ctx)
	if err != nil {
		return false, fmt.Errorf("refresh votes: %w", err)
	}
	e.mu.Lock()
	current := version == e.votesVersion
	e.mu.Unlock()
	if current {
		return false, nil
	}
	return true, e.LoadVotes(ctx)
}

// ownVoteWritten notes a vote this engine wrote and already applied to its
// graph, so that RefreshVotes does not reload for it. Callers hold voteMu,
// so the version moved by one unless another process wrote too.
func (e *Engine) ownVoteWritten(ctx context.Context) {
	version, err := e.store.VotesVersion(ctx)
	if err != nil {
		return // RefreshVotes will reload; nothing is lost
	}
	e.mu.Lock()
	if version == e.votesVersion+1 {
		e.votesVersion = version
	}
	e.mu.Unlock()
}

// LoadIndex fills the index from the store: at start-up for the embedded
// index, and to rebuild a index.Qdrant collection (reindex). The offline
// channels embed every paper's text again; a remote embedder is never
// called: its stored vectors are read, and papers lacking one (pending)
// are indexed without it.
func (e *Engine) LoadIndex(ctx context.Context) (int, error) {
	return e.load(ctx, 0, nil)
}

// LoadIndexProgress is LoadIndex, telling progress how many papers are
// indexed so far after each batch: a server that loads 100k papers says
// how far it has come.
func (e *Engine) LoadIndexProgress(ctx context.Context, progress func(indexed int)) (int, error) {
	return e.load(ctx, 0, progress)
}

// Refresh adds to the index the papers that another process (an ingest
// run) wrote since Load or the last Refresh, and reports how many it
// indexed: those above the highest change sequence number read so far
// (schema/seq.go), so a refresh with nothing new is one indexed query.
func (e *Engine) Refresh(ctx context.Context) (int, error) {
	e.mu.Lock()
	after := e.seen
	e.mu.Unlock()
	return e.load(ctx, after, nil)
}

// load indexes the papers whose change sequence number is above after;
// progress, when not nil, hears how many are indexed after each batch.
func (e *Engine) load(ctx context.Context, after int64, progress func(indexed int)) (int, error) {
	if progress == nil {
		progress = func(int) {}
	}
	// A second goroutine embeds and indexes each batch while the scan
	// reads the next.
	batches := make(chan []paperhound.Paper, 1)
	g, gctx := errgroup.WithContext(ctx)
	n := 0
	g.Go(func() error {
		for batch := range batches {
			docs, _, err := e.embed(gctx, batch, storedOnly)
			if err != nil {
				return fmt.Errorf("load index: %w", err)
			}
			if err := e.index.Upsert(gctx, docs); err != nil {
				return fmt.Errorf("load index: %w", err)
			}
			n += len(docs)
			progress(n)
		}
		return nil
	})
	batch := make([]paperhound.Paper, 0, loadBatch)
	send := func() error {
		select {
		case batches <- batch:
			batch = make([]paperhound.Paper, 0, loadBatch)
			return nil
		case <-gctx.Done():
			return context.Cause(gctx)
		}
	}
	newest := after
	err := e.store.ScanIndexAfter(gctx, after, loadBatch, func(r schema.IndexRow) error {
		newest = max(newest, r.Seq)
		batch = append(batch, paperhound.Paper{ID: r.ID, Title: r.Title, Abstract: r.Abstract, Published: r.Published, Categories: r.Categories, Upvotes: r.Upvotes})
		if len(batch) == loadBatch {
			return send()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = send()
	}
	close(batches)
	// An index error is the cause; the scan's is then only its echo.
	if werr := g.Wait(); werr != nil {
		return n, werr
	}
	if err != nil {
		return n, fmt.Errorf("load index: %w", err)
	}
	e.mu.Lock()
	e.seen = max(e.seen, newest)
	e.mu.Unlock()
	return n, nil
}
