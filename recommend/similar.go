package recommend

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
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
	return e.rank(ctx, id, vecs, opts)
}

// Search ranks the papers that best match free text: a query or a whole
// draft abstract. Only papers close to the text are returned (MinCoverage),
// so a query that matches nothing gets no papers rather than the least bad.
func (e *Engine) Search(ctx context.Context, text string, opts Options) ([]Result, error) {
	if len(embed.Tokens(text)) == 0 {
		return nil, fmt.Errorf("%w: the query has no searchable words", paperhound.ErrInvalid)
	}
	if opts.Limit <= 0 {
		return nil, fmt.Errorf("%w: limit must be positive", paperhound.ErrInvalid)
	}
	vecs := make([]embed.Vector, len(e.channels))
	for i, c := range e.channels {
		var err error
		if vecs[i], err = e.embedQuery(ctx, c, text); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	blend, err := e.channelScores(ctx, vecs, max(3*opts.Limit, 100), opts.Filter, 0, 0)
	if err != nil {
		return nil, err
	}
	hits, err := e.closeHits(ctx, sortedHits(blend), vecs, opts.Limit)
	if err != nil {
		return nil, err
	}
	return e.results(ctx, hits)
}

// MinCoverage is how much of a query a paper must contain to be a search
// result: the share of the query's words vector (embed.Words: words and
// word pairs, sum of squared weights, the vectors being normalised) on
// terms the paper has too. It is absolute, unlike the ranking's scores,
// which are divided by the query's best: "zzqxjkv" shares one character
// trigram with the KV-cache papers and would otherwise rank them first with
// a score of 1, but it shares no word with any paper. On the sample papers a
// one- or two-word query's papers cover a third of it or more, and the
// papers on a pasted abstract's topic 0.12 to 0.28 of it (README).
const MinCoverage = 0.1

// closeHits keeps, best first, up to limit of hits whose paper covers at
// least MinCoverage of the query (vecs, by channel) in the words channel.
// Character n-grams are no measure of this (common grams such as "ing>"
// are in every paper), nor dense vectors: a paper they alone find is not
// close. Without a words channel every hit is kept.
func (e *Engine) closeHits(ctx context.Context, hits []index.Hit, vecs []embed.Vector, limit int) ([]index.Hit, error) {
	words := e.wordsChannel()
	if words < 0 {
		return hits[:min(limit, len(hits))], nil
	}
	var close []index.Hit
	for start := 0; start < len(hits) && len(close) < limit; start += limit {
		batch := hits[start:min(len(hits), start+limit)]
		held, err := e.vectors(ctx, e.channels[words], hitIDs(batch))
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		for _, h := range batch {
			if coverage(vecs[words].Sparse, held[h.ID].Sparse) >= MinCoverage && len(close) < limit {
				close = append(close, h)
			}
		}
	}
	return close, nil
}

// coverage is the share of q's weight (sum of squared values) on terms d
// has too: 1 when d holds every term of q, whatever their weights in d.
func coverage(q, d embed.Sparse) float64 {
	var shared, total float64
	j := 0
	for i, t := range q.Indices {
		w := float64(q.Values[i]) * float64(q.Values[i])
		total += w
		for j < len(d.Indices) && d.Indices[j] < t {
			j++
		}
		if j < len(d.Indices) && d.Indices[j] == t {
			shared += w
		}
	}
	if total == 0 {
		return 0
	}
	return shared / total
}

// The co-upvote channel of similar papers, chosen on the even half of
// citeulike-a's query papers with the users' libraries as upvotes (README):
//   - CoUpvoteWeight is its weight beside a weight of 1 for each content
//     channel, for a paper with an abstract. Beside a short text it weighs
//     more, (1 + shortText/n) times for a paper whose words vector has n
//     terms: a title alone (about 15 terms, an abstract 150 or more) is
//     thin evidence for the content channels.
//   - FeedbackWeight is how much the co-upvotes of the first blend's
//     feedbackDepth best papers add to those of the paper itself, each
//     normalised: pseudo-relevance feedback on the vote graph, which finds
//     the papers read beside the paper's nearest ones when few read it.
//   - similarPool is the candidates asked of each channel when there are
//     co-upvotes: beyond the first hundred a paper can still make the top
//     ten on its co-upvotes. Content alone gains nothing from it.
const (
	CoUpvoteWeight = 1.25
	shortText      = 8
	FeedbackWeight = 0.8
	feedbackDepth  = 10
	similarPool    = 1000
)

// rank blends the channels' candidates for vecs (score.go) and, when
// there are votes, one more channel: papers upvoted by the people who
// upvoted the paper id, and by those who upvoted the first blend's best.
func (e *Engine) rank(ctx context.Context, id string, vecs []embed.Vector, opts Options) ([]Result, error) {
	if opts.Limit <= 0 {
		return nil, fmt.Errorf("%w: limit must be positive", paperhound.ErrInvalid)
	}
	pool := max(3*opts.Limit, 100)
	co := e.votes.coUpvoted(map[string]float64{id: 1}, "", 0, candidateDamping)
	if len(co) > 0 {
		pool = max(pool, similarPool)
	}
	content, err := e.channelScores(ctx, vecs, pool, opts.Filter, 0, 0)
	if err != nil {
		return nil, err
	}
	blend := content
	if len(co) > 0 {
		weight := e.coUpvoteWeight(vecs)
		first, err := e.withCoUpvotes(ctx, content, co, weight, pool, opts.Filter)
		if err != nil {
			return nil, err
		}
		top := best(first, feedbackDepth, nil)
		seeds := make(map[string]float64, len(top))
		for _, h := range top {
			seeds[h.ID] = h.Score / top[0].Score
		}
		merged := map[string]float64{}
		addNormalised(merged, co, 1)
		addNormalised(merged, e.votes.coUpvoted(seeds, "", 0, candidateDamping), FeedbackWeight)
		if blend, err = e.withCoUpvotes(ctx, content, merged, weight, pool, opts.Filter); err != nil {
			return nil, err
		}
	}
	return e.results(ctx, best(blend, opts.Limit, nil))
}

// withCoUpvotes adds to a copy of content the best pool of co-upvote
// scores that pass filter, normalised, times weight.
func (e *Engine) withCoUpvotes(ctx context.Context, content, co map[string]float64, weight float64, pool int, filter index.Filter) (map[string]float64, error) {
	kept, err := e.filtered(ctx, co, pool, filter)
	if err != nil {
		return nil, err
	}
	blend := maps.Clone(content)
	addNormalised(blend, kept, weight)
	return blend, nil
}

// coUpvoteWeight is CoUpvoteWeight, raised beside a short text.
func (e *Engine) coUpvoteWeight(vecs []embed.Vector) float64 {
	words := e.wordsChannel()
	if words < 0 || vecs[words].Sparse.Len() == 0 {
		return CoUpvoteWeight
	}
	return CoUpvoteWeight * (1 + shortText/float64(vecs[words].Sparse.Len()))
}

// wordsChannel is the position of the words channel among the engine's
// channels, or -1 without one.
func (e *Engine) wordsChannel() int {
	return slices.IndexFunc(e.channels, func(c Channel) bool { return c.Embedder.Space() == embed.WordsSpace })
}
