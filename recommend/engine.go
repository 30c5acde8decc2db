// Package recommend is paperhound's engine: similar papers and search
// (similar.go), personal feeds and their explanations (feed.go,
// explain.go), papers upvoted by the same people (coupvotes.go) and
// trending papers, ranked by one blend of normalised channel scores
// (score.go) on the vectors the index holds (vectors.go). It keeps the
// index in step with the store: ingest embeds and writes papers
// (ingest.go), load fills the index from the store and picks up what other
// processes wrote (load.go), and papers waiting on a remote embedder are
// completed later (pending.go, remote.go).
//
// It depends on the domain types and error kinds (package paperhound),
// embed for vectors, index for the query types of its Index, and schema
// for the store; cmd chooses the Index and embedders. The API and cmd
// depend on it; paperhound, embed, index and schema must not.
package recommend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/schema"
)

// Index is where the engine finds candidates: the embedded index.Memory
// or index.Qdrant. Vectors are grouped by space (one per embedder).
type Index interface {
	// Upsert adds docs or replaces them whole, vectors included.
	Upsert(ctx context.Context, docs []index.Doc) error
	Delete(ctx context.Context, ids []string) error
	// Search returns the best matches of q, best first, ties by id.
	Search(ctx context.Context, q index.Query) ([]index.Hit, error)
}

// Embedder turns texts into vectors of one space: the offline lexical
// embedders, or an embeddings endpoint.
type Embedder interface {
	Space() string
	Embed(ctx context.Context, texts []string) ([]embed.Vector, error)
}

// Channel is one way of comparing papers: an embedder, its weight in the
// blend, and for sparse spaces the document frequency above which query
// terms are dropped.
type Channel struct {
	Embedder   Embedder
	Weight     float64
	MaxDocFreq float64
	// CandidateDocFreq, for a sparse channel that searches, finds a long
	// query's candidates with its terms found in at most this fraction of
	// papers, ranked then by all its terms (index.Query.CandidateDocFreq).
	CandidateDocFreq float64
	// Rerank marks a channel that finds no papers of its own: it scores
	// only those the other channels found (index.Filter.Only), so an
	// index may keep its space without inverted lists.
	Rerank bool
	// Remote marks an embedder that calls a service which may be down (an
	// embeddings endpoint): ingest then stores papers without its vector,
	// pending until CompletePending; loading an index never calls it; and
	// queries are answered by the other channels while it is down.
	Remote bool
	// QueryTimeout is how long a query waits for a remote channel's vector
	// before the other channels answer it alone; 0 is 10 s.
	QueryTimeout time.Duration
}

// LexicalChannels is the offline default: words and bigrams, plus
// character n-grams as a second channel, blended with equal weights. The
// settings were chosen on the even half of citeulike-a's query papers and
// checked on the odd half (README, "Quality"). The character channel
// re-ranks the words channel's candidates: searched across the whole
// index it ranked papers no better (README, "Performance"), and its
// inverted lists were four fifths of the index.
func LexicalChannels() []Channel {
	return []Channel{
		{Embedder: embed.Words{}, Weight: 1, MaxDocFreq: 0.3, CandidateDocFreq: 0.1},
		{Embedder: embed.Chars{}, Weight: 1, MaxDocFreq: 0.3, Rerank: true},
	}
}

// Engine answers similar-paper and related-work queries over the papers in
// the store, keeping the index in step with it.
type Engine struct {
	store    *schema.Store
	index    Index
	channels []Channel
	log      *slog.Logger

	votes   *voteGraph
	voteMu  sync.Mutex // one vote write at a time, so the store and votes agree (votes.go)
	remote  *remoteState
	recency atomic.Pointer[Recency] // what TuneFeed chose
	// storeOnly marks an engine without an index (New's nil).
	storeOnly bool

	mu           sync.Mutex
	seen         int64 // highest change sequence number loaded from the store
	votesVersion int64 // the store's votes version the vote graph reflects
}

// scoreOnlyIndex can keep a space without inverted lists (index.Memory).
type scoreOnlyIndex interface {
	ScoreOnly(space string)
}

// New returns an engine over store and index. Call Load before the first
// query when the index does not persist (the embedded one). A nil index
// is none, for a process that only writes the store (ingest, sync) while
// servers index its papers from there: ingest then computes only the
// vectors the store keeps, a remote channel's, and queries find nothing.
func New(store *schema.Store, index Index, channels []Channel, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if so, ok := index.(scoreOnlyIndex); ok {
		for _, c := range channels {
			if c.Rerank {
				so.ScoreOnly(c.Embedder.Space())
			}
		}
	}
	e := &Engine{store: store, index: index, channels: channels, log: log,
		votes: newVoteGraph(), remote: newRemoteState(channels)}
	if index == nil {
		e.index, e.storeOnly = noIndex{}, true
	}
	return e
}

// noIndex is the index of an engine without one.
type noIndex struct{}

func (noIndex) Upsert(context.Context, []index.Doc) error { return nil }
func (noIndex) Delete(context.Context, []string) error    { return nil }
func (noIndex) Search(context.Context, index.Query) ([]index.Hit, error) {
	return nil, nil
}

// Store is the engine's store, for callers that read papers directly.
func (e *Engine) Store() *schema.Store { return e.store }

func (e *Engine) spaces() []string {
	s := make([]string, len(e.channels))
	for i, c := range e.channels {
		s[i] = c.Embedder.Space()
	}
	return s
}

// Options shape a ranking.
type Options struct {
	Limit  int
	Filter index.Filter
}

// Result is one ranked paper.
type Result struct {
	Paper paperhound.Paper
	Score float64
}

// Paper returns one stored paper.
func (e *Engine) Paper(ctx context.Context, id string) (paperhound.Paper, error) {
	p, err := e.store.Paper(ctx, id)
	if errors.Is(err, paperhound.ErrNotFound) {
		return p, fmt.Errorf("paper %q: %w", id, paperhound.ErrNotFound)
	}
	return p, err
}

// results attaches the stored papers to hits, in order.
func (e *Engine) results(ctx context.Context, hits []index.Hit) ([]Result, error) {
	papers, err := e.store.Papers(ctx, hitIDs(hits))
	if err != nil {
		return nil, fmt.Errorf("load ranked papers: %w", err)
	}
	out := make([]Result, 0, len(hits))
	for _, h := range hits {
		// A paper deleted since the index saw it is skipped, not an error.
		if p, ok := papers[h.ID]; ok {
			out = append(out, Result{Paper: p, Score: h.Score})
		}
	}
	return out, nil
}
