package recommend

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

// IngestStats counts what one Ingest call did. Pending counts the added
// or updated papers stored without their vector in a remote space (the
// endpoint was down): CompletePending computes it later.
type IngestStats struct {
	Added, Updated, Unchanged int
	Pending                   int
}

func (s *IngestStats) Add(o IngestStats) {
	s.Added += o.Added
	s.Updated += o.Updated
	s.Unchanged += o.Unchanged
	s.Pending += o.Pending
}

// IngestBatch papers are written in one transaction: big enough to
// amortise a commit, small enough that a crash loses little work.
const IngestBatch = 500

// Ingest stores papers and indexes them with their vectors, IngestBatch
// papers at a time. An unchanged paper is skipped. The offline channels'
// vectors are not stored: they cost less to compute again from the text
// (Load does) than to write and read back, and were four fifths of the
// database. A remote channel's vectors are stored, saved as each request
// returns, and one already stored for the same text is reused; when its
// endpoint is unavailable the papers are stored and indexed without them
// (pending, see CompletePending). A batch's papers are written in one
// transaction, once every vector they need is at hand, or not at all.
// Stats count the batches written before an error too.
func (e *Engine) Ingest(ctx context.Context, papers []paperhound.Paper) (IngestStats, error) {
	var stats IngestStats
	for batch := range slices.Chunk(papers, IngestBatch) {
		st, err := e.ingestBatch(ctx, batch)
		if err != nil {
			return stats, err
		}
		stats.Add(st)
	}
	return stats, nil
}

func (e *Engine) ingestBatch(ctx context.Context, papers []paperhound.Paper) (IngestStats, error) {
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
	var changed []paperhound.Paper
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
	docs, pending, err := e.embed(ctx, changed, unlessCooling)
	if err != nil {
		return stats, fmt.Errorf("ingest: %w", err)
	}
	stats.Pending = pending
	if err := e.store.SavePapers(ctx, changed); err != nil {
		return stats, fmt.Errorf("ingest: %w", err)
	}
	if err := e.index.Upsert(ctx, docs); err != nil {
		return stats, fmt.Errorf("ingest: index: %w", err)
	}
	return stats, nil
}

// embed returns index docs for papers. The offline channels embed every
// text (unless the engine keeps no index: nothing stores their vectors); a
// remote one reuses the vectors stored for texts it has seen and
// is called for the others as mode says, its new vectors stored as they
// come. The channels run at once: a remote one waits on the network, the
// offline ones share the CPU (each splits its texts across GOMAXPROCS
// goroutines). Pending counts the papers left without a vector in some
// remote space because it was unavailable or not called.
func (e *Engine) embed(ctx context.Context, papers []paperhound.Paper, mode callMode) (docs []index.Doc, pending int, err error) {
	hashes := make([]string, len(papers))
	for i, p := range papers {
		hashes[i] = p.TextHash()
	}
	results := make([]channelVectors, len(e.channels))
	var wg sync.WaitGroup
	for k, c := range e.channels {
		if !c.Remote && e.storeOnly {
			continue
		}
		wg.Go(func() { results[k] = e.channelVectors(ctx, c, papers, hashes, mode) })
	}
	wg.Wait()

	docs = make([]index.Doc, len(papers))
	for i, p := range papers {
		docs[i] = index.Doc{ID: p.ID, Published: p.Published, Categories: p.Categories, Rank: rankOf(p.Title, p.Upvotes), Vectors: map[string]embed.Vector{}}
	}
	lacking := map[int]bool{}
	for k, c := range e.channels {
		r := results[k]
		if r.err != nil {
			return nil, 0, r.err
		}
		for i, v := range r.vecs {
			if !r.have[i] {
				lacking[i] = true
				continue
			}
			docs[i].Vectors[c.Embedder.Space()] = v
		}
	}
	return docs, len(lacking), nil
}

// embedTexts embeds the papers' texts with c's embedder.
func embedTexts(ctx context.Context, c Channel, papers []paperhound.Paper) ([]embed.Vector, error) {
	texts := make([]string, len(papers))
	for i, p := range papers {
		texts[i] = p.Text()
	}
	vecs, err := c.Embedder.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("embed %s: %w", c.Embedder.Space(), err)
	}
	return vecs, nil
}

// channelVectors is one channel's vectors for a batch of papers.
type channelVectors struct {
	vecs []embed.Vector // by paper
	have []bool         // by paper: false when a remote vector is pending
	err  error
}

// channelVectors returns channel c's vector of each paper (see embed).
func (e *Engine) channelVectors(ctx context.Context, c Channel, papers []paperhound.Paper, hashes []string, mode callMode) channelVectors {
	space := c.Embedder.Space()
	out := channelVectors{vecs: make([]embed.Vector, len(papers)), have: make([]bool, len(papers))}
	if !c.Remote {
		vecs, err := embedTexts(ctx, c, papers)
		if err != nil {
			out.err = err
			return out
		}
		for i, v := range vecs {
			out.vecs[i], out.have[i] = v, true
		}
		return out
	}
	known, err := e.store.Vectors(ctx, space, hashes)
	if err != nil {
		out.err = err
		return out
	}
	var todo []int
	for i, p := range papers {
		data, ok := known[hashes[i]]
		if !ok {
			todo = append(todo, i)
			continue
		}
		if err := out.vecs[i].UnmarshalBinary(data); err != nil {
			out.err = fmt.Errorf("stored %s vector of %q: %w", space, p.ID, err)
			return out
		}
		out.have[i] = true
	}
	if len(todo) > 0 {
		out.err = e.embedPending(ctx, c, papers, hashes, todo, &out, mode)
	}
	return out
}
