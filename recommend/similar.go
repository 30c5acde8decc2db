package recommend

import (
	"context"
	"fmt"
	"slices"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
)

// Similar ranks the papers closest to the paper id, never the paper itself.
// Its vectors come from the index when it holds them (vectors.go): the
// store is read for a paper's row only when a vector is missing.
func (e *Engine) Similar(ctx context.Context, id string, opts Options) ([]Result, error) {
	held, err := e.paperVectors(ctx, []string{id})
	if err != nil {
		return nil, fmt.Errorf("similar to %q: %w", id, err)
	}
	vecs := make([]embed.Vector, len(e.channels))
	var p *paperhound.Paper
	for i, c := range e.channels {
		if v, ok := held[i][id]; ok {
			vecs[i] = v
			continue
		}
		// No such paper, or not embedded yet in this space (pending): embed
		// it now rather than fail, or rank on the other channels.
		if p == nil {
			stored, err := e.Paper(ctx, id)
			if err != nil {
				return nil, err
			}
			p = &stored
		}
		if vecs[i], err = e.embedQuery(ctx, c, p.Text()); err != nil {
			return nil, fmt.Errorf("similar to %q: %w", id, err)
		}
	}
	opts.Filter.Exclude = append(slices.Clip(opts.Filter.Exclude), id)
	return e.rank(ctx, vecs, opts, e.votes.coUpvoted(map[string]float64{id: 1}, "", 0, candidateDamping))
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

// rank blends the channels' candidates for vecs (score.go) and, when
// there are votes, one more channel: coUpvoted, papers upvoted by the same
// people.
func (e *Engine) rank(ctx context.Context, vecs []embed.Vector, opts Options, coUpvoted map[string]float64) ([]Result, error) {
	if opts.Limit <= 0 {
		return nil, fmt.Errorf("%w: limit must be positive", paperhound.ErrInvalid)
	}
	pool := max(3*opts.Limit, 100)
	blend, err := e.channelScores(ctx, vecs, pool, opts.Filter)
	if err != nil {
		return nil, err
	}
	co, err := e.filtered(ctx, coUpvoted, pool, opts.Filter)
	if err != nil {
		return nil, err
	}
	addNormalised(blend, co, CoUpvoteWeight)
	hits := sortedHits(blend)
	return e.results(ctx, hits[:min(opts.Limit, len(hits))])
}
