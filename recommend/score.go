package recommend

// The ranking math shared by similar papers, search and feeds: channels
// searched and blended, co-upvotes filtered as the index would, vectors
// summed and compared.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

type weighted struct {
	v embed.Vector
	w float64
}

// sum adds weighted vectors of one space: sparse by term, dense by element.
func sum(parts []weighted) embed.Vector {
	if len(parts) > 0 && parts[0].v.Dense != nil {
		out := make([]float32, len(parts[0].v.Dense))
		for _, p := range parts {
			for i, x := range p.v.Dense {
				out[i] += float32(p.w) * x
			}
		}
		return embed.Vector{Dense: out}
	}
	return embed.Vector{Sparse: sumSparse(parts)}
}

// sumSparse adds sparse vectors: every term's weighted value, added in
// the parts' order (embed.FromEntries), as adding them into a map term by
// term would, to the bit.
func sumSparse(parts []weighted) embed.Sparse {
	var n int
	for _, p := range parts {
		n += len(p.v.Sparse.Indices)
	}
	entries := make([]uint64, 0, n)
	for _, p := range parts {
		w := float32(p.w)
		for i, t := range p.v.Sparse.Indices {
			entries = append(entries, uint64(t)<<32|uint64(math.Float32bits(w*p.v.Sparse.Values[i])))
		}
	}
	return embed.FromEntries(entries)
}

// addNormalised adds scores divided by their maximum, times weight.
func addNormalised(blend, scores map[string]float64, weight float64) {
	var top float64
	for _, s := range scores {
		top = max(top, s)
	}
	if top <= 0 {
		return
	}
	for id, s := range scores {
		blend[id] += weight * s / top
	}
}

func inDates(d paperhound.Date, f index.Filter) bool {
	if d.IsZero() {
		return false
	}
	return (f.After.IsZero() || !d.Before(f.After.Time)) && (f.Before.IsZero() || !d.After(f.Before.Time))
}

// cosine of two stored vectors, which the embedders normalise.
func cosine(a, b embed.Vector) float64 {
	if a.Dense != nil {
		var dot float64
		for i := range min(len(a.Dense), len(b.Dense)) {
			dot += float64(a.Dense[i]) * float64(b.Dense[i])
		}
		return dot
	}
	var dot float64
	i, j := 0, 0
	for i < len(a.Sparse.Indices) && j < len(b.Sparse.Indices) {
		switch x, y := a.Sparse.Indices[i], b.Sparse.Indices[j]; {
		case x == y:
			dot += float64(a.Sparse.Values[i]) * float64(b.Sparse.Values[j])
			i++
			j++
		case x < y:
			i++
		default:
			j++
		}
	}
	return dot
}

// channelScores asks each channel's space of the index for the pool papers
// nearest vecs[i] that pass filter, and blends them: each channel's scores
// divided by its best for this query, times its weight. A score blend beat
// reciprocal rank fusion in every pairing we measured. A re-ranking
// channel scores only the papers the others found. A channel without a
// vector (a remote one that is down) sits out. maxDocFreq, when above 0,
// replaces each channel's MaxDocFreq; terms, when above 0, is the
// searching channels' Query.Terms (a re-ranking channel reads no lists).
func (e *Engine) channelScores(ctx context.Context, vecs []embed.Vector, pool int, filter index.Filter, maxDocFreq float64, terms int) (map[string]float64, error) {
	blend := map[string]float64{}
	for _, rerank := range []bool{false, true} {
		q := index.Query{Limit: pool, Filter: filter}
		if rerank {
			q.Filter.Only = slices.Collect(maps.Keys(blend))
			q.Limit = len(q.Filter.Only)
		}
		for i, c := range e.channels {
			if c.Rerank != rerank || q.Limit == 0 || vecs[i].Dense == nil && vecs[i].Sparse.Len() == 0 {
				continue
			}
			q.Space, q.Vector, q.MaxDocFreq = c.Embedder.Space(), vecs[i], c.MaxDocFreq
			if maxDocFreq > 0 {
				q.MaxDocFreq = maxDocFreq
			}
			if !rerank {
				q.Terms, q.CandidateDocFreq = terms, c.CandidateDocFreq
			}
			hits, err := e.index.Search(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("search %s: %w", c.Embedder.Space(), err)
			}
			if len(hits) == 0 || hits[0].Score <= 0 {
				continue
			}
			top := hits[0].Score
			for _, h := range hits {
				blend[h.ID] += c.Weight * h.Score / top
			}
		}
	}
	return blend, nil
}

// hitIDs are the ids of hits, in order.
func hitIDs(hits []index.Hit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

// sortedHits orders scores best first, ties by id, as an index would.
func sortedHits(scores map[string]float64) []index.Hit {
	hits := make([]index.Hit, 0, len(scores))
	for id, s := range scores {
		hits = append(hits, index.Hit{ID: id, Score: s})
	}
	index.SortHits(hits)
	return hits
}

// best returns the k best of scores but those excluded, best first, ties
// by id: without sorting them all, as co-upvotes run to thousands.
func best(scores map[string]float64, k int, excluded map[string]bool) []index.Hit {
	if k <= 0 {
		return nil
	}
	top := index.NewTopK(k)
	for id, s := range scores {
		if !excluded[id] {
			top.Push(index.Hit{ID: id, Score: s})
		}
	}
	return top.Sorted()
}

// filtered keeps the best pool of scores that pass filter, as an index
// would: for candidates that come from votes, not from the index.
func (e *Engine) filtered(ctx context.Context, scores map[string]float64, pool int, f index.Filter) (map[string]float64, error) {
	excluded := make(map[string]bool, len(f.Exclude))
	for _, id := range f.Exclude {
		excluded[id] = true
	}
	hits := best(scores, pool, excluded)
	out := make(map[string]float64, len(hits))
	if f.After.IsZero() && f.Before.IsZero() {
		for _, h := range hits {
			out[h.ID] = h.Score
		}
		return out, nil
	}
	results, err := e.results(ctx, hits)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if inDates(r.Paper.Published, f) {
			out[r.Paper.ID] = r.Score
		}
	}
	return out, nil
}
