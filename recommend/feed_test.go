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
