package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// trendingToday is the store's clock in the trending tests.
var trendingToday = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// trendingPapers: the newest dated paper not after today is 2025-03-10,
// which anchors the window.
var trendingPapers = []paperhound.Paper{
	{ID: "n1", Title: "Newest paper on sparse attention", Published: trendDay("2025-03-10")},
	{ID: "n2", Title: "Speculative decoding with two drafts", Published: trendDay("2025-03-09"), Upvotes: 2},
	{ID: "n3", Title: "A tokenizer for many scripts", Published: trendDay("2025-03-04"), Upvotes: 10},    // 6 days old: in a week
	{ID: "n4", Title: "KV cache eviction by attention", Published: trendDay("2025-03-03"), Upvotes: 100}, // 7 days old: out of a week
	{ID: "old", Title: "Retrieval heads revisited", Published: trendDay("2024-09-01"), Upvotes: 5},
	{ID: "future", Title: "A paper dated in the future", Published: trendDay("2099-01-01"), Upvotes: 1000},
	{ID: "undated", Title: "A paper with no date", Upvotes: 1000},
}

func trendDay(s string) paperhound.Date {
	d, err := paperhound.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func trendingEngine(t *testing.T, st *schema.Store) *recommend.Engine {
	t.Helper()
	st.Now = func() time.Time { return trendingToday }
	e := recommend.New(st, index.NewMemory(), recommend.LexicalChannels(), nil)
	if _, err := e.Ingest(context.Background(), trendingPapers); err != nil {
		t.Fatal(err)
	}
	return e
}

func trendingIDs(rs []recommend.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Paper.ID
	}
	return out
}

// addVoters creates users and casts their votes through the engine.
func addVoters(t *testing.T, e *recommend.Engine, votes []paperhound.Vote) {
	t.Helper()
	ctx := context.Background()
	for _, v := range votes {
		if _, err := e.Store().User(ctx, v.User); errors.Is(err, paperhound.ErrNotFound) {
			if _, _, err := e.Store().IssueToken(ctx, v.User); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Vote(ctx, v.User, v.Paper, v.Value); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTrending(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := trendingEngine(t, b.Store)
			trending := func(opts recommend.TrendingOptions) []string {
				t.Helper()
				rs, err := e.Trending(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range rs {
					if r.Score <= 0 || i > 0 && r.Score > rs[i-1].Score {
						t.Errorf("%v: scores not positive and falling: %v", opts, rs)
					}
				}
				return trendingIDs(rs)
			}

			// (1+up)/(age+2)^1.5: n2 3/5.20=.577, n3 11/22.6=.486, n1 1/2.83=.354.
			// n4 is a day too old for a week, old far too old; the future
			// paper and the undated one never trend.
			if got, want := trending(recommend.TrendingOptions{Days: 7, Limit: 10}), []string{"n2", "n3", "n1"}; !slices.Equal(got, want) {
				t.Errorf("a week: %v, want %v", got, want)
			}
			if got, want := trending(recommend.TrendingOptions{Days: 8, Limit: 10}), []string{"n4", "n2", "n3", "n1"}; !slices.Equal(got, want) {
				t.Errorf("8 days: %v, want %v", got, want)
			}
			if got, want := trending(recommend.TrendingOptions{Days: 1, Limit: 10}), []string{"n1"}; !slices.Equal(got, want) {
				t.Errorf("one day: %v, want %v", got, want)
			}
			if got, want := trending(recommend.TrendingOptions{Days: 7, Limit: 2}), []string{"n2", "n3"}; !slices.Equal(got, want) {
				t.Errorf("limit 2: %v, want %v", got, want)
			}
			if got, want := trending(recommend.TrendingOptions{Days: 7, Limit: 10, Exclude: []string{"n2"}}), []string{"n3", "n1"}; !slices.Equal(got, want) {
				t.Errorf("without n2: %v, want %v", got, want)
			}
			// Before moves the window back; After cuts it.
			if got, want := trending(recommend.TrendingOptions{Days: 7, Limit: 10, Before: trendDay("2025-03-05")}), []string{"n4", "n3"}; !slices.Equal(got, want) {
				t.Errorf("a week to 2025-03-05: %v, want %v", got, want)
			}
			if got, want := trending(recommend.TrendingOptions{Days: 7, Limit: 10, After: trendDay("2025-03-05")}), []string{"n2", "n1"}; !slices.Equal(got, want) {
				t.Errorf("a week from 2025-03-05: %v, want %v", got, want)
			}

			// Our upvotes count with the source's; hides don't. Three
			// upvotes make n1 4/2.83=1.41, first.
			addVoters(t, e, []paperhound.Vote{
				{User: "u1", Paper: "n1", Value: 1}, {User: "u2", Paper: "n1", Value: 1},
				{User: "u3", Paper: "n1", Value: 1}, {User: "u3", Paper: "n2", Value: -1},
			})
			rs, err := e.Trending(ctx, recommend.TrendingOptions{Days: 7, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := trendingIDs(rs), []string{"n1", "n2", "n3"}; !slices.Equal(got, want) {
				t.Errorf("after votes: %v, want %v", got, want)
			}
			if want := 4 / math.Pow(2, 1.5); math.Abs(rs[0].Score-want) > 1e-9 {
				t.Errorf("n1 scores %v, want 4/2^1.5 = %v", rs[0].Score, want)
			}
			if want := 3 / math.Pow(3, 1.5); math.Abs(rs[1].Score-want) > 1e-9 {
				t.Errorf("n2 scores %v, want 3/3^1.5 = %v (the hide does not count)", rs[1].Score, want)
			}

			for _, days := range []int{0, -1, recommend.MaxTrendingDays + 1} {
				if _, err := e.Trending(ctx, recommend.TrendingOptions{Days: days, Limit: 10}); !errors.Is(err, paperhound.ErrInvalid) {
					t.Errorf("days %d: %v, want ErrInvalid", days, err)
				}
			}
			if _, err := e.Trending(ctx, recommend.TrendingOptions{Days: 7}); !errors.Is(err, paperhound.ErrInvalid) {
				t.Errorf("limit 0: %v, want ErrInvalid", err)
			}
		})
	}
}

func TestTrendingEmpty(t *testing.T) {
	st := schematest.Open(t, "sqlite")
	e := recommend.New(st, index.NewMemory(), recommend.LexicalChannels(), nil)
	rs, err := e.Trending(context.Background(), recommend.TrendingOptions{Days: 7, Limit: 10})
	if err != nil || rs == nil || len(rs) != 0 {
		t.Errorf("empty store: %v, %v; want an empty list", rs, err)
	}
}

// A user without upvotes gets trending papers, less what they hid, from a
// window wide enough to fill the feed of a small corpus.
func TestTrendingFeed(t *testing.T) {
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := trendingEngine(t, b.Store)
			addVoters(t, e, []paperhound.Vote{{User: "newbie", Paper: "n4", Value: -1}})
			recs, err := e.Feed(ctx, "newbie", recommend.FeedOptions{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Paper.ID)
				if !r.Trending || len(r.Because) != 0 {
					t.Errorf("%s: trending %v, because %v; want trending and no reasons", r.Paper.ID, r.Trending, r.Because)
				}
			}
			if want := []string{"n2", "n3", "n1", "old"}; !slices.Equal(got, want) {
				t.Errorf("feed %v, want %v (n4 hidden)", got, want)
			}
			// Pages of it.
			first, err := e.Feed(ctx, "newbie", recommend.FeedOptions{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			second, err := e.Feed(ctx, "newbie", recommend.FeedOptions{Limit: 2, Offset: 2})
			if err != nil {
				t.Fatal(err)
			}
			var paged []string
			for _, r := range append(first, second...) {
				paged = append(paged, r.Paper.ID)
			}
			if !slices.Equal(paged, got) {
				t.Errorf("two pages %v, one page %v", paged, got)
			}
			// A user nobody knows has no votes: the same, with n4.
			recs, err = e.Feed(ctx, "stranger", recommend.FeedOptions{Limit: 10, Filter: index.Filter{After: trendDay("2025-01-01")}})
			if err != nil {
				t.Fatal(err)
			}
			got = got[:0]
			for _, r := range recs {
				got = append(got, r.Paper.ID)
			}
			if want := []string{"n4", "n2", "n3", "n1"}; !slices.Equal(got, want) {
				t.Errorf("feed after 2025-01-01 %v, want %v", got, want)
			}
		})
	}
}

// Signed out, the feed is the trending papers of a widened window, paged,
// with upvote counts that include ours; a page outside the feed's depth is
// refused.
func TestTrendingFeedSignedOut(t *testing.T) {
	ctx := context.Background()
	e := trendingEngine(t, schematest.Open(t, "sqlite"))
	addVoters(t, e, []paperhound.Vote{{User: "fan", Paper: "n2", Value: 1}})
	var got []string
	for offset := 0; offset < 6; offset += 2 {
		page, err := e.TrendingFeed(ctx, recommend.FeedOptions{Limit: 2, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			got = append(got, r.Paper.ID)
			if r.Paper.ID == "n2" && e.Upvotes(r.Paper) != 3 {
				t.Errorf("n2 has %d upvotes, want 3 (2 from its source, 1 ours)", e.Upvotes(r.Paper))
			}
		}
	}
	if want := []string{"n4", "n2", "n3", "n1", "old"}; !slices.Equal(got, want) {
		t.Errorf("pages %v, want %v: the year's window, as a feed without upvotes", got, want)
	}
	if _, err := e.TrendingFeed(ctx, recommend.FeedOptions{Limit: 10, Offset: recommend.MaxFeedDepth}); !errors.Is(err, paperhound.ErrInvalid) {
		t.Errorf("a page past the depth: %v, want ErrInvalid", err)
	}
}

// BenchmarkTrending: 200,000 papers over a year, about 550 a day as on
// arXiv; each request reads its window from the published index.
func BenchmarkTrending(b *testing.B) {
	ctx := context.Background()
	st := schematest.Open(b, "sqlite")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 200_000
	batch := make([]paperhound.Paper, 0, 5000)
	for i := range n {
		batch = append(batch, paperhound.Paper{
			ID:        fmt.Sprintf("p%06d", i),
			Title:     "Paper " + letters(i), // distinct words: not duplicates
			Published: paperhound.Date{Time: start.AddDate(0, 0, i*365/n)},
			Upvotes:   i % 7,
		})
		if len(batch) == cap(batch) {
			if err := st.SavePapers(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	e := recommend.New(st, index.NewMemory(), recommend.LexicalChannels(), nil)
	for _, days := range []int{7, 30} {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) {
			for b.Loop() {
				if rs, err := e.Trending(ctx, recommend.TrendingOptions{Days: days, Limit: 100}); err != nil || len(rs) != 100 {
					b.Fatal(len(rs), err)
				}
			}
		})
	}
	b.Run("new user's feed", func(b *testing.B) {
		for b.Loop() {
			if rs, err := e.Feed(ctx, "newbie", recommend.FeedOptions{Limit: 50}); err != nil || len(rs) != 50 {
				b.Fatal(len(rs), err)
			}
		}
	})
}

// letters spells i in base 26, "a" to "z".
func letters(i int) string {
	s := string(rune('a' + i%26))
	for i /= 26; i > 0; i /= 26 {
		s = string(rune('a'+i%26)) + s
	}
	return s
}
