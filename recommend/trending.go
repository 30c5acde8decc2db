package recommend

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/schema"
)

// MaxTrendingDays bounds a trending window: each request reads every paper
// published in it (from the published index), so a busy corpus pays for
// each day asked.
const MaxTrendingDays = 90

// TrendingOptions shape a trending list.
type TrendingOptions struct {
	// Days is the window: papers published in the Days days up to the
	// newest publication day in the store, not after today (1 is that day
	// alone). Anchoring on the newest paper rather than on today keeps a
	// static corpus trending.
	Days  int
	Limit int
	// Exclude leaves papers out: a user's votes.
	Exclude []string
	// Before, when set, ends the window there instead; After, when set,
	// cuts its start. Both inclusive.
	After, Before paperhound.Date
}

// trendScore ranks a paper by its upvotes per age, Hacker News style:
//
//	(1 + upvotes) / (age + 2)^1.5
//
// age in days before the window's last day, upvotes ours (the vote graph)
// plus the source's (the upvotes field of ingested papers). The 1 ranks a
// paper no one upvoted yet by recency alone; the 2 keeps one vote on the
// newest day from outweighing many a few days older; 1.5 is how fast age
// wins: a paper a week old needs (9/2)^1.5 ≈ 9.5 times the upvotes of one
// from the last day to rank alike.
func trendScore(upvotes int, ageDays float64) float64 {
	return float64(1+upvotes) / math.Pow(ageDays+2, 1.5)
}

// Trending ranks the papers published in a recent window by upvotes and
// recency (trendScore). Papers without a date never trend.
func (e *Engine) Trending(ctx context.Context, opts TrendingOptions) ([]Result, error) {
	if opts.Days < 1 || opts.Days > MaxTrendingDays {
		return nil, fmt.Errorf("%w: days must be from 1 to %d, got %d", paperhound.ErrInvalid, MaxTrendingDays, opts.Days)
	}
	if opts.Limit <= 0 {
		return nil, fmt.Errorf("%w: limit must be positive", paperhound.ErrInvalid)
	}
	return e.trending(ctx, opts)
}

func (e *Engine) trending(ctx context.Context, opts TrendingOptions) ([]Result, error) {
	hits, err := e.trendingHits(ctx, opts)
	if err != nil {
		return nil, err
	}
	return e.results(ctx, hits[:min(len(hits), opts.Limit)])
}

// trendingHits scores every paper of the window, best first.
func (e *Engine) trendingHits(ctx context.Context, opts TrendingOptions) ([]index.Hit, error) {
	now := e.store.Now().UTC()
	until := paperhound.Date{Time: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	if !opts.Before.IsZero() && opts.Before.Before(until.Time) {
		until = opts.Before
	}
	last, err := e.store.NewestPublished(ctx, until)
	if err != nil {
		return nil, fmt.Errorf("trending: %w", err)
	}
	if last.IsZero() {
		return []index.Hit{}, nil
	}
	first := paperhound.Date{Time: last.AddDate(0, 0, 1-opts.Days)}
	if !opts.After.IsZero() && opts.After.After(first.Time) {
		first = opts.After
	}
	if first.After(last.Time) {
		return []index.Hit{}, nil
	}
	skip := make(map[string]bool, len(opts.Exclude))
	for _, id := range opts.Exclude {
		skip[id] = true
	}
	var hits []index.Hit
	err = e.store.PublishedBetween(ctx, first, last, func(p schema.PaperDay) error {
		if !skip[p.ID] {
			age := last.Sub(p.Published.Time).Hours() / 24
			hits = append(hits, index.Hit{ID: p.ID, Score: trendScore(p.Upvotes+e.votes.upvotes(p.ID), age)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("trending: %w", err)
	}
	index.SortHits(hits)
	return hits, nil
}

// trendingFeedWindows are the windows, in days, a feed without upvotes
// tries in turn: the first to fill the feed's depth is used, so a busy
// corpus reads a week of papers (arXiv's pace, ~550 a day: 11 ms on
// SQLite, where a month takes 50) and a small or static one still fills
// the feed. The choice depends on the corpus alone, never on the page
// asked, so pages agree.
var trendingFeedWindows = []int{7, 30, 365}

// trendingFeedResults is the start of a feed without upvotes, up to need
// papers: trending papers less those voted on and those outside the
// filter's dates, one of each duplicate title. Papers are loaded only as
// far as need, since a duplicate only ever drops a later paper.
func (e *Engine) trendingFeedResults(ctx context.Context, voted []string, filter index.Filter, need int) ([]Result, error) {
	opts := TrendingOptions{
		Exclude: append(append([]string(nil), filter.Exclude...), voted...),
		After:   filter.After,
		Before:  filter.Before,
	}
	var hits []index.Hit
	for _, days := range trendingFeedWindows {
		opts.Days = days
		var err error
		if hits, err = e.trendingHits(ctx, opts); err != nil {
			return nil, err
		}
		if len(hits) >= MaxFeedDepth {
			break
		}
	}
	var results []Result
	for start := 0; len(results) < need && start < len(hits); {
		end := min(len(hits), start+need-len(results)+8) // a little room for duplicates
		more, err := e.results(ctx, hits[start:end])
		if err != nil {
			return nil, err
		}
		results = withoutDuplicates(append(results, more...), paperTitle)
		start = end
	}
	return results, nil
}

func paperTitle(r Result) uint64 { return titleHash(r.Paper.Title) }
