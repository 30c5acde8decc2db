package recommend

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

// Reason is an upvoted paper a recommendation is close to.
type Reason struct {
	ID, Title  string
	Similarity float64
}

// explain attaches to each result of a feed page the upvoted papers
// closest to it by the first channel's vectors (cosine of normalised
// vectors): upVecs are the upvoted papers' vectors there.
func (e *Engine) explain(ctx context.Context, page []Result, ups []string, upVecs map[string]embed.Vector) ([]Recommendation, error) {
	out := make([]Recommendation, len(page))
	ids := make([]string, len(page))
	for i, r := range page {
		out[i] = Recommendation{Result: r}
		ids[i] = r.Paper.ID
	}
	vecs, err := e.vectors(ctx, e.channels[0], ids)
	if err != nil {
		return nil, fmt.Errorf("explain feed: %w", err)
	}
	similarity := similarities(ups, upVecs)
	shown := map[string]bool{}
	for i := range out {
		v, ok := vecs[out[i].Paper.ID]
		if !ok {
			continue
		}
		// The three closest, ties by id, without sorting a hundred.
		closest := index.NewTopK(3)
		for j, s := range similarity(v) {
			if s > 0 && closest.Admits(s) {
				closest.Push(index.Hit{ID: ups[j], Score: s})
			}
		}
		for _, h := range closest.Sorted() {
			out[i].Because = append(out[i].Because, Reason{ID: h.ID, Similarity: h.Score})
		}
		for _, r := range out[i].Because {
			shown[r.ID] = true
		}
	}
	// Only the shown upvotes' rows are read, for their titles: all of a
	// hundred upvotes' were a tenth of a feed page at a million papers.
	titles, err := e.store.Papers(ctx, slices.Collect(maps.Keys(shown)))
	if err != nil {
		return nil, fmt.Errorf("load upvoted papers: %w", err)
	}
	for i := range out {
		for j, r := range out[i].Because {
			out[i].Because[j].Title = titles[r.ID].Title
		}
	}
	return out, nil
}

// similarities returns a function giving a vector's cosine with each of
// ups' vectors in upVecs (0 for one without), as cosine sums it. Sparse
// vectors meet through an index of the upvotes' terms, so that a result
// costs only the terms it shares with them: merging each of a page's 50
// results with each of 100 upvotes was a sixth of a feed's time.
func similarities(ups []string, upVecs map[string]embed.Vector) func(embed.Vector) []float64 {
	type entry struct {
		up    int
		value float32
	}
	// The upvotes' entries, grouped by term in one array (term t's are
	// entries[span[t][0]:span[t][1]]), in the order of ups.
	var total int
	for _, id := range ups {
		total += upVecs[id].Sparse.Len()
	}
	span := make(map[uint32][2]int32, total) // sized once: a hundred upvotes' terms rehashed a map's growth
	for _, id := range ups {
		for _, t := range upVecs[id].Sparse.Indices {
			s := span[t]
			s[1]++
			span[t] = s
		}
	}
	var n int32
	for t, s := range span {
		span[t] = [2]int32{n, n}
		n += s[1]
	}
	entries := make([]entry, n)
	for i, id := range ups {
		u := upVecs[id].Sparse
		for j, t := range u.Indices {
			s := span[t]
			entries[s[1]] = entry{i, u.Values[j]}
			s[1]++
			span[t] = s
		}
	}
	return func(v embed.Vector) []float64 {
		sims := make([]float64, len(ups))
		if v.Dense != nil {
			for i, id := range ups {
				if u, ok := upVecs[id]; ok {
					sims[i] = cosine(v, u)
				}
			}
			return sims
		}
		// Each upvote's sum runs over the shared terms in ascending order,
		// as cosine's merge does.
		for j, t := range v.Sparse.Indices {
			s := span[t]
			for _, e := range entries[s[0]:s[1]] {
				sims[e.up] += float64(v.Sparse.Values[j]) * float64(e.value)
			}
		}
		return sims
	}
}
