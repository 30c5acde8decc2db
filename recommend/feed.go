package recommend

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
)

// MaxFeedDepth is how deep a feed can be paged.
const MaxFeedDepth = 500

// FeedOptions shape one page of a user's feed.
type FeedOptions struct {
	Limit, Offset int
	Filter        index.Filter
	// Popularity blends in how many upvotes a paper has, from 0 (none) to
	// 1. Nil leaves it to the engine: ColdStartPopularity divided by the
	// user's number of upvotes, so the less the engine knows of a user the
	// more it leans on what others liked.
	Popularity *float64
	// Seeds, when not nil, are the only upvotes the feed is computed from
	// (a collection's papers, CollectionFeed); the user's other votes
	// still keep their papers out of it. With none of them upvoted the
	// feed is empty, not trending.
	Seeds []string
}

// ColdStartPopularity is the popularity weight for a user with a single
// upvote; chosen on a validation carve of citeulike-a's train votes, where
// it lifted single-upvote users' recall@300 from .174 to .187 and hurt
// users with seven upvotes when not divided down (README).
const ColdStartPopularity = 0.3

// Recommendation is one paper of a feed with the upvoted papers it is
// closest to.
type Recommendation struct {
	Result
	Because  []Reason
	Trending bool // the user has no upvotes yet: a trending paper
}

// Recency is how much more a user's newer upvotes weigh in their feed;
// the zero Recency weighs all alike, and upvotes cast at once (an import
// without times) always weigh alike.
type Recency struct {
	// HalfLife, in time: an upvote cast HalfLife before the newest weighs
	// 1/2.
	HalfLife time.Duration
	// Upvotes, counted: an upvote with Upvotes upvotes cast after it
	// weighs 1/2.
	Upvotes float64
}

func (r Recency) String() string {
	var parts []string
	if r.HalfLife > 0 {
		parts = append(parts, fmt.Sprintf("%g days", r.HalfLife.Hours()/24))
	}
	if r.Upvotes > 0 {
		parts = append(parts, fmt.Sprintf("%g upvotes", r.Upvotes))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " and ")
}

// FeedWeights are the knobs of the feed ranking. DefaultFeedWeights were
// chosen on a validation carve of citeulike-a's train votes (README).
type FeedWeights struct {
	Content       float64 // centroid of the user's upvotes, per channel
	Collaborative float64 // papers upvoted by the people who upvoted the same
	Hidden        float64 // how hard hidden papers push their neighbours down
	Recency       Recency
	// TunedRecency replaces Recency by what the engine's last TuneFeed
	// chose (none before it has run).
	TunedRecency bool
	// Neighbours is how many co-upvoted papers of each upvote count in the
	// collaborative channel, its best; 0 counts all.
	Neighbours int
	// Damping is how hard a candidate's own upvoters discount its
	// co-upvotes: 0.5 makes each upvote's scores a cosine.
	Damping float64
	Pool    int // candidates asked of each channel
	// Terms is how many of each sparse centroid's largest terms are
	// searched with; 0 searches with all. A hundred upvotes sum to tens of
	// thousands of character grams, most of them one paper's: reading
	// their postings was most of a feed's time, for no gain in quality.
	Terms int
	// MaxDocFreq, above 0, replaces each channel's MaxDocFreq for the
	// centroids: a hundred upvotes' words include most of the common ones,
	// whose lists are the longest. 0.1 against the channels' 0.3 ranked as
	// well or better on all three validation carves (README).
	MaxDocFreq float64
	// SearchTerms is how many of a centroid's terms a channel that searches
	// its lists reads: those that weigh most in the index's scores, idf
	// included, so the rare ones before the common. At a million papers a
	// hundred upvotes' 852 words read 24 million postings, their best 200
	// 3 million; on the validation carves 200 ranked level (README).
	SearchTerms int
}

// DefaultFeedWeights is what the engine uses unless told otherwise.
var DefaultFeedWeights = FeedWeights{Content: 0.3, Collaborative: 0.7, Hidden: 0.5, TunedRecency: true,
	Neighbours: 0, Damping: candidateDamping, Pool: 1000, Terms: 1000, MaxDocFreq: 0.1, SearchTerms: 200}

// Feed ranks papers for user from their upvotes and hidden papers. It never
// returns a paper the user voted on. A user without upvotes gets trending
// papers.
func (e *Engine) Feed(ctx context.Context, user string, opts FeedOptions) ([]Recommendation, error) {
	return e.FeedWith(ctx, user, opts, DefaultFeedWeights)
}

// FeedWith is Feed with other weights, to evaluate and tune them.
func (e *Engine) FeedWith(ctx context.Context, user string, opts FeedOptions, w FeedWeights) ([]Recommendation, error) {
	if opts.Limit <= 0 || opts.Offset < 0 || opts.Offset+opts.Limit > MaxFeedDepth {
		return nil, fmt.Errorf("%w: a feed page must lie within its first %d papers", paperhound.ErrInvalid, MaxFeedDepth)
	}
	if w.TunedRecency {
		w.Recency = e.tunedRecency()
	}
	return e.feed(ctx, user, e.votes.votes(user), opts, w)
}

// feed ranks papers for user from votes, oldest first.
func (e *Engine) feed(ctx context.Context, user string, votes []paperhound.Vote, opts FeedOptions, w FeedWeights) ([]Recommendation, error) {
	var only map[string]bool
	if opts.Seeds != nil {
		only = make(map[string]bool, len(opts.Seeds))
		for _, id := range opts.Seeds {
			only[id] = true
		}
	}
	var ups, hidden []string
	var upVotes []paperhound.Vote
	var newest time.Time
	voted := make([]string, 0, len(votes))
	for _, v := range votes {
		voted = append(voted, v.Paper)
		switch {
		case v.Value < 0:
			hidden = append(hidden, v.Paper)
		case only == nil || only[v.Paper]:
			ups = append(ups, v.Paper)
			upVotes = append(upVotes, v)
			if v.At.After(newest) {
				newest = v.At
			}
		}
	}
	if len(ups) == 0 {
		if only != nil {
			return nil, nil
		}
		return e.trendingFeed(ctx, voted, opts)
	}
	seeds := make(map[string]float64, len(ups))
	weights := make([]float64, len(ups)) // by upvote, as in ups
	newer := 0                           // upvotes cast after upVotes[i]: they are oldest first
	for i := len(upVotes) - 1; i >= 0; i-- {
		v := upVotes[i]
		if i+1 < len(upVotes) && upVotes[i+1].At.After(v.At) {
			newer = len(upVotes) - 1 - i
		}
		weight := 1.0
		if r := w.Recency; r.HalfLife > 0 {
			weight = math.Pow(0.5, float64(newest.Sub(v.At))/float64(r.HalfLife))
		}
		if r := w.Recency; r.Upvotes > 0 {
			weight *= math.Pow(0.5, float64(newer)/r.Upvotes)
		}
		seeds[v.Paper], weights[i] = weight, weight
	}
	filter := opts.Filter
	filter.Exclude = append(slices.Clip(filter.Exclude), voted...)

	// The upvoted papers' vectors in the first channel are read once, for
	// the explanations and, unless the index sums centroids itself, for
	// the centroid.
	upFirst, err := e.vectors(ctx, e.channels[0], ups)
	if err != nil {
		return nil, fmt.Errorf("feed: upvoted papers: %w", err)
	}
	blend := map[string]float64{}
	if w.Content > 0 {
		content, err := e.centroidScores(ctx, ups, weights, upFirst, filter, w)
		if err != nil {
			return nil, fmt.Errorf("feed: upvoted papers: %w", err)
		}
		if len(hidden) > 0 && w.Hidden > 0 {
			ones := make([]float64, len(hidden))
			for i := range ones {
				ones[i] = 1
			}
			pushed, err := e.centroidScores(ctx, hidden, ones, nil, filter, w)
			if err != nil {
				return nil, fmt.Errorf("feed: hidden papers: %w", err)
			}
			for id, s := range pushed {
				if _, ok := content[id]; ok {
					content[id] -= w.Hidden * s
				}
			}
		}
		addNormalised(blend, content, w.Content)
	}
	if w.Collaborative > 0 {
		co, err := e.filtered(ctx, e.votes.coUpvoted(seeds, user, w.Neighbours, w.Damping), w.Pool, filter)
		if err != nil {
			return nil, err
		}
		addNormalised(blend, co, w.Collaborative)
	}
	hits := sortedHits(blend)
	// Popularity and duplicates are judged on more than a page, so that
	// paging stays consistent; only the page's rows are read whole.
	hits = hits[:min(len(hits), MaxFeedDepth+MaxFeedDepth/5)]
	ranks, err := e.ranks(ctx, hitIDs(hits))
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	// A paper deleted since the index saw it is skipped, not an error.
	hits = slices.DeleteFunc(hits, func(h index.Hit) bool {
		_, ok := ranks[h.ID]
		return !ok
	})
	popularity := ColdStartPopularity / float64(len(ups))
	if opts.Popularity != nil {
		popularity = *opts.Popularity
	}
	hits = e.withPopularity(hits, ranks, popularity)
	hits = withoutDuplicates(hits, func(h index.Hit) uint64 { return ranks[h.ID].Title })
	page, err := e.results(ctx, hits[min(opts.Offset, len(hits)):min(opts.Offset+opts.Limit, len(hits))])
	if err != nil {
		return nil, err
	}
	return e.explain(ctx, page, ups, upFirst)
}

// centroidScores asks each channel for the papers nearest the sum of the
// papers' vectors, each times its weight, blended as similar papers are;
// first, when not nil, are their vectors in the first channel, already
// read.
func (e *Engine) centroidScores(ctx context.Context, ids []string, weights []float64, first map[string]embed.Vector, filter index.Filter, w FeedWeights) (map[string]float64, error) {
	centroids := make([]embed.Vector, len(e.channels))
	for ci, c := range e.channels {
		var read map[string]embed.Vector
		if ci == 0 {
			read = first
		}
		v, err := e.centroid(ctx, c, ids, weights, read)
		if err != nil {
			return nil, err
		}
		if w.Terms > 0 {
			v.Sparse = v.Sparse.Largest(w.Terms)
		}
		centroids[ci] = v
	}
	return e.channelScores(ctx, centroids, w.Pool, filter, w.MaxDocFreq, w.SearchTerms)
}

// withPopularity blends each hit's score with its share of upvotes (ours
// plus the source's, from ranks), on a log scale, by weight p in [0, 1].
func (e *Engine) withPopularity(hits []index.Hit, ranks map[string]index.Rank, p float64) []index.Hit {
	if p <= 0 || len(hits) == 0 {
		return hits
	}
	pop := make([]float64, len(hits))
	var top, best float64
	for i, h := range hits {
		pop[i] = math.Log1p(float64(int(ranks[h.ID].Upvotes) + e.votes.upvotes(h.ID)))
		top = max(top, pop[i])
		best = max(best, h.Score)
	}
	for i := range hits {
		s := (1 - p) * hits[i].Score / max(best, 1e-12)
		if top > 0 {
			s += p * pop[i] / top
		}
		hits[i].Score = s
	}
	index.SortHits(hits)
	return hits
}

// withoutDuplicates keeps the first of items with the same title (their
// titleHash): the same paper posted twice, or a preprint and its
// published copy.
func withoutDuplicates[T any](items []T, title func(T) uint64) []T {
	seen := make(map[uint64]bool, len(items))
	return slices.DeleteFunc(items, func(it T) bool {
		key := title(it)
		if seen[key] {
			return true
		}
		seen[key] = true
		return false
	})
}

// titleHash is a 64-bit hash of title's titleKey, the same in every
// process: the embedded index keeps it (index.Rank), and its snapshot
// outlives the process.
func titleHash(title string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(titleKey(title)))
	return h.Sum64()
}

// rankOf is a paper's index.Rank.
func rankOf(title string, upvotes int) index.Rank {
	return index.Rank{Upvotes: int32(min(upvotes, math.MaxInt32)), Title: titleHash(title)}
}

// rankHolder is an index that keeps each paper's Rank (index.Memory).
type rankHolder interface {
	Ranks(ids []string) map[string]index.Rank
}

// ranks returns the Rank of each of ids that is stored: from the index
// when it keeps them, from the store for the rest.
func (e *Engine) ranks(ctx context.Context, ids []string) (map[string]index.Rank, error) {
	out := map[string]index.Rank{}
	missing := ids
	if h, ok := e.index.(rankHolder); ok {
		out = h.Ranks(ids)
		missing = slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
			_, ok := out[id]
			return ok
		})
	}
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := e.store.Rankings(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, r := range rows {
		out[id] = rankOf(r.Title, r.Upvotes)
	}
	return out, nil
}

// titleKey folds case, accents, punctuation and spacing and keeps every
// letter and digit, numbers included: "Gemma 2" and "Gemma 3", "Qwen2" and
// "Qwen2.5" are different papers, so the lexical tokens (which drop numbers
// and stop words) can't be the key.
func titleKey(title string) string {
	folded := embed.FoldAccents(strings.ToLower(title))
	return strings.Join(strings.FieldsFunc(folded, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// trendingFeed is the feed of a user with no upvotes yet: trending papers
// (trending.go) less the ones they hid, marked Trending, with no reasons.
func (e *Engine) trendingFeed(ctx context.Context, voted []string, opts FeedOptions) ([]Recommendation, error) {
	page, err := e.trendingPage(ctx, voted, opts)
	if err != nil {
		return nil, err
	}
	out := make([]Recommendation, len(page))
	for i, r := range page {
		out[i] = Recommendation{Result: r, Trending: true}
	}
	return out, nil
}

// TrendingFeed is what a feed holds for someone signed out: trending
// papers over a window widened until it fills the feed's depth
// (trendingFeedWindows), so that it is never short of papers while the
// store has them, paged as a feed is.
func (e *Engine) TrendingFeed(ctx context.Context, opts FeedOptions) ([]Result, error) {
	if opts.Limit <= 0 || opts.Offset < 0 || opts.Offset+opts.Limit > MaxFeedDepth {
		return nil, fmt.Errorf("%w: a feed page must lie within its first %d papers", paperhound.ErrInvalid, MaxFeedDepth)
	}
	return e.trendingPage(ctx, nil, opts)
}

func (e *Engine) trendingPage(ctx context.Context, voted []string, opts FeedOptions) ([]Result, error) {
	results, err := e.trendingFeedResults(ctx, voted, opts.Filter, opts.Offset+opts.Limit)
	if err != nil {
		return nil, err
	}
	return results[min(opts.Offset, len(results)):min(opts.Offset+opts.Limit, len(results))], nil
}

// Upvotes is a paper's upvote count: the source's (the upvotes field of
// ingested papers) plus ours, as trending and popularity count them.
func (e *Engine) Upvotes(p paperhound.Paper) int {
	return p.Upvotes + e.votes.upvotes(p.ID)
}
