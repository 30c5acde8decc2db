package recommend_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/paperhound/paperhound"
	"github.com/paperhound/paperhound/recommend"
)

func recIDs(recs []recommend.Recommendation) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.Paper.ID
	}
	slices.Sort(ids)
	return ids
}

// A collection's feed is seeded by its papers alone: filing a KV-cache
// paper brings KV-cache papers, never the tokenizer papers the user's
// whole feed also has; papers voted on stay out, and an empty collection
// has no feed.
func TestCollectionFeed(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{
		{ID: "kv1", Title: "Compressing the KV cache of long context transformers"},
		{ID: "kv2", Title: "KV cache eviction for long context inference"},
		{ID: "kv3", Title: "Quantized KV cache for serving"},
		{ID: "kv4", Title: "Paged KV cache memory"},
		{ID: "tok1", Title: "Byte pair encoding tokenizers revisited"},
		{ID: "tok2", Title: "Tokenizers without byte pair encoding"},
	}
	e := wordsEngine(t, papers, []paperhound.Vote{
		{User: "ann", Paper: "kv1", Value: 1},
		{User: "ann", Paper: "tok1", Value: 1},
		{User: "ann", Paper: "kv4", Value: -1},
	})
	st := e.Store()
	kv, err := st.CreateCollection(ctx, "ann", "KV caches")
	if err != nil {
		t.Fatal(err)
	}
	empty, err := st.CreateCollection(ctx, "ann", "Empty")
	if err != nil {
		t.Fatal(err)
	}
	if added, err := e.FileInCollection(ctx, "ann", kv.ID, "kv1"); err != nil || !added {
		t.Fatalf("FileInCollection: %v, %v", added, err)
	}

	whole, err := e.Feed(ctx, "ann", recommend.FeedOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := recIDs(whole); !slices.Equal(got, []string{"kv2", "kv3", "tok2"}) {
		t.Errorf("whole feed = %v, want kv2 kv3 tok2", got)
	}
	// Each reason carries its upvoted paper's title.
	for _, r := range whole {
		for _, why := range r.Because {
			stored, err := st.Papers(ctx, []string{why.ID})
			if err != nil || why.Title == "" || why.Title != stored[why.ID].Title {
				t.Errorf("%s: because %+v, stored title %q (%v)", r.Paper.ID, why, stored[why.ID].Title, err)
			}
		}
	}
	recs, err := e.CollectionFeed(ctx, "ann", kv.ID, recommend.FeedOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := recIDs(recs); !slices.Equal(got, []string{"kv2", "kv3"}) {
		t.Errorf("collection feed = %v, want kv2 kv3", got)
	}
	for _, r := range recs {
		if len(r.Because) == 0 || r.Because[0].ID != "kv1" || r.Trending {
			t.Errorf("%s: because %+v, trending %v; want because kv1", r.Paper.ID, r.Because, r.Trending)
		}
	}
	if recs, err := e.CollectionFeed(ctx, "ann", empty.ID, recommend.FeedOptions{Limit: 10}); err != nil || len(recs) != 0 {
		t.Errorf("empty collection's feed = %v, %v; want none", recIDs(recs), err)
	}
	if _, err := e.CollectionFeed(ctx, "bob", kv.ID, recommend.FeedOptions{Limit: 10}); !errors.Is(err, paperhound.ErrNotFound) {
		t.Errorf("another user's collection feed: %v, want ErrNotFound", err)
	}
}

// Filing a paper not upvoted upvotes it, a hidden one too; filing in a
// collection that isn't the user's upvotes nothing.
func TestFileInCollectionUpvotes(t *testing.T) {
	ctx := context.Background()
	papers := []paperhound.Paper{{ID: "a", Title: "alpha"}, {ID: "b", Title: "beta"}, {ID: "c", Title: "gamma"}}
	e := wordsEngine(t, papers, []paperhound.Vote{{User: "ann", Paper: "b", Value: -1}, {User: "bob", Paper: "a", Value: 1}})
	st := e.Store()
	c, err := st.CreateCollection(ctx, "ann", "mine")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "b"} {
		if added, err := e.FileInCollection(ctx, "ann", c.ID, p); err != nil || !added {
			t.Fatalf("FileInCollection(%s): %v, %v", p, added, err)
		}
		if v, err := st.VoteOf(ctx, "ann", p); err != nil || v.Value != 1 {
			t.Errorf("vote on %s after filing: %+v, %v; want an upvote", p, v, err)
		}
	}
	if _, err := e.FileInCollection(ctx, "bob", c.ID, "c"); !errors.Is(err, paperhound.ErrNotFound) {
		t.Errorf("filing in another's collection: %v, want ErrNotFound", err)
	}
	if _, err := st.VoteOf(ctx, "bob", "c"); !errors.Is(err, paperhound.ErrNotFound) {
		t.Errorf("bob's vote on c after a refused filing: %v, want none", err)
	}
	if _, err := e.FileInCollection(ctx, "ann", c.ID, "nope"); !errors.Is(err, paperhound.ErrNotFound) {
		t.Errorf("filing an unknown paper: %v, want ErrNotFound", err)
	}
}
