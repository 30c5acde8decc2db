package recommend

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
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

// LoadIndex fills the index from the store without embedding anything
// already stored: at start-up for the embedded index, and to rebuild a
// index.Qdrant collection (reindex). Papers lacking a vector of an offline
// embedder (a new embedder, a changed recipe) are embedded and saved
// first; a remote embedder is never called, and papers lacking its vector
// (pending) are indexed without it.
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
	spaces := e.spaces()
	// The index takes each batch on a goroutine of its own while the scan
	// reads and decodes the next: start-up is these two on two cores.
	batches := make(chan []index.Doc, 1)
	g, gctx := errgroup.WithContext(ctx)
	n := 0
	g.Go(func() error {
		for batch := range batches {
			if err := e.index.Upsert(gctx, batch); err != nil {
				return fmt.Errorf("load index: %w", err)
			}
			n += len(batch)
			progress(n)
		}
		return nil
	})
	batch := make([]index.Doc, 0, loadBatch)
	send := func() error {
		select {
		case batches <- batch:
			batch = make([]index.Doc, 0, loadBatch)
			return nil
		case <-gctx.Done():
			return context.Cause(gctx)
		}
	}
	var missing []string
	newest := after
	err := e.store.ScanIndexAfter(gctx, spaces, after, loadBatch, func(r schema.IndexRow) error {
		newest = max(newest, r.Seq)
		if e.lacksLocal(r.Vectors) {
			missing = append(missing, r.ID)
			return nil
		}
		d := index.Doc{ID: r.ID, Published: r.Published, Categories: r.Categories, Vectors: make(map[string]embed.Vector, len(spaces))}
		for space, data := range r.Vectors {
			var v embed.Vector
			if err := v.UnmarshalBinary(data); err != nil {
				return fmt.Errorf("stored %s vector of %q: %w", space, r.ID, err)
			}
			d.Vectors[space] = v
		}
		batch = append(batch, d)
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
	for len(missing) > 0 {
		chunk := missing[:min(loadBatch, len(missing))]
		missing = missing[len(chunk):]
		byID, err := e.store.Papers(ctx, chunk)
		if err != nil {
			return n, fmt.Errorf("load index: %w", err)
		}
		papers := make([]paperhound.Paper, 0, len(byID))
		for _, p := range byID {
			papers = append(papers, p)
		}
		docs, fresh, _, err := e.embed(ctx, papers, storedOnly)
		if err != nil {
			return n, fmt.Errorf("load index: %w", err)
		}
		if err := e.store.SavePapers(ctx, papers, fresh); err != nil {
			return n, fmt.Errorf("load index: %w", err)
		}
		if err := e.index.Upsert(ctx, docs); err != nil {
			return n, fmt.Errorf("load index: %w", err)
		}
		n += len(docs)
		progress(n)
		e.log.Info("embedded papers that lacked vectors", "papers", len(docs))
	}
	e.mu.Lock()
	e.seen = max(e.seen, newest)
	e.mu.Unlock()
	return n, nil
}
