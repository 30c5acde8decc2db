package recommend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

// pendingPage is how many pending papers CompletePending embeds, stores and
// indexes at a time: a page is committed before the next is read, so a
// stopped run keeps what it did.
const pendingPage = 500

// PendingStats counts what CompletePending did.
type PendingStats struct {
	Embedded int // papers that got their missing vectors (and were indexed with them)
	Pending  int // papers still lacking a vector in a remote space
}

// CompletePending computes the remote vectors that ingest left pending
// because the endpoint was down, stores them and upserts their papers into
// the index whole. A vector another process stored meanwhile is reused, not
// paid for again. When the endpoint is still unavailable it stops at the
// first page it cannot finish and returns an error wrapping
// embed.ErrUnavailable, with the stats so far. Calls are serialised.
func (e *Engine) CompletePending(ctx context.Context) (PendingStats, error) {
	e.remote.completing.Lock()
	defer e.remote.completing.Unlock()
	var stats PendingStats
	var unavailable error
	for _, c := range e.channels {
		if !c.Remote {
			continue
		}
		space := c.Embedder.Space()
		// An embedder that failed is probed even when nothing is pending,
		// so that it rejoins the queries once it answers.
		if err := e.ready(ctx, c, always); err != nil {
			if !errors.Is(err, embed.ErrUnavailable) {
				return stats, fmt.Errorf("complete pending vectors: %w", err)
			}
			unavailable = fmt.Errorf("embed %s: %w", space, err)
		}
		for after := ""; unavailable == nil; {
			papers, err := e.store.PapersMissingVector(ctx, space, after, pendingPage)
			if err != nil {
				return stats, fmt.Errorf("complete pending vectors: %w", err)
			}
			if len(papers) == 0 {
				break
			}
			after = papers[len(papers)-1].ID
			docs, lacking, err := e.embed(ctx, papers, always)
			if err != nil {
				return stats, fmt.Errorf("complete pending vectors: %w", err)
			}
			var done []index.Doc
			var ids []string
			for _, d := range docs {
				if _, ok := d.Vectors[space]; ok {
					done = append(done, d)
					ids = append(ids, d.ID)
				}
			}
			// Servers that refresh from the store pick the papers up again.
			if err := e.store.TouchPapers(ctx, ids); err != nil {
				return stats, fmt.Errorf("complete pending vectors: %w", err)
			}
			if err := e.index.Upsert(ctx, done); err != nil {
				return stats, fmt.Errorf("complete pending vectors: index: %w", err)
			}
			stats.Embedded += len(done)
			if lacking > 0 {
				unavailable = fmt.Errorf("embed %s: %w", space, embed.ErrUnavailable)
			}
		}
	}
	n, err := e.Pending(ctx)
	if err != nil {
		return stats, err
	}
	stats.Pending = n
	if unavailable != nil {
		return stats, fmt.Errorf("%d papers still pending: %w", n, unavailable)
	}
	return stats, nil
}

// Pending counts the papers lacking a vector in a remote space.
func (e *Engine) Pending(ctx context.Context) (int, error) {
	n := 0
	for _, c := range e.channels {
		if !c.Remote {
			continue
		}
		m, err := e.store.CountMissingVector(ctx, c.Embedder.Space())
		if err != nil {
			return 0, err
		}
		n += m
	}
	e.remote.mu.Lock()
	e.remote.pending = n
	e.remote.mu.Unlock()
	return n, nil
}

// KeepCompleting runs CompletePending until ctx ends: at once, then every
// `every` while papers stay pending, waiting twice as long after each pass
// the endpoint could not finish (up to 5 minutes), and every `idle` once
// nothing is pending, since another process may leave papers pending (idle
// 0 stops then instead).
func (e *Engine) KeepCompleting(ctx context.Context, every, idle time.Duration) {
	wait := every
	for {
		stats, err := e.CompletePending(ctx)
		next := every
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			wait = min(2*wait, max(every, maxCooldown))
			next = wait
			if errors.Is(err, embed.ErrUnavailable) {
				e.log.Info("pending vectors wait for the embeddings endpoint", "embedded", stats.Embedded, "pending", stats.Pending, "retry_in", next)
			} else {
				e.log.Error("complete pending vectors", "err", err, "retry_in", next)
			}
		case stats.Pending == 0:
			wait = every
			if stats.Embedded > 0 {
				e.log.Info("pending vectors completed", "embedded", stats.Embedded)
			}
			if idle <= 0 {
				return
			}
			next = idle
		default:
			wait = every
		}
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
