package recommend_test

import (
	"context"
	"math"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/embed"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/index/qdranttest"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// Feeds and similar papers rank alike on the embedded index and on Qdrant:
// the engine computes centroids and blends channels itself, so the index
// only answers nearest-neighbour queries. Frequent-term dropping, the
// choice of search terms by idf and candidates found by the rarer terms,
// which only the embedded index does, are off here so that scores can
// match.
func TestQdrantFeedMatchesEmbedded(t *testing.T) {
	ctx := context.Background()
	channels := []recommend.Channel{
		{Embedder: embed.Words{}, Weight: 1},
		{Embedder: embed.Chars{}, Weight: 1},
	}
	srv := qdranttest.Start(t)
	qdrant := qdranttest.Open(t, srv.URL, "", func(c *index.QdrantConfig) {
		c.Sparse = []string{embed.WordsSpace, embed.CharsSpace}
	})
	engines := map[string]*recommend.Engine{
		"embedded": recommend.New(schematest.Open(t, "sqlite"), index.NewMemory(), channels, nil),
		"qdrant":   recommend.New(schematest.Open(t, "sqlite"), qdrant, channels, nil),
	}
	votes := []paperhound.Vote{
		{User: "alice", Paper: "2407.18121", Value: 1}, // KV cache
		{User: "alice", Paper: "2412.08521", Value: 1}, // KV cache
		{User: "alice", Paper: "2510.21909", Value: -1},
		{User: "bob", Paper: "2407.18121", Value: 1},
		{User: "bob", Paper: "2407.15891", Value: 1},
	}
	feeds := map[string][]recommend.Recommendation{}
	similar := map[string][]recommend.Result{}
	for name, e := range engines {
		if _, err := e.Ingest(ctx, samplePapers(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store().SaveVotes(ctx, votes); err != nil {
			t.Fatal(err)
		}
		for _, v := range votes {
			if err := e.Vote(ctx, v.User, v.Paper, v.Value); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		w := recommend.DefaultFeedWeights
		w.MaxDocFreq = 0 // the channels' own: none
		w.SearchTerms = 0
		if feeds[name], err = e.FeedWith(ctx, "alice", recommend.FeedOptions{Limit: 20}, w); err != nil {
			t.Fatalf("%s feed: %v", name, err)
		}
		if similar[name], err = e.Similar(ctx, "2407.18121", recommend.Options{Limit: 10}); err != nil {
			t.Fatalf("%s similar: %v", name, err)
		}
	}
	want, got := feeds["embedded"], feeds["qdrant"]
	if len(want) != 20 || len(got) != len(want) {
		t.Fatalf("feeds of %d (embedded) and %d (qdrant) papers, want 20 each", len(want), len(got))
	}
	for i := range want {
		if got[i].Paper.ID != want[i].Paper.ID || math.Abs(got[i].Score-want[i].Score) > 1e-4 {
			t.Errorf("feed #%d: qdrant %s (%.5f), embedded %s (%.5f)", i, got[i].Paper.ID, got[i].Score, want[i].Paper.ID, want[i].Score)
		}
		for _, voted := range []string{"2407.18121", "2412.08521", "2510.21909"} {
			if got[i].Paper.ID == voted {
				t.Errorf("qdrant feed recommends %s, which alice voted on", voted)
			}
		}
	}
	ws, gs := similar["embedded"], similar["qdrant"]
	if len(ws) == 0 || len(gs) != len(ws) {
		t.Fatalf("similar: %d (embedded) and %d (qdrant) papers", len(ws), len(gs))
	}
	for i := range ws {
		if gs[i].Paper.ID != ws[i].Paper.ID || math.Abs(gs[i].Score-ws[i].Score) > 1e-4 {
			t.Errorf("similar #%d: qdrant %s (%.5f), embedded %s (%.5f)", i, gs[i].Paper.ID, gs[i].Score, ws[i].Paper.ID, ws[i].Score)
		}
	}
}
