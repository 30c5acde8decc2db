package recommend_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/paperhound/paperhound/index"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema/schematest"
)

// A load reports how many papers it has indexed after each batch, up to
// all of them: a server says so while it starts.
func TestLoadIndexProgress(t *testing.T) {
	ctx := context.Background()
	papers := samplePapers(t)
	for _, b := range schematest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			if _, err := recommend.New(b.Store, index.NewMemory(), recommend.LexicalChannels(), nil).Ingest(ctx, papers); err != nil {
				t.Fatal(err)
			}
			var reported []int
			n, err := recommend.New(b.Store, index.NewMemory(), recommend.LexicalChannels(), nil).
				LoadIndexProgress(ctx, func(indexed int) { reported = append(reported, indexed) })
			if err != nil || n != len(papers) {
				t.Fatalf("load: %d papers, %v; want %d", n, err, len(papers))
			}
			if len(reported) == 0 || reported[len(reported)-1] != n || !slices.IsSorted(reported) {
				t.Errorf("progress reported %v, want counts rising to %d", reported, n)
			}
		})
	}
}

// failingIndex refuses every upsert.
type failingIndex struct{ *index.Memory }

func (failingIndex) Upsert(context.Context, []index.Doc) error { return errIndexFull }

var errIndexFull = errors.New("index full")

// An index that refuses the papers stops the load with its own error,
// while the scan is still reading: nothing hangs and nothing is hidden.
func TestLoadIndexFails(t *testing.T) {
	ctx := context.Background()
	b := schematest.Backends(t)[0]
	if _, err := recommend.New(b.Store, index.NewMemory(), recommend.LexicalChannels(), nil).Ingest(ctx, samplePapers(t)); err != nil {
		t.Fatal(err)
	}
	_, err := recommend.New(b.Store, failingIndex{index.NewMemory()}, recommend.LexicalChannels(), nil).LoadIndex(ctx)
	if !errors.Is(err, errIndexFull) {
		t.Errorf("load into a failing index: %v, want %v", err, errIndexFull)
	}
}
