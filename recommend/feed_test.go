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

// Upvotes lose weight with time, not with their count: of two upvotes a
// year apart the newer leads, and upvotes cast at once (an import without
// times) weigh alike whatever their order. Before, the half-life was
// counted in upvotes, so the order of an untimed import decided.
func TestFeedDecaysByTime(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "a-up", Title: "alpha beta"},
		{ID: "a-near", Title: "alpha beta gamma"},
		{ID: "b-up", Title: "delta epsilon"},
		{ID: "b-near", Title: "delta epsilon zeta"},
	}
	now := time.Now().UTC().Truncate(time.Second)
	tests := []struct {
		name       string
		aAt, bAt   time.Time
		aLeads, eq bool
	}{
		{"a newer", now, now.AddDate(-1, 0, 0), true, false},
		{"b newer", now.AddDate(-1, 0, 0), now, false, false},
		{"cast at once", time.Time{}, time.Time{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wordsEngine(t, papers, []paperhound.Vote{
				{User: "ann", Paper: "a-up", Value: 1, At: tt.aAt},
				{User: "ann", Paper: "b-up", Value: 1, At: tt.bAt},
			})
			recs, err := e.FeedWith(ctx, "ann", recommend.FeedOptions{Limit: 10, Popularity: new(0.0)},
				recommend.FeedWeights{Content: 1, HalfLife: 180 * 24 * time.Hour, Pool: 10})
			if err != nil {
				t.Fatal(err)
			}
			score := map[string]float64{}
			for _, r := range recs {
				score[r.Paper.ID] = r.Score
			}
			a, b := score["a-near"], score["b-near"]
			switch {
			case a == 0 || b == 0:
				t.Fatalf("feed scores %v, want both near papers", score)
			case tt.eq && math.Abs(a-b) > 1e-9:
				t.Errorf("a-near %.4f, b-near %.4f: upvotes cast at once weigh alike", a, b)
			case !tt.eq && (a > b) != tt.aLeads:
				t.Errorf("a-near %.4f, b-near %.4f: want the newer upvote's neighbour first", a, b)
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
		var got []string
		for _, r := range recs {
			got = append(got, r.Paper.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%d neighbours: feed %v, want %v", tt.neighbours, got, tt.want)
		}
	}
}
