// Package index holds paperhound's vector indexes: Memory, the exact
// in-process index of the embedded mode, and Qdrant, the vector database
// past one machine, with qdranttest, an in-process fake Qdrant server for
// tests. Both answer the same queries with the same rankings (the
// conformance suite). It knows embed and the domain types; recommend uses
// it, cmd chooses the backend.
package index

import (
	"slices"
	"strings"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
)

// Doc is a paper as an index sees it.
type Doc struct {
	ID         string
	Published  paperhound.Date
	Categories []string
	Rank       Rank
	Vectors    map[string]embed.Vector
}

// Rank is what a feed weighs a paper by beside its vectors. The embedded
// index keeps it (Memory.Ranks), so that a feed reads no row for its 600
// candidates: at a million papers that was a fifth of a feed page, the
// rows spread over a 100 MB index that SQLite's cache cannot hold.
// Qdrant ignores it.
type Rank struct {
	Upvotes int32  // as its source counts them
	Title   uint64 // a hash of its title, which copies of a paper share
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
	// CandidateDocFreq, above 0 and below MaxDocFreq (or with MaxDocFreq
	// 0), finds a long query's candidates with only its terms found in at
	// most this fraction of docs, three times Limit of them, and ranks
	// those by all its terms: a paper's best matches share its rarer
	// terms, and at a million papers its common ones hold most of the
	// postings a search reads. So a doc that only the common terms would
	// lift into the top is missed: the rest of a search is exact. It
	// does not apply with Filter.Only, whose docs are the candidates, nor
	// when it would leave no term. Qdrant ignores it, as it does
	// MaxDocFreq.
	CandidateDocFreq float64
	// Terms, above 0, searches with only the sparse query's Terms terms
	// that weigh most in its scores, its value times its idf (ties to the
	// lower term): of a long query, the rare terms before the common,
	// whose lists cost the most. 0 keeps all.
	Terms int
}

// Filter narrows a query. Dates are inclusive; a zero date is open. A doc
// with no date never passes a date filter. Only, when not nil, keeps just
// the docs it names: a channel that re-ranks what another one found.
type Filter struct {
	After, Before paperhound.Date
	Exclude       []string
	Only          []string
}

// Hit is one match of a query.
type Hit struct {
	ID    string
	Score float64
}

// SortHits orders best first, ties by id, so every backend ranks alike.
func SortHits(h []Hit) {
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
