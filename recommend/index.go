// Package recommend is paperhound's engine: it keeps the vector index in
// step with the store and ranks papers for similar-paper and related-work
// queries. It knows embed and schema; api calls it; cmd wires it.
package recommend

import (
	"context"
	"slices"
	"strings"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/schema"
)

// Index is a vector index over papers: the embedded one (Memory) or a
// vector database. Vectors are grouped by space (one per embedder).
type Index interface {
	// Upsert adds docs or replaces them whole, vectors included.
	Upsert(ctx context.Context, docs []Doc) error
	Delete(ctx context.Context, ids []string) error
	// Search returns the best matches of q, best first, ties by id.
	Search(ctx context.Context, q Query) ([]Hit, error)
}

// Doc is a paper as an index sees it.
type Doc struct {
	ID         string
	Published  schema.Date
	Categories []string
	Vectors    map[string]embed.Vector
}

// Query asks one space of the index for the nearest docs.
type Query struct {
	Space  string
	Vector embed.Vector
	Limit  int
	Filter Filter
	// MaxDocFreq drops sparse query terms found in more than this fraction
	// of docs (and in more than ten) from queries of over 64 terms: such
	// terms say little and cost the most to score. 0 keeps all.
	MaxDocFreq float64
}

// Filter narrows a query. Dates are inclusive; a zero date is open. A doc
// with no date never passes a date filter.
type Filter struct {
	After, Before schema.Date
	Exclude       []string
}

// Hit is one match of a query.
type Hit struct {
	ID    string
	Score float64
}

// sortHits orders best first, ties by id, so every backend ranks alike.
func sortHits(h []Hit) {
	slices.SortFunc(h, func(a, b Hit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
}
