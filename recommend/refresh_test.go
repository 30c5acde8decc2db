package recommend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// A server's engine picks up papers that another process ingested, each
// change once: the next Refresh upserts exactly those, and a Refresh with
// nothing new upserts none. (Refreshing by time re-read every paper
// updated within a minute of the newest, on every refresh.)
func TestRefreshPicksUpPapersIngestedElsewhere(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			server := recommend.New(b.Store, index.NewMemory(), recommend.LexicalChannels(), nil)
			writer := recommend.New(b.Store, index.NewMemory(), recommend.LexicalChannels(), nil)
			first := []paperhound.Paper{{ID: "p1", Title: "Speculative decoding with draft models"}}
			if _, err := writer.Ingest(ctx, first); err != nil {
				t.Fatal(err)
			}
			if n, err := server.Load(ctx); err != nil || n != 1 {
				t.Fatalf("Load = %d, %v; want 1 paper", n, err)
			}
			later := []paperhound.Paper{{ID: "p2", Title: "Draft models for speculative decoding at scale"}}
			if _, err := writer.Ingest(ctx, later); err != nil {
				t.Fatal(err)
			}
			res, err := server.Search(ctx, "speculative decoding", recommend.Options{Limit: 10})
			if err != nil || len(res) != 1 {
				t.Fatalf("before Refresh: %d results, %v; want only p1", len(res), err)
			}
			refresh := func(want int) {
				t.Helper()
				if n, err := server.Refresh(ctx); err != nil || n != want {
					t.Fatalf("Refresh = %d papers, %v; want %d", n, err, want)
				}
			}
			refresh(1)
			res, err = server.Search(ctx, "speculative decoding", recommend.Options{Limit: 10})
			if err != nil || len(res) != 2 {
				t.Fatalf("after Refresh: %d results, %v; want p1 and p2", len(res), err)
			}
			refresh(0)

			const bulk = 1200 // more than one batch of an ingest and of a load
			papers := make([]paperhound.Paper, bulk)
			for i := range papers {
				papers[i] = paperhound.Paper{ID: fmt.Sprintf("bulk-%04d", i), Title: fmt.Sprintf("Paper number %d on decoding", i)}
			}
			if _, err := writer.Ingest(ctx, papers); err != nil {
				t.Fatal(err)
			}
			refresh(bulk)
			refresh(0)

			// A changed paper comes back once; an unchanged re-ingest not at all.
			papers[7].Title = "Paper number 7, revised"
			if _, err := writer.Ingest(ctx, papers); err != nil {
				t.Fatal(err)
			}
			refresh(1)
			refresh(0)
			res, err = server.Search(ctx, "revised", recommend.Options{Limit: 1})
			if err != nil || len(res) != 1 || res[0].Paper.ID != "bulk-0007" {
				t.Fatalf("search for the revised paper = %+v, %v", res, err)
			}
		})
	}
}

// Votes imported by another process reach a running engine's feed; the
// engine's own votes don't make it reload.
func TestRefreshVotesPicksUpVotesCastElsewhere(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			server := recommend.New(b.Store, index.NewMemory(), recommend.LexicalChannels(), nil)
			day, _ := paperhound.ParseDate("2024-05-01")
			papers := []paperhound.Paper{
				{ID: "a", Title: "Speculative decoding with draft models", Published: day},
				{ID: "b", Title: "Protein folding with graph networks", Published: day},
				{ID: "c", Title: "Draft models for speculative decoding at scale", Published: day},
			}
			if _, err := server.Ingest(ctx, papers); err != nil {
				t.Fatal(err)
			}
			if _, err := server.Load(ctx); err != nil {
				t.Fatal(err)
			}
			// Another process: an upvotes import writes the store only.
			if _, err := b.Store.SaveVotes(ctx, []paperhound.Vote{{User: "ann", Paper: "a", Value: 1}}); err != nil {
				t.Fatal(err)
			}
			recs, err := server.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10})
			if err != nil || len(recs) == 0 || !recs[0].Trending {
				t.Fatalf("before RefreshVotes the feed should still be trending: %v, %v", recs, err)
			}
			if reloaded, err := server.RefreshVotes(ctx); err != nil || !reloaded {
				t.Fatalf("RefreshVotes = %v, %v; want a reload", reloaded, err)
			}
			recs, err = server.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10})
			if err != nil || len(recs) == 0 || recs[0].Trending || recs[0].Paper.ID != "c" {
				t.Fatalf("after RefreshVotes the feed should start with c: %+v, %v", recs, err)
			}
			// The engine's own vote is already in its graph.
			if err := server.Vote(ctx, "ann", "b", -1); err != nil {
				t.Fatal(err)
			}
			if reloaded, err := server.RefreshVotes(ctx); err != nil || reloaded {
				t.Fatalf("RefreshVotes after the engine's own vote = %v, %v; want no reload", reloaded, err)
			}
		})
	}
}
