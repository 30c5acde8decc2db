package recommend_test

import (
	"context"
	"testing"

	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
	"github.com/paperhound/paperhound/schema/schematest"
)

// A server's engine picks up papers that another process ingested.
func TestRefreshPicksUpPapersIngestedElsewhere(t *testing.T) {
	ctx := context.Background()
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			server := recommend.New(b.Store, recommend.NewMemory(), recommend.LexicalChannels(), nil)
			writer := recommend.New(b.Store, recommend.NewMemory(), recommend.LexicalChannels(), nil)
			first := []schema.Paper{{ID: "p1", Title: "Speculative decoding with draft models"}}
			if _, err := writer.Ingest(ctx, first); err != nil {
				t.Fatal(err)
			}
			if n, err := server.Load(ctx); err != nil || n != 1 {
				t.Fatalf("Load = %d, %v; want 1 paper", n, err)
			}
			later := []schema.Paper{{ID: "p2", Title: "Draft models for speculative decoding at scale"}}
			if _, err := writer.Ingest(ctx, later); err != nil {
				t.Fatal(err)
			}
			res, err := server.Search(ctx, "speculative decoding", recommend.Options{Limit: 10})
			if err != nil || len(res) != 1 {
				t.Fatalf("before Refresh: %d results, %v; want only p1", len(res), err)
			}
			if _, err := server.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			res, err = server.Search(ctx, "speculative decoding", recommend.Options{Limit: 10})
			if err != nil || len(res) != 2 {
				t.Fatalf("after Refresh: %d results, %v; want p1 and p2", len(res), err)
			}
		})
	}
}
