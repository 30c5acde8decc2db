package recommend

import (
	"context"
	"fmt"
	"time"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/schema"
)

// IngestStats counts what one Ingest call did.
type IngestStats struct {
	Added, Updated, Unchanged int
}

func (s *IngestStats) Add(o IngestStats) {
	s.Added += o.Added
	s.Updated += o.Updated
	s.Unchanged += o.Unchanged
}

// Ingest stores papers with their vectors and indexes them. An unchanged
// paper is skipped; a vector already stored for the same text is reused, so
// re-ingesting costs no embedding. Each paper is written with its vectors in
// one transaction, or not at all.
func (e *Engine) Ingest(ctx context.Context, papers []schema.Paper) (IngestStats, error) {
	var stats IngestStats
	// The last copy of an id in a batch wins, as it would across batches.
	last := make(map[string]int, len(papers))
	for i, p := range papers {
		last[p.ID] = i
	}
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	stored, err := e.store.RecordHashes(ctx, ids)
	if err != nil {
		return stats, fmt.Errorf("ingest: %w", err)
	}
	var changed []schema.Paper
	for i, p := range papers {
		hash := p.RecordHash()
		switch old, ok := stored[p.ID]; {
		case last[p.ID] != i || ok && old == hash:
			stats.Unchanged++
		case ok:
			stats.Updated++
			changed = append(changed, p)
		default:
			stats.Added++
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return stats, nil
	}
	docs, fresh, err := e.embed(ctx, changed)
	if err != nil {
		return stats, fmt.Errorf("ingest: %w", err)
	}
	if err := e.store.SavePapers(ctx, changed, fresh); err != nil {
		return stats, fmt.Errorf("ingest: %w", err)
	}
	if err := e.index.Upsert(ctx, docs); err != nil {
		return stats, fmt.Errorf("ingest: index: %w", err)
	}
	return stats, nil
}

// embed returns index docs for papers, reusing stored vectors and embedding
// only texts never seen in a space; fresh holds the new vectors to store.
func (e *Engine) embed(ctx context.Context, papers []schema.Paper) (docs []Doc, fresh []schema.Vector, err error) {
	docs = make([]Doc, len(papers))
	hashes := make([]string, len(papers))
	for i, p := range papers {
		docs[i] = Doc{ID: p.ID, Published: p.Published, Categories: p.Categories, Vectors: map[string]embed.Vector{}}
		hashes[i] = p.TextHash()
	}
	for _, c := range e.channels {
		space := c.Embedder.Space()
		known, err := e.store.Vectors(ctx, space, hashes)
		if err != nil {
			return nil, nil, err
		}
		var todo []int
		var texts []string
		for i, p := range papers {
			data, ok := known[hashes[i]]
			if !ok {
				todo = append(todo, i)
				texts = append(texts, p.Text())
				continue
			}
			var v embed.Vector
			if err := v.UnmarshalBinary(data); err != nil {
				return nil, nil, fmt.Errorf("stored %s vector of %q: %w", space, p.ID, err)
			}
			docs[i].Vectors[space] = v
		}
		if len(todo) == 0 {
			continue
		}
		vecs, err := c.Embedder.Embed(ctx, texts)
		if err != nil {
			return nil, nil, fmt.Errorf("embed %s: %w", space, err)
		}
		for j, i := range todo {
			data, err := vecs[j].MarshalBinary()
			if err != nil {
				return nil, nil, fmt.Errorf("encode %s vector of %q: %w", space, papers[i].ID, err)
			}
			docs[i].Vectors[space] = vecs[j]
			fresh = append(fresh, schema.Vector{Space: space, TextHash: hashes[i], Data: data})
		}
	}
	return docs, fresh, nil
}

// loadBatch bounds memory while the index is rebuilt.
const loadBatch = 2000

// Load fills the index from the store without embedding anything already
// stored. Papers lacking a vector in some space (a new embedder, a changed
// recipe) are embedded and saved first.
func (e *Engine) Load(ctx context.Context) (int, error) {
	votes := newVoteGraph()
	if err := e.store.AllVotes(ctx, func(v schema.Vote) error { votes.set(v); return nil }); err != nil {
		return 0, fmt.Errorf("load votes: %w", err)
	}
	e.votes = votes
	return e.load(ctx, time.Time{})
}

// refreshOverlap re-reads papers this much older than the newest one seen:
// another process stamps a batch before it commits it, and its clock may
// run behind ours.
const refreshOverlap = time.Minute

// Refresh adds to the index the papers that another process (an ingest
// run) stored since Load or the last Refresh.
func (e *Engine) Refresh(ctx context.Context) (int, error) {
	e.mu.Lock()
	since := e.seen.Add(-refreshOverlap)
	e.mu.Unlock()
	return e.load(ctx, since)
}

func (e *Engine) load(ctx context.Context, since time.Time) (int, error) {
	spaces := e.spaces()
	var batch []Doc
	var missing []string
	n := 0
	flush := func() error {
		if err := e.index.Upsert(ctx, batch); err != nil {
			return fmt.Errorf("load index: %w", err)
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	var newest time.Time
	err := e.store.ScanIndexSince(ctx, spaces, since, func(r schema.IndexRow) error {
		if r.UpdatedAt.After(newest) {
			newest = r.UpdatedAt
		}
		if len(r.Vectors) < len(spaces) {
			missing = append(missing, r.ID)
			return nil
		}
		d := Doc{ID: r.ID, Published: r.Published, Categories: r.Categories, Vectors: make(map[string]embed.Vector, len(spaces))}
		for space, data := range r.Vectors {
			var v embed.Vector
			if err := v.UnmarshalBinary(data); err != nil {
				return fmt.Errorf("stored %s vector of %q: %w", space, r.ID, err)
			}
			d.Vectors[space] = v
		}
		batch = append(batch, d)
		if len(batch) == loadBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("load index: %w", err)
	}
	if err := flush(); err != nil {
		return n, err
	}
	for len(missing) > 0 {
		chunk := missing[:min(loadBatch, len(missing))]
		missing = missing[len(chunk):]
		byID, err := e.store.Papers(ctx, chunk)
		if err != nil {
			return n, fmt.Errorf("load index: %w", err)
		}
		papers := make([]schema.Paper, 0, len(byID))
		for _, p := range byID {
			papers = append(papers, p)
		}
		docs, fresh, err := e.embed(ctx, papers)
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
		e.log.Info("embedded papers that lacked vectors", "papers", len(docs))
	}
	e.mu.Lock()
	if newest.After(e.seen) {
		e.seen = newest
	}
	e.mu.Unlock()
	return n, nil
}
