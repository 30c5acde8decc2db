package recommend_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
	"github.com/paperhound/paperhound/schema"
)

// storeOnlyIndex hides index.Memory's Vectors, as index.Qdrant lacks it:
// the engine then embeds the offline channels' vectors again from the
// papers' text in the store.
type storeOnlyIndex struct{ recommend.Index }

// With the in-process index, similar papers and feeds take every vector
// from the index, embedding no paper again, and answer as an engine that
// embeds them again from the store does.
func TestQueriesTakeVectorsFromTheIndex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "paperhound.db")
	st, err := schema.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	te, _ := sampleEngine(t, st)
	votes := []paperhound.Vote{
		{User: "ann", Paper: "2407.18121", Value: 1},
		{User: "ann", Paper: "2412.08521", Value: 1},
		{User: "ann", Paper: "2510.21909", Value: -1},
		{User: "bob", Paper: "2407.18121", Value: 1},
		{User: "bob", Paper: "2407.15891", Value: 1},
	}
	if _, _, err := te.ImportVotes(ctx, votes); err != nil {
		t.Fatal(err)
	}
	fromStore := recommend.New(st, storeOnlyIndex{te.idx}, recommend.LexicalChannels(), nil)
	for _, e := range []*recommend.Engine{te.Engine, fromStore} {
		if err := e.LoadVotes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	answers := func(e *recommend.Engine) (similar []recommend.Result, feed []recommend.Recommendation) {
		t.Helper()
		similar, err := e.Similar(ctx, "2407.18121", recommend.Options{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		feed, err = e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return similar, feed
	}
	wantSimilar, wantFeed := answers(fromStore)
	if len(wantSimilar) == 0 || len(wantFeed) == 0 || len(wantFeed[0].Because) == 0 {
		t.Fatalf("similar %v, feed %v: want both, explained", wantSimilar, wantFeed)
	}

	similar, feed := answers(te.Engine)
	if !reflect.DeepEqual(similar, wantSimilar) {
		t.Errorf("similar from the index = %v,\nwant %v", resultIDs(similar), resultIDs(wantSimilar))
	}
	if !reflect.DeepEqual(feed, wantFeed) {
		t.Errorf("feed from the index = %+v,\nwant %+v", feed, wantFeed)
	}
	if w, c := te.embedded(); w != 38 || c != 38 {
		t.Errorf("embedded %d, %d texts: a query embedded a stored paper again", w, c)
	}
}
