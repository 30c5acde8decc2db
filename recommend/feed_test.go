package recommend_test

import (
	"context"
	"testing"

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
	store := schematest.Open(t, "sqlite")
	// Words alone, so that the two topics share no term at all.
	e := recommend.New(store, index.NewMemory(), []recommend.Channel{{Embedder: embed.Words{}, Weight: 1}}, nil)
	papers := []paperhound.Paper{
		{ID: "up", Title: "Speculative decoding with draft models"},
		{ID: "near-up", Title: "Draft models for faster speculative decoding"},
		{ID: "hidden", Title: "Protein folding with graph networks"},
		{ID: "near-hidden", Title: "Graph networks predict protein folding"},
	}
	if _, err := e.Ingest(ctx, papers); err != nil {
		t.Fatal(err)
	}
	votes := []paperhound.Vote{{User: "ann", Paper: "up", Value: 1}, {User: "ann", Paper: "hidden", Value: -1}}
	if err := store.SaveVotes(ctx, votes); err != nil {
		t.Fatal(err)
	}
	for _, v := range votes {
		if err := e.Vote(ctx, v.User, v.Paper, v.Value); err != nil {
			t.Fatal(err)
		}
	}
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
