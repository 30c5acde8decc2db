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

// A query made only of words most papers share still finds them: frequent
// terms are dropped from long queries only.
func TestSearchForACommonTopic(t *testing.T) {
	ctx := context.Background()
	store := schematest.Open(t, "sqlite")
	engine := recommend.New(store, index.NewMemory(), recommend.LexicalChannels(), nil)
	var papers []paperhound.Paper
	for i := range 30 {
		title := fmt.Sprintf("Paper %d about graph coloring", i)
		if i%2 == 0 {
			title = fmt.Sprintf("A tokenizer for language %d", i)
		}
		papers = append(papers, paperhound.Paper{ID: fmt.Sprint(i), Title: title})
	}
	if _, err := engine.Ingest(ctx, papers); err != nil {
		t.Fatal(err)
	}
	res, err := engine.Search(ctx, "tokenizer", recommend.Options{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) < 15 {
		t.Fatalf("search for a word in half the papers found %d papers, want at least 15", len(res))
	}
	for _, r := range res[:15] {
		if r.Paper.Title[:11] != "A tokenizer" {
			t.Errorf("top 15 has %q, want only the tokenizer papers", r.Paper.Title)
		}
	}
}
