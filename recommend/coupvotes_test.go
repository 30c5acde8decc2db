package recommend_test

import (
	"context"
	"slices"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
)

// Co-upvoted papers come from votes, not from the index, so the engine
// applies a date filter to them itself: similar papers and feeds keep only
// those published in the range, and never an undated one.
func TestCoUpvotesKeepDateFilter(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "seed", Title: "Speculative decoding", Published: day("2024-01-01")},
		{ID: "old", Title: "Protein folding", Published: day("2020-01-01")},
		{ID: "new", Title: "Galaxy surveys", Published: day("2024-06-01")},
		{ID: "undated", Title: "Coral reefs"},
	}
	// Titles share no word: every candidate is a co-upvote.
	votes := []paperhound.Vote{{User: "ann", Paper: "seed", Value: 1}}
	for _, p := range papers {
		votes = append(votes, paperhound.Vote{User: "bob", Paper: p.ID, Value: 1})
	}
	e := wordsEngine(t, papers, votes)
	tests := []struct {
		name   string
		filter index.Filter
		want   []string
	}{
		{"no filter", index.Filter{}, []string{"new", "old", "undated"}},
		{"after", index.Filter{After: day("2023-01-01")}, []string{"new"}},
		{"before", index.Filter{Before: day("2021-01-01")}, []string{"old"}},
		{"between", index.Filter{After: day("2021-01-01"), Before: day("2024-03-01")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			similar, err := e.Similar(ctx, "seed", recommend.Options{Limit: 10, Filter: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(slices.Values(resultIDs(similar))); !slices.Equal(got, tt.want) {
				t.Errorf("similar = %v, want %v", got, tt.want)
			}
			recs, err := e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10, Filter: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			var feed []string
			for _, r := range recs {
				feed = append(feed, r.Paper.ID)
			}
			if got := slices.Sorted(slices.Values(feed)); !slices.Equal(got, tt.want) {
				t.Errorf("feed = %v, want %v", got, tt.want)
			}
		})
	}
}

// Similar papers also count the co-upvotes of the papers the first blend
// ranks best: a paper read beside the query's nearest paper is found even
// though nobody read it beside the query itself.
func TestSimilarCoUpvoteFeedback(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "query", Title: "Speculative decoding"},
		{ID: "near", Title: "Speculative decoding with draft models"},
		{ID: "coread", Title: "Protein folding"},
		{ID: "beside-near", Title: "Galaxy surveys"},
		{ID: "unrelated", Title: "Coral reefs"},
	}
	votes := []paperhound.Vote{
		{User: "ann", Paper: "query", Value: 1}, {User: "ann", Paper: "coread", Value: 1},
		{User: "bob", Paper: "near", Value: 1}, {User: "bob", Paper: "beside-near", Value: 1},
		{User: "cy", Paper: "unrelated", Value: 1},
	}
	e := wordsEngine(t, papers, votes)
	res, err := e.Similar(ctx, "query", recommend.Options{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(slices.Values(resultIDs(res))), []string{"beside-near", "coread", "near"}; !slices.Equal(got, want) {
		t.Errorf("similar = %v, want %v", got, want)
	}
}
