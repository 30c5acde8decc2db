package recommend

import (
	"context"
	"fmt"
	"slices"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

// Similar ranks the papers closest to the paper id, never the paper itself.
func (e *Engine) Similar(ctx context.Context, id string, opts Options) ([]Result, error) {
	p, err := e.Paper(ctx, id)
	if err != nil {
		return nil, err
	}
	vecs := make([]embed.Vector, len(e.channels))
	for i, c := range e.channels {
		stored, err := e.store.Vectors(ctx, c.Embedder.Space(), []string{p.TextHash()})
		if err != nil {
			return nil, fmt.Errorf("similar to %q: %w", id, err)
		}
		data, ok := stored[p.TextHash()]
		if !ok {
			// Not embedded yet in this space (pending): embed it now rather
			// than fail, or rank on the other channels.
			if vecs[i], err = e.embedQuery(ctx, c, p.Text()); err != nil {
				return nil, fmt.Errorf("similar to %q: %w", id, err)
			}
			continue
		}
		if err := vecs[i].UnmarshalBinary(data); err != nil {
			return nil, fmt.Errorf("similar to %q: stored %s vector: %w", id, c.Embedder.Space(), err)
		}
	}
	opts.Filter.Exclude = append(slices.Clip(opts.Filter.Exclude), id)
	return e.rank(ctx, vecs, opts, e.votes.coUpvoted(map[string]float64{id: 1}, ""))
}

// Search ranks the papers that best match free text: a query or a whole
// draft abstract.
func (e *Engine) Search(ctx context.Context, text string, opts Options) ([]Result, error) {
	if len(embed.Tokens(text)) == 0 {
		return nil, fmt.Errorf("%w: the query has no searchable words", paperhound.ErrInvalid)
	}
	vecs := make([]embed.Vector, len(e.channels))
	for i, c := range e.channels {
		var err error
		if vecs[i], err = e.embedQuery(ctx, c, text); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	return e.rank(ctx, vecs, opts, nil)
}

// CoUpvoteWeight is the weight of the co-upvote channel in similar papers,
// beside a weight of 1 for each content channel; chosen on the even half of
// citeulike-a's query papers with the users' libraries as upvotes (README).
const CoUpvoteWeight = 1.5

// rank asks every channel for candidates and blends their scores, each
// divided by the channel's best score for this query: a score blend beat
// reciprocal rank fusion in every pairing we measured. coUpvoted, when
// there are votes, is one more channel: papers upvoted by the same people.
func (e *Engine) rank(ctx context.Context, vecs []embed.Vector, opts Options, coUpvoted map[string]float64) ([]Result, error) {
	if opts.Limit <= 0 {
		return nil, fmt.Errorf("%w: limit must be positive", paperhound.ErrInvalid)
	}
	pool := max(3*opts.Limit, 100)
	blend := map[string]float64{}
	for i, c := range e.channels {
		if vecs[i].Dense == nil && vecs[i].Sparse.Len() == 0 {
			continue // a remote channel that is down
		}
		hits, err := e.index.Search(ctx, index.Query{
			Space: c.Embedder.Space(), Vector: vecs[i], Limit: pool,
			Filter: opts.Filter, MaxDocFreq: c.MaxDocFreq,
		})
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
	co, err := e.filtered(ctx, coUpvoted, pool, opts.Filter)
	if err != nil {
		return nil, err
	}
	addNormalised(blend, co, CoUpvoteWeight)
	hits := make([]index.Hit, 0, len(blend))
	for id, s := range blend {
		hits = append(hits, index.Hit{ID: id, Score: s})
	}
	index.SortHits(hits)
	return e.results(ctx, hits[:min(opts.Limit, len(hits))])
}

// filtered keeps the best pool of scores that pass filter, as an index
// would: for candidates that come from votes, not from the index.
func (e *Engine) filtered(ctx context.Context, scores map[string]float64, pool int, f index.Filter) (map[string]float64, error) {
	excluded := make(map[string]bool, len(f.Exclude))
	for _, id := range f.Exclude {
		excluded[id] = true
	}
	hits := make([]index.Hit, 0, len(scores))
	for id, s := range scores {
		if !excluded[id] {
			hits = append(hits, index.Hit{ID: id, Score: s})
		}
	}
	index.SortHits(hits)
	hits = hits[:min(pool, len(hits))]
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

// results attaches the stored papers to hits, in order.
func (e *Engine) results(ctx context.Context, hits []index.Hit) ([]Result, error) {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	papers, err := e.store.Papers(ctx, ids)
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
