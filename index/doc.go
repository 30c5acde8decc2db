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
	After, Before paperhound.Date
	Exclude       []string
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

// TopK keeps the k best hits pushed to it, in a min-heap whose root is the
// worst kept: the best k of n hits in O(n log k), without sorting them all.
type TopK struct {
	k    int
	heap []Hit
}

// NewTopK keeps the k best hits.
func NewTopK(k int) *TopK { return &TopK{k: k, heap: make([]Hit, 0, min(k, 1024))} }

// worse orders hits so that ties in score rank by id, as SortHits does.
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID > b.ID
}

// Push offers h, kept if it is among the k best so far.
func (t *TopK) Push(h Hit) {
	if len(t.heap) < t.k {
		t.heap = append(t.heap, h)
		for i := len(t.heap) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(t.heap[i], t.heap[p]) {
				break
			}
			t.heap[i], t.heap[p] = t.heap[p], t.heap[i]
			i = p
		}
		return
	}
	if !worse(t.heap[0], h) {
		return
	}
	t.heap[0] = h
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.heap) && worse(t.heap[l], t.heap[m]) {
			m = l
		}
		if r < len(t.heap) && worse(t.heap[r], t.heap[m]) {
			m = r
		}
		if m == i {
			return
		}
		t.heap[i], t.heap[m] = t.heap[m], t.heap[i]
		i = m
	}
}

// Sorted returns the hits kept, best first, ties by id (SortHits).
func (t *TopK) Sorted() []Hit {
	SortHits(t.heap)
	return t.heap
}
