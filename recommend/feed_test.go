package recommend_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// Hiding a paper pushes its neighbours down; it never brings in papers
// that nothing the user upvoted points to.
func TestFeedHiddenNeighboursAreNotCandidates(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "up", Title: "Speculative decoding with draft models"},
		{ID: "near-up", Title: "Draft models for faster speculative decoding"},
		{ID: "hidden", Title: "Protein folding with graph networks"},
		{ID: "near-hidden", Title: "Graph networks predict protein folding"},
	}
	e := wordsEngine(t, papers, []paperhound.Vote{{User: "ann", Paper: "up", Value: 1}, {User: "ann", Paper: "hidden", Value: -1}})
	recs, err := e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Paper.ID != "near-up" {
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.Paper.ID)
		}
		t.Fatalf("feed = %v, want only near-up", ids)
	}
}

// Popularity blends in each paper's upvotes, the source's and ours: at
// weight 1 they alone order the feed, at 0 the content does; a second
// copy of a title is dropped either way. The embedded index keeps the
// source's upvotes and a hash of each title (index.Rank), whether it
// indexed the papers as they were ingested or loaded them from the store
// at start-up; an index that keeps no ranks has them read from the store.
func TestFeedPopularity(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "up", Title: "Speculative decoding with draft models"},
		{ID: "near", Title: "Speculative decoding with draft models, faster"},
		{ID: "mid", Title: "Speculative decoding for chat", Upvotes: 3},
		{ID: "far", Title: "Decoding speech", Upvotes: 1},
		{ID: "far-copy", Title: "Decoding Speech!", Upvotes: 9},
	}
	ingested := wordsEngine(t, papers, []paperhound.Vote{{User: "ann", Paper: "up", Value: 1}, {User: "bob", Paper: "near", Value: 1}, {User: "bob", Paper: "far", Value: 1}, {User: "cy", Paper: "far", Value: 1}})
	engines := map[string]*recommend.Engine{"ingested": ingested}
	for name, idx := range map[string]recommend.Index{"loaded from the store": index.NewMemory(), "without ranks": plainIndex{index.NewMemory()}} {
		e := recommend.New(ingested.Store(), idx, []recommend.Channel{{Embedder: embed.Words{}, Weight: 1}}, nil)
		if _, err := e.LoadIndex(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.LoadVotes(ctx); err != nil {
			t.Fatal(err)
		}
		engines[name] = e
	}
	tests := []struct {
		popularity float64
		want       []string
	}{
		{0, []string{"near", "mid", "far"}},
		// far-copy's 9 upvotes beat far's 1 + 2: it is the copy kept.
		{1, []string{"far-copy", "mid", "near"}},
	}
	for name, e := range engines {
		for _, tt := range tests {
			recs, err := e.FeedWith(ctx, "ann", recommend.FeedOptions{Limit: 10, Popularity: &tt.popularity}, recommend.FeedWeights{Content: 1, Pool: 100})
			if err != nil {
				t.Fatal(err)
			}
			if ids := feedIDs(recs); !slices.Equal(ids, tt.want) {
				t.Errorf("%s, popularity %v: feed %v, want %v", name, tt.popularity, ids, tt.want)
			}
		}
	}
}

// plainIndex is an index with only the methods every index has: it hands
// back no vectors, sums no centroid and keeps no ranks, as Qdrant.
type plainIndex struct{ recommend.Index }

// feedIDs are the ids of a feed, in its order.
func feedIDs(recs []recommend.Recommendation) []string {
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r.Paper.ID)
	}
	return ids
}

// wordsEngine is an engine over papers with votes loaded, on the words
// channel alone, so that papers whose titles share no word never meet.
func wordsEngine(t *testing.T, papers []paperhound.Paper, votes []paperhound.Vote) *recommend.Engine {
	t.Helper()
	ctx := context.Background()
	e := recommend.New(schematest.Open(t, "sqlite"), index.NewMemory(), []recommend.Channel{{Embedder: embed.Words{}, Weight: 1}}, nil)
	if _, err := e.Ingest(ctx, papers); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.ImportVotes(ctx, votes); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadVotes(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// Newer upvotes weigh more by time (an upvote cast HalfLife before the
// newest weighs half) or by count (one with Upvotes upvotes cast after it
// weighs half), and upvotes cast at once (an import without times) weigh
// alike whatever their order: a-near and b-near lean on a-up and b-up
// alone, so their scores' ratio is the two upvotes' weights'.
func TestFeedRecency(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "a-up", Title: "alpha beta"},
		{ID: "a-near", Title: "alpha beta gamma"},
		{ID: "b-up", Title: "delta epsilon"},
		{ID: "b-near", Title: "delta epsilon zeta"},
		{ID: "c-up", Title: "theta iota"},
	}
	now := time.Now().UTC().Truncate(time.Second)
	year, halfYear := 365*24*time.Hour, 180*24*time.Hour
	tests := []struct {
		name          string
		recency       recommend.Recency
		aAt, bAt, cAt time.Time
		wantAOverB    float64
	}{
		{"none", recommend.Recency{}, now.Add(-year), now.Add(-time.Second), now, 1},
		{"in time, a newer", recommend.Recency{HalfLife: halfYear}, now, now.Add(-year), now, math.Pow(2, 365.0/180)},
		{"in time, b newer", recommend.Recency{HalfLife: halfYear}, now.Add(-year), now, now, math.Pow(2, -365.0/180)},
		{"in time, cast at once", recommend.Recency{HalfLife: halfYear}, time.Time{}, time.Time{}, time.Time{}, 1},
		{"counted, two back and one back", recommend.Recency{Upvotes: 1}, now.Add(-2 * time.Second), now.Add(-time.Second), now, 0.5},
		{"counted, however long ago", recommend.Recency{Upvotes: 1}, now.Add(-time.Second), now.Add(-year), now, 2},
		{"counted, half-life of two", recommend.Recency{Upvotes: 2}, now.Add(-2 * time.Second), now.Add(-time.Second), now, 1 / math.Sqrt2},
		{"counted, cast at once", recommend.Recency{Upvotes: 1}, time.Time{}, time.Time{}, time.Time{}, 1},
		{"counted, a and b at once", recommend.Recency{Upvotes: 1}, now.Add(-time.Second), now.Add(-time.Second), now, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wordsEngine(t, papers, []paperhound.Vote{
				{User: "ann", Paper: "a-up", Value: 1, At: tt.aAt},
				{User: "ann", Paper: "b-up", Value: 1, At: tt.bAt},
				{User: "ann", Paper: "c-up", Value: 1, At: tt.cAt},
			})
			recs, err := e.FeedWith(ctx, "ann", recommend.FeedOptions{Limit: 10, Popularity: new(0.0)},
				recommend.FeedWeights{Content: 1, Recency: tt.recency, Pool: 10})
			if err != nil {
				t.Fatal(err)
			}
			score := map[string]float64{}
			for _, r := range recs {
				score[r.Paper.ID] = r.Score
			}
			if a, b := score["a-near"], score["b-near"]; b == 0 || math.Abs(a/b-tt.wantAOverB) > 1e-6*tt.wantAOverB {
				t.Errorf("a-near %.4f over b-near %.4f = %.6f, want %.6f", a, b, a/b, tt.wantAOverB)
			}
		})
	}
}

// The collaborative channel counts only each upvote's Neighbours best
// co-upvoted papers: here "often" (three shared upvoters) beats "once"
// (one), and with one neighbour "once" is left out.
func TestFeedNeighbours(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{{ID: "seed", Title: "alpha"}, {ID: "often", Title: "beta"}, {ID: "once", Title: "gamma"}}
	votes := []paperhound.Vote{{User: "ann", Paper: "seed", Value: 1}}
	for _, u := range []string{"bob", "cat", "dan"} {
		votes = append(votes, paperhound.Vote{User: u, Paper: "seed", Value: 1}, paperhound.Vote{User: u, Paper: "often", Value: 1})
	}
	votes = append(votes, paperhound.Vote{User: "bob", Paper: "once", Value: 1})
	e := wordsEngine(t, papers, votes)
	for _, tt := range []struct {
		neighbours int
		want       []string
	}{{0, []string{"often", "once"}}, {1, []string{"often"}}, {2, []string{"often", "once"}}} {
		recs, err := e.FeedWith(ctx, "ann", recommend.FeedOptions{Limit: 10, Popularity: new(0.0)},
			recommend.FeedWeights{Collaborative: 1, Neighbours: tt.neighbours, Damping: 0.5, Pool: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := feedIDs(recs); !slices.Equal(got, tt.want) {
			t.Errorf("%d neighbours: feed %v, want %v", tt.neighbours, got, tt.want)
		}
	}
}
